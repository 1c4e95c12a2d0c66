//! The OAuth redirect: any query string, and any pasted URL against a loopback redirect URI.
#![no_main]
use jirad::auth::callback::CallbackParams;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    let _ = CallbackParams::from_query(s).error_text();
    let uri = url::Url::parse("http://127.0.0.1:8931/callback").unwrap();
    if let Ok(p) = CallbackParams::from_redirect_url(s, &uri) {
        // Accepted only when it really is the redirect URI.
        let u = url::Url::parse(s.trim()).unwrap();
        assert_eq!(u.path(), "/callback");
        assert_eq!(u.port_or_known_default(), Some(8931));
        let _ = p.error_text();
    }
});

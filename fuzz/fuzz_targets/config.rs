//! Any text as a config file: no panic; a TOML error names a line.
#![no_main]
use jirad::config::{Config, ConfigError};
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    if let Err(e) = Config::parse(s, Path::new("c.toml")) {
        let msg = e.to_string();
        if matches!(e, ConfigError::Invalid { .. }) {
            assert!(msg.contains("line"), "{msg}");
        }
    }
});

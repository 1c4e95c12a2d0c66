//! The OAuth 2.0 (3LO) protocol steps with the `oauth2` crate: building the authorization URL
//! (single-use state, PKCE S256, `prompt=consent`), exchanging the code, refreshing. The client
//! secret goes in the request body, and the HTTP client must not follow redirects.

use std::time::Duration;

use oauth2::basic::{BasicClient, BasicErrorResponseType, BasicTokenResponse};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, RefreshToken, RequestTokenError, Scope, TokenResponse, TokenUrl,
};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::auth::profile::OAuthSettings;
use crate::auth::time::unix_now;

/// A started authorization: the link for the user and what the callback must match.
#[derive(Debug)]
pub struct AuthorizationRequest {
    pub url: Url,
    /// Single-use; compared in constant time on the callback.
    pub state: CsrfToken,
    pub pkce_verifier: PkceCodeVerifier,
}

/// Tokens from a successful grant.
#[derive(Debug)]
pub struct TokenGrant {
    pub access_token: SecretString,
    /// Absent when `offline_access` was not granted, or when the server did not rotate.
    pub refresh_token: Option<SecretString>,
    /// Unix seconds.
    pub expires_at: Option<u64>,
    pub scopes: Option<Vec<String>>,
}

/// Why a token request failed, decided by the `error` code, never by the status.
#[derive(Debug, PartialEq, Eq)]
pub enum TokenError {
    /// `invalid_grant` or `unauthorized_client`: the grant is gone; authorize again.
    Reauthorize { code: String, description: String },
    /// `access_denied` and the like: the app's credentials were refused.
    Rejected { code: String, description: String },
    /// No connection could be made to the endpoint (the cause, from reqwest).
    Unreachable(String),
    /// An answer that is not an OAuth response.
    Upstream(String),
}

/// Builds the link the user opens. `audience` stays as given in `authorize_url`.
pub fn authorization_request(s: &OAuthSettings) -> AuthorizationRequest {
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let client = BasicClient::new(ClientId::new(s.client_id.clone()))
        .set_auth_uri(AuthUrl::from_url(s.authorize_url.clone()))
        .set_redirect_uri(RedirectUrl::from_url(s.redirect_uri.clone()));
    let (mut url, state) = client
        .authorize_url(CsrfToken::new_random)
        .add_scopes(s.scopes.iter().map(|sc| Scope::new(sc.clone())))
        .add_extra_param("prompt", "consent")
        .set_pkce_challenge(challenge)
        .url();
    // Form encoding turns the scope separator into `+`; Atlassian documents `%20`. Any literal `+`
    // is already `%2B`, so every `+` left is a space.
    if let Some(q) = url.query().map(|q| q.replace('+', "%20")) {
        url.set_query(Some(&q));
    }
    AuthorizationRequest {
        url,
        state,
        pkce_verifier: verifier,
    }
}

/// Exchanges an authorization code (with its PKCE verifier) for tokens.
pub async fn exchange_code(
    http: &reqwest::Client,
    s: &OAuthSettings,
    secret: &SecretString,
    code: &SecretString,
    verifier: PkceCodeVerifier,
) -> Result<TokenGrant, TokenError> {
    let client = BasicClient::new(ClientId::new(s.client_id.clone()))
        .set_client_secret(ClientSecret::new(secret.expose_secret().to_owned()))
        .set_token_uri(TokenUrl::from_url(s.token_url.clone()))
        .set_redirect_uri(RedirectUrl::from_url(s.redirect_uri.clone()))
        .set_auth_type(AuthType::RequestBody);
    let response = client
        .exchange_code(AuthorizationCode::new(code.expose_secret().to_owned()))
        .set_pkce_verifier(verifier)
        .request_async(http)
        .await;
    grant(response)
}

/// Exchanges a refresh token at `refresh_url`; Atlassian answers with a rotated pair.
pub async fn refresh(
    http: &reqwest::Client,
    s: &OAuthSettings,
    secret: &SecretString,
    refresh_token: &SecretString,
) -> Result<TokenGrant, TokenError> {
    let client = BasicClient::new(ClientId::new(s.client_id.clone()))
        .set_client_secret(ClientSecret::new(secret.expose_secret().to_owned()))
        .set_token_uri(TokenUrl::from_url(s.refresh_url.clone()))
        .set_auth_type(AuthType::RequestBody);
    let rt = RefreshToken::new(refresh_token.expose_secret().to_owned());
    let response = client.exchange_refresh_token(&rt).request_async(http).await;
    grant(response)
}

/// An HTTP client fit for token requests: no redirects (the oauth2 crate's SSRF advice), bounded.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap_or_else(|_| reqwest::Client::new())
}

type Response = Result<
    BasicTokenResponse,
    RequestTokenError<
        oauth2::HttpClientError<reqwest::Error>,
        oauth2::StandardErrorResponse<BasicErrorResponseType>,
    >,
>;

fn grant(response: Response) -> Result<TokenGrant, TokenError> {
    match response {
        Ok(t) => Ok(TokenGrant {
            access_token: SecretString::from(t.access_token().secret().to_owned()),
            refresh_token: t
                .refresh_token()
                .map(|r| SecretString::from(r.secret().to_owned())),
            expires_at: t.expires_in().map(|d| unix_now() + d.as_secs()),
            scopes: t
                .scopes()
                .map(|v| v.iter().map(|s| s.to_string()).collect()),
        }),
        Err(RequestTokenError::ServerResponse(e)) => {
            let code = e.error().as_ref().to_owned();
            let description = e.error_description().cloned().unwrap_or_default();
            Err(match e.error() {
                BasicErrorResponseType::InvalidGrant
                | BasicErrorResponseType::UnauthorizedClient => {
                    TokenError::Reauthorize { code, description }
                }
                _ => TokenError::Rejected { code, description },
            })
        }
        Err(RequestTokenError::Request(e)) => {
            let cause =
                crate::breaker::root_cause(&e).unwrap_or_else(|| "the request failed".to_owned());
            // No connection at all (refused, unresolvable, connect timeout) says the host is
            // away; a connection lost after the request was sent says nothing about the next.
            let no_connection = matches!(&e, oauth2::HttpClientError::Reqwest(r) if r.is_connect());
            Err(if no_connection {
                TokenError::Unreachable(cause)
            } else {
                TokenError::Upstream(format!("the token request failed: {cause}"))
            })
        }
        // The body is not quoted: a half-parsed answer may hold tokens.
        Err(RequestTokenError::Parse(_, _)) => Err(TokenError::Upstream(
            "the token endpoint sent an answer that is not an OAuth token response".into(),
        )),
        Err(RequestTokenError::Other(m)) => Err(TokenError::Upstream(format!(
            "the token endpoint failed: {m}"
        ))),
    }
}

/// Constant-time comparison for the `state` value.
pub fn ct_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::profile::ProfileConfig;

    fn settings() -> OAuthSettings {
        let cfg: ProfileConfig = toml::from_str(
            "auth = \"oauth\"\napp = \"custom\"\nclient_id = \"cid\"\nclient_secret = \"canary\"\n",
        )
        .unwrap();
        match cfg.validate("p", None).unwrap() {
            crate::auth::profile::ProfileSettings::OAuth(s) => *s,
            _ => unreachable!(),
        }
    }

    #[test]
    fn authorization_url_has_every_parameter() {
        let req = authorization_request(&settings());
        let q: std::collections::HashMap<_, _> = req.url.query_pairs().into_owned().collect();
        assert_eq!(req.url.path(), "/authorize");
        assert_eq!(q["audience"], "api.atlassian.com");
        assert_eq!(q["client_id"], "cid");
        assert_eq!(q["response_type"], "code");
        assert_eq!(q["prompt"], "consent");
        assert_eq!(q["code_challenge_method"], "S256");
        assert_eq!(q["redirect_uri"], "http://127.0.0.1:8765/callback");
        assert_eq!(q["state"], req.state.secret().as_str());
        assert!(q["scope"].split(' ').any(|s| s == "offline_access"));
        assert!(req
            .url
            .as_str()
            .contains("write%3Ajira-work%20read%3Ajira-work"));
        assert!(!req.url.as_str().contains("canary"));
        // The challenge is the S256 of the verifier.
        use base64::Engine;
        use sha2::Digest;
        let digest = sha2::Sha256::digest(req.pkce_verifier.secret().as_bytes());
        let expect = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest);
        assert_eq!(q["code_challenge"], expect);
    }

    #[test]
    fn state_is_random_and_compared_exactly() {
        let (a, b) = (
            authorization_request(&settings()),
            authorization_request(&settings()),
        );
        assert_ne!(a.state.secret(), b.state.secret());
        assert!(a.state.secret().len() >= 16);
        assert!(ct_eq(a.state.secret(), a.state.secret()));
        assert!(!ct_eq(a.state.secret(), b.state.secret()));
        assert!(!ct_eq("abc", "abcd"));
    }
}

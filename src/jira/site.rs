//! `Site` (where a Jira lives and which REST dialect it speaks) and the `Authorizer` the auth layer implements.

use futures::future::BoxFuture;
use secrecy::SecretString;
use url::Url;

use super::JiraError;

/// Cloud speaks REST v3 with ADF and accountIds; Data Center speaks v2 with wiki markup and usernames.
/// One enum for both domains: the auth layer decides it, the Jira client follows it.
pub use crate::auth::Flavor;

/// One Jira site as the client sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    /// REST calls go to `{api_base}/rest/api/{3|2}/…`.
    pub api_base: Url,
    /// Browse links are `{browse_base}/browse/KEY`.
    pub browse_base: Url,
    pub flavor: Flavor,
}

impl Site {
    /// Cloud through OAuth 2.0 (3LO): calls go through the gateway, links point at the site.
    pub fn cloud_oauth(gateway: &Url, cloud_id: &str, site_url: Url) -> Result<Self, JiraError> {
        let mut api_base = join(gateway, "ex/jira/")?;
        // A path segment, so a strange cloudId can't climb out of the gateway path.
        api_base
            .path_segments_mut()
            .map_err(|_| JiraError::Protocol("gateway URL cannot hold a path".into()))?
            .pop_if_empty()
            .push(cloud_id)
            .push("");
        Ok(Self {
            api_base,
            browse_base: site_url,
            flavor: Flavor::Cloud,
        })
    }

    /// Cloud with an API token (basic auth) straight at the site.
    pub fn cloud_basic(site_url: Url) -> Self {
        Self {
            api_base: site_url.clone(),
            browse_base: site_url,
            flavor: Flavor::Cloud,
        }
    }

    /// Data Center at its base URL (a context path such as `/jira` is kept).
    pub fn data_center(base: Url) -> Self {
        Self {
            api_base: base.clone(),
            browse_base: base,
            flavor: Flavor::DataCenter,
        }
    }

    /// `/rest/api/3` on Cloud, `/rest/api/2` on Data Center.
    pub fn rest_prefix(&self) -> &'static str {
        match self.flavor {
            Flavor::Cloud => "rest/api/3",
            Flavor::DataCenter => "rest/api/2",
        }
    }

    /// Absolute URL of a REST path such as `issue/ABC-1` (the path is relative to the prefix).
    pub fn rest_url(&self, path: &str) -> Result<Url, JiraError> {
        join(
            &self.api_base,
            &format!("{}/{}", self.rest_prefix(), path.trim_start_matches('/')),
        )
    }

    /// Absolute URL of a Jira Software REST path (`/rest/agile/1.0/…`, the same on both flavours).
    pub fn agile_url(&self, path: &str) -> Result<Url, JiraError> {
        join(
            &self.api_base,
            &format!("rest/agile/1.0/{}", path.trim_start_matches('/')),
        )
    }

    /// The browse link of an issue.
    pub fn browse_url(&self, key: &str) -> String {
        join(&self.browse_base, &format!("browse/{key}"))
            .map(String::from)
            .unwrap_or_else(|_| {
                format!(
                    "{}/browse/{key}",
                    self.browse_base.as_str().trim_end_matches('/')
                )
            })
    }
}

/// Joins relative to the base keeping any context path, whether or not the base ends with `/`.
fn join(base: &Url, rel: &str) -> Result<Url, JiraError> {
    let mut b = base.clone();
    if !b.path().ends_with('/') {
        b.set_path(&format!("{}/", b.path()));
    }
    b.join(rel)
        .map_err(|e| JiraError::Protocol(format!("bad URL {rel}: {e}")))
}

/// Supplies the `Authorization` header; implemented by the auth layer (OAuth, API token, PAT).
pub trait Authorizer: Send + Sync + 'static {
    /// Value for the Authorization header of the next request (already "Bearer …" or "Basic …"); must never be logged.
    fn header(&self) -> BoxFuture<'_, Result<SecretString, JiraError>>;
    /// The header was rejected with 401: refresh if possible. Ok(true) = retry once with a new header.
    fn rejected(&self, header: &SecretString) -> BoxFuture<'_, Result<bool, JiraError>>;
}

/// A fixed header (API token or PAT, and tests): a 401 cannot be fixed by retrying.
pub struct StaticAuthorizer(pub SecretString);

impl Authorizer for StaticAuthorizer {
    fn header(&self) -> BoxFuture<'_, Result<SecretString, JiraError>> {
        Box::pin(async move { Ok(self.0.clone()) })
    }
    fn rejected(&self, _: &SecretString) -> BoxFuture<'_, Result<bool, JiraError>> {
        Box::pin(async { Ok(false) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_keep_context_paths() {
        let gw = Url::parse("http://127.0.0.1:9/gw").unwrap();
        let s = Site::cloud_oauth(&gw, "../x", Url::parse("http://h/").unwrap()).unwrap();
        assert_eq!(s.api_base.as_str(), "http://127.0.0.1:9/gw/ex/jira/..%2Fx/");
        let gw = Url::parse("https://api.atlassian.com").unwrap();
        let s =
            Site::cloud_oauth(&gw, "abc", Url::parse("https://x.atlassian.net").unwrap()).unwrap();
        assert_eq!(
            s.rest_url("issue/A-1").unwrap().as_str(),
            "https://api.atlassian.com/ex/jira/abc/rest/api/3/issue/A-1"
        );
        assert_eq!(s.browse_url("A-1"), "https://x.atlassian.net/browse/A-1");
        let dc = Site::data_center(Url::parse("https://jira.example.com/jira").unwrap());
        assert_eq!(
            dc.rest_url("/search").unwrap().as_str(),
            "https://jira.example.com/jira/rest/api/2/search"
        );
        assert_eq!(
            dc.browse_url("A-1"),
            "https://jira.example.com/jira/browse/A-1"
        );
    }
}

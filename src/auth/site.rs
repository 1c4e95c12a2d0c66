//! Jira sites: the entries of Atlassian's accessible-resources, choosing one of them, and the
//! `SiteInfo` the Jira client needs to build URLs.

use serde::{Deserialize, Serialize};
use url::Url;

/// One Jira site a grant covers (an accessible-resources entry with Jira scopes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Site {
    /// The cloudId.
    pub id: String,
    pub url: String,
    pub name: String,
    #[serde(default)]
    pub scopes: Vec<String>,
}

/// Which REST API a site speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Flavor {
    /// Jira Cloud, REST v3.
    Cloud,
    /// Jira Data Center / Server, REST v2.
    DataCenter,
}

/// Where the Jira client sends requests for a profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteInfo {
    /// Base of REST paths: `{api_base}/rest/api/3/...` (Cloud) or `/rest/api/2/...` (DC). It may
    /// end with `/` (a bare host) or not (`…/ex/jira/{cloudId}`): trim it before appending.
    pub api_base: Url,
    /// The site people browse: `{browse_url}/browse/KEY`.
    pub browse_url: Url,
    pub flavor: Flavor,
    /// The cloudId, for OAuth profiles.
    pub cloud_id: Option<String>,
}

/// Keeps the entries that are Jira sites (a `*:jira*` scope), once per cloudId: the same id also
/// appears for Confluence.
pub fn jira_sites(resources: Vec<Site>) -> Vec<Site> {
    let mut out: Vec<Site> = Vec::new();
    for r in resources {
        let is_jira = r.scopes.iter().any(|s| s.contains(":jira"));
        if is_jira && !out.iter().any(|o| o.id == r.id) {
            out.push(r);
        }
    }
    out
}

/// The outcome of choosing a site among the granted ones.
#[derive(Debug, PartialEq, Eq)]
pub enum SiteChoice {
    One(Site),
    /// Several and nothing configured: never guess.
    Ambiguous(Vec<Site>),
    /// The configured site is not among the granted ones (or nothing was granted).
    NotFound {
        wanted: Option<String>,
        sites: Vec<Site>,
    },
}

/// Picks the configured site (by URL or cloudId), or the only one.
pub fn choose_site(sites: Vec<Site>, wanted: Option<&str>) -> SiteChoice {
    if let Some(w) = wanted {
        return match sites.iter().find(|s| site_matches(s, w)) {
            Some(s) => SiteChoice::One(s.clone()),
            None => SiteChoice::NotFound {
                wanted: Some(w.to_owned()),
                sites,
            },
        };
    }
    let mut sites = sites;
    if sites.len() == 1 {
        if let Some(only) = sites.pop() {
            return SiteChoice::One(only);
        }
    }
    if sites.is_empty() {
        SiteChoice::NotFound {
            wanted: None,
            sites,
        }
    } else {
        SiteChoice::Ambiguous(sites)
    }
}

/// True when `wanted` is this site's cloudId or URL (scheme, case and trailing slash ignored).
pub fn site_matches(site: &Site, wanted: &str) -> bool {
    let wanted = wanted.trim();
    site.id == wanted || normalize(&site.url) == normalize(wanted)
}

fn normalize(url: &str) -> String {
    let lower = url.trim().trim_end_matches('/').to_ascii_lowercase();
    lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
        .unwrap_or(&lower)
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(id: &str, url: &str, scope: &str) -> Site {
        Site {
            id: id.into(),
            url: url.into(),
            name: id.into(),
            scopes: vec![scope.into()],
        }
    }

    #[test]
    fn filters_and_dedupes_jira_entries() {
        let sites = jira_sites(vec![
            site(
                "a",
                "https://a.atlassian.net",
                "read:confluence-content.all",
            ),
            site("a", "https://a.atlassian.net", "read:jira-work"),
            site("a", "https://a.atlassian.net", "write:jira-work"),
            site("b", "https://b.atlassian.net", "read:issue:jira"),
        ]);
        assert_eq!(
            sites.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
    }

    #[test]
    fn never_picks_the_first_of_several() {
        let two = vec![
            site("a", "https://a.atlassian.net", "read:jira-work"),
            site("b", "https://b.atlassian.net", "read:jira-work"),
        ];
        assert!(matches!(
            choose_site(two.clone(), None),
            SiteChoice::Ambiguous(_)
        ));
        assert_eq!(
            choose_site(two.clone(), Some("https://B.atlassian.net/")),
            SiteChoice::One(two[1].clone())
        );
        assert_eq!(
            choose_site(two.clone(), Some("a")),
            SiteChoice::One(two[0].clone())
        );
        assert!(matches!(
            choose_site(two, Some("c")),
            SiteChoice::NotFound { .. }
        ));
        assert!(matches!(
            choose_site(vec![], None),
            SiteChoice::NotFound { .. }
        ));
    }
}

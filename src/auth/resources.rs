//! The two gateway calls that follow a grant: `accessible-resources` (which Jira sites the token
//! reaches) and `myself` (who the token acts as).

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use url::Url;

use crate::auth::site::{jira_sites, Site};
use crate::auth::store::Account;

/// Why a gateway call failed.
#[derive(Debug)]
pub enum GatewayError {
    /// 401: the access token is not (or no longer) accepted.
    Unauthorized,
    Other(String),
}

/// `GET {api_url}/oauth/token/accessible-resources`, reduced to Jira sites.
pub async fn accessible_sites(
    http: &reqwest::Client,
    api_url: &Url,
    access: &SecretString,
) -> Result<Vec<Site>, GatewayError> {
    let url = join(api_url, "oauth/token/accessible-resources");
    let all: Vec<Site> = get_json(http, &url, access).await?;
    Ok(jira_sites(all))
}

/// `GET {api_url}/ex/jira/{cloudId}/rest/api/3/myself`.
pub async fn myself(
    http: &reqwest::Client,
    api_url: &Url,
    cloud_id: &str,
    access: &SecretString,
) -> Result<Account, GatewayError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Myself {
        account_id: String,
        #[serde(default)]
        display_name: String,
    }
    let url = join(api_url, &format!("ex/jira/{cloud_id}/rest/api/3/myself"));
    let me: Myself = get_json(http, &url, access).await?;
    Ok(Account {
        account_id: me.account_id,
        display_name: me.display_name,
    })
}

/// The API base the Jira client uses for an OAuth profile: `{api_url}/ex/jira/{cloudId}`.
pub fn jira_api_base(api_url: &Url, cloud_id: &str) -> Result<Url, String> {
    Url::parse(&join(api_url, &format!("ex/jira/{cloud_id}")))
        .map_err(|e| format!("bad API base for site `{cloud_id}`: {e}"))
}

fn join(base: &Url, path: &str) -> String {
    format!("{}/{path}", base.as_str().trim_end_matches('/'))
}

async fn get_json<T: serde::de::DeserializeOwned>(
    http: &reqwest::Client,
    url: &str,
    access: &SecretString,
) -> Result<T, GatewayError> {
    let resp = http
        .get(url)
        .bearer_auth(access.expose_secret())
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| GatewayError::Other(format!("cannot reach {url}: {}", e.without_url())))?;
    let status = resp.status();
    if status == reqwest::StatusCode::UNAUTHORIZED {
        return Err(GatewayError::Unauthorized);
    }
    if !status.is_success() {
        return Err(GatewayError::Other(format!("{url} answered {status}")));
    }
    resp.json::<T>().await.map_err(|e| {
        GatewayError::Other(format!(
            "{url} sent an unexpected body: {}",
            e.without_url()
        ))
    })
}

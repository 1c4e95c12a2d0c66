//! Worklogs: `/issue/{key}/worklog`, paged on Cloud (5,000 a page), one page on Data Center; and
//! the one `started` format Jira accepts.

use reqwest::Method;
use serde_json::Value;

use super::client::JiraClient;
use super::http::Call;
use super::JiraError;

/// Jira Cloud's largest worklog page.
const PAGE: u32 = 5000;

impl JiraClient {
    /// Every worklog of an issue, oldest first, and the issue's total.
    pub async fn worklogs(&self, key: &str) -> Result<(Vec<Value>, u64), JiraError> {
        let mut all = Vec::new();
        loop {
            let q = [
                ("startAt", all.len().to_string()),
                ("maxResults", PAGE.to_string()),
            ];
            let page = self
                .get(&["issue", key, "worklog"], &q, "issue/{key}/worklog")
                .await?;
            let got = page["worklogs"].as_array().cloned().unwrap_or_default();
            let total = page["total"].as_u64().unwrap_or(0);
            let empty = got.is_empty();
            all.extend(got);
            // Data Center answers everything at once (at most the oldest 5,000).
            if empty || all.len() as u64 >= total || page["maxResults"].as_u64() == Some(total) {
                return Ok((all, total));
            }
        }
    }

    /// `POST issue/{key}/worklog` with `query` (`adjustEstimate`, `newEstimate`, `reduceBy`).
    pub async fn add_worklog(
        &self,
        key: &str,
        body: Value,
        query: &[(&str, String)],
    ) -> Result<Value, JiraError> {
        let call = Call::new(
            Method::POST,
            self.url(&["issue", key, "worklog"], query)?,
            "issue/{key}/worklog",
        )
        .issue(key)
        .body(body);
        self.send(call).await
    }

    /// `PUT issue/{key}/worklog/{id}`.
    pub async fn update_worklog(
        &self,
        key: &str,
        id: &str,
        body: Value,
        query: &[(&str, String)],
    ) -> Result<Value, JiraError> {
        let call = Call::new(
            Method::PUT,
            self.url(&["issue", key, "worklog", id], query)?,
            "issue/{key}/worklog/{id}",
        )
        .issue(key)
        .body(body);
        self.send(call).await
    }

    /// `DELETE issue/{key}/worklog/{id}`.
    pub async fn delete_worklog(
        &self,
        key: &str,
        id: &str,
        query: &[(&str, String)],
    ) -> Result<(), JiraError> {
        let call = Call::new(
            Method::DELETE,
            self.url(&["issue", key, "worklog", id], query)?,
            "issue/{key}/worklog/{id}",
        )
        .issue(key);
        self.send(call).await.map(drop)
    }
}

/// An RFC 3339 time (`2026-12-07T09:30:00+01:00`, `…Z`, seconds and fractions optional) in the
/// only form Jira's worklogs take: `2026-12-07T09:30:00.000+0100`.
pub fn jira_started(s: &str) -> Result<String, JiraError> {
    let bad = || {
        JiraError::invalid_field(
            "started",
            format!("'{s}' is not a time like 2026-12-07T09:30:00+01:00"),
        )
    };
    let (date, rest) = s.split_once(['T', 't', ' ']).ok_or_else(bad)?;
    let digits = |t: &str, n: usize| t.len() == n && t.bytes().all(|b| b.is_ascii_digit());
    let d: Vec<&str> = date.split('-').collect();
    if !(d.len() == 3 && digits(d[0], 4) && digits(d[1], 2) && digits(d[2], 2)) {
        return Err(bad());
    }
    let split = rest.find(['Z', 'z', '+', '-']).ok_or_else(bad)?;
    let (time, zone) = rest.split_at(split);
    let (hms, fraction) = time.split_once('.').unwrap_or((time, ""));
    let t: Vec<&str> = hms.split(':').collect();
    let (h, m, sec) = match t.as_slice() {
        [h, m] => (*h, *m, "00"),
        [h, m, sec] => (*h, *m, *sec),
        _ => return Err(bad()),
    };
    let clock = digits(h, 2) && digits(m, 2) && digits(sec, 2);
    if !(clock && fraction.bytes().all(|b| b.is_ascii_digit())) {
        return Err(bad());
    }
    let millis: String = fraction.chars().chain("000".chars()).take(3).collect();
    let offset = match zone {
        "Z" | "z" => "+0000".to_owned(),
        z if z.len() == 6
            && z.as_bytes()[3] == b':'
            && digits(&z[1..3], 2)
            && digits(&z[4..], 2) =>
        {
            format!("{}{}{}", &z[..1], &z[1..3], &z[4..])
        }
        z if z.len() == 5 && digits(&z[1..], 4) => z.to_owned(),
        _ => return Err(bad()),
    };
    Ok(format!("{date}T{h}:{m}:{sec}.{millis}{offset}"))
}

#[cfg(test)]
mod tests {
    use super::jira_started;

    #[test]
    fn rfc3339_times_become_jiras_worklog_format() {
        for (given, jira) in [
            ("2026-12-07T09:30:00+01:00", "2026-12-07T09:30:00.000+0100"),
            ("2026-12-07T09:30Z", "2026-12-07T09:30:00.000+0000"),
            ("2026-12-07 09:30:15.5-0230", "2026-12-07T09:30:15.500-0230"),
            (
                "2026-12-07T09:30:15.123456+00:00",
                "2026-12-07T09:30:15.123+0000",
            ),
        ] {
            assert_eq!(jira_started(given).ok().as_deref(), Some(jira), "{given}");
        }
        for bad in [
            "2026-12-07",
            "yesterday",
            "2026-12-07T9:30Z",
            "2026-12-07T09:30+1",
        ] {
            assert!(jira_started(bad).is_err(), "{bad}");
        }
    }
}

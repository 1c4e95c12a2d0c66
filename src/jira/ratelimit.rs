//! Rate-limit state shared by every caller of one site: pauses per site, endpoint and issue, set from
//! `RateLimit-Reason`, plus the parsing of `Retry-After` / `X-RateLimit-Reset` and the backoff delay.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

/// What a 429 paused, from `RateLimit-Reason`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// `jira-quota-*` (and legacy `jira-cost-based`/`jira-quota-based`): the whole site.
    Site,
    /// `jira-burst-based`: one method + path template.
    Endpoint,
    /// `jira-per-issue-on-write`: writes to one issue.
    IssueWrites,
    /// No or unknown reason: only the call that got it waits.
    Call,
}

pub fn scope_of(reason: &str) -> Scope {
    match reason {
        "jira-burst-based" => Scope::Endpoint,
        "jira-per-issue-on-write" => Scope::IssueWrites,
        r if r.starts_with("jira-quota") || r == "jira-cost-based" => Scope::Site,
        _ => Scope::Call,
    }
}

#[derive(Default)]
struct State {
    site: Option<(Instant, String)>,
    endpoints: HashMap<String, (Instant, String)>,
    issues: HashMap<String, (Instant, String)>,
}

/// Pauses in force for one site. Cheap to consult; entries expire by time.
#[derive(Default)]
pub struct Pauses(Mutex<State>);

impl Pauses {
    /// Records a pause until `until` for what `reason` names.
    pub fn pause(&self, reason: &str, endpoint: &str, issue: Option<&str>, until: Instant) {
        let Ok(mut s) = self.0.lock() else { return };
        let entry = (until, reason.to_string());
        let later = |old: Option<&(Instant, String)>| old.is_none_or(|o| o.0 < until);
        match scope_of(reason) {
            Scope::Site if later(s.site.as_ref()) => s.site = Some(entry),
            Scope::Endpoint if later(s.endpoints.get(endpoint)) => {
                s.endpoints.insert(endpoint.to_string(), entry);
            }
            Scope::IssueWrites => {
                if let Some(k) = issue.map(str::to_ascii_uppercase) {
                    if later(s.issues.get(&k)) {
                        s.issues.insert(k, entry);
                    }
                }
            }
            _ => {}
        }
    }

    /// The longest pause that applies to a call now, with its reason.
    pub fn pending(&self, endpoint: &str, write_to: Option<&str>) -> Option<(Duration, String)> {
        let now = Instant::now();
        let Ok(mut s) = self.0.lock() else {
            return None;
        };
        s.endpoints.retain(|_, p| p.0 > now);
        s.issues.retain(|_, p| p.0 > now);
        if s.site.as_ref().is_some_and(|p| p.0 <= now) {
            s.site = None;
        }
        let issue = write_to.map(str::to_ascii_uppercase);
        [
            s.site.as_ref(),
            s.endpoints.get(endpoint),
            issue.and_then(|k| s.issues.get(&k)),
        ]
        .into_iter()
        .flatten()
        .max_by_key(|p| p.0)
        .map(|(until, reason)| (until.saturating_duration_since(now), reason.clone()))
    }
}

/// `Retry-After`: integer seconds or an HTTP-date.
pub fn retry_after(value: &str) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0)
            .then(|| Duration::from_secs_f64(secs.min(86_400.0)));
    }
    let at = httpdate::parse_http_date(v).ok()?;
    Some(at.duration_since(SystemTime::now()).unwrap_or_default())
}

/// `X-RateLimit-Reset`: ISO-8601 `yyyy-MM-ddTHH:mm[:ss[.fff]]Z` → time left until then.
pub fn reset_in(value: &str) -> Option<Duration> {
    let v = value.trim().strip_suffix('Z')?;
    let (date, time) = v.split_once('T')?;
    let mut d = date.split('-').map(|x| x.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let mut t = time.split(':');
    let h: i64 = t.next()?.parse().ok()?;
    let min: i64 = t.next()?.parse().ok()?;
    let sec: f64 = t.next().map_or(Some(0.0), |s| s.parse().ok())?;
    let secs = days_from_civil(y, m, day) * 86_400 + h * 3600 + min * 60;
    let at = SystemTime::UNIX_EPOCH
        + Duration::from_secs(u64::try_from(secs).ok()?)
        + Duration::from_secs_f64(sec.max(0.0));
    Some(at.duration_since(SystemTime::now()).unwrap_or_default())
}

/// Days since 1970-01-01 (Howard Hinnant's days_from_civil).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Exponential backoff for try `n` (1-based): `base·2^(n-1)` capped at `max`, times jitter in [0.7, 1.3].
pub fn backoff(base: Duration, max: Duration, n: u32) -> Duration {
    let exp = base
        .saturating_mul(1u32 << n.saturating_sub(1).min(16))
        .min(max);
    exp.mul_f64(rand::random_range(0.7..=1.3))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_headers() {
        assert_eq!(retry_after("7"), Some(Duration::from_secs(7)));
        let later = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(120));
        let d = retry_after(&later).unwrap();
        assert!(
            d > Duration::from_secs(100) && d <= Duration::from_secs(120),
            "{d:?}"
        );
        assert_eq!(
            retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after("soon"), None);
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2026, 3, 26), 20538);
        assert_eq!(reset_in("2020-01-01T00:00Z"), Some(Duration::ZERO));
        assert!(reset_in("2999-01-01T00:00Z").unwrap() > Duration::from_secs(1 << 30));
        assert_eq!(reset_in("garbage"), None);
    }

    #[test]
    fn backoff_doubles_to_the_cap_with_jitter() {
        let (b, m) = (Duration::from_secs(5), Duration::from_secs(30));
        for (n, nominal) in [(1, 5.0), (2, 10.0), (3, 20.0), (4, 30.0), (9, 30.0)] {
            let d = backoff(b, m, n).as_secs_f64();
            assert!(
                d >= nominal * 0.7 - 1e-9 && d <= nominal * 1.3 + 1e-9,
                "try {n}: {d}"
            );
        }
    }

    #[test]
    fn pauses_apply_to_their_scope() {
        let p = Pauses::default();
        let soon = Instant::now() + Duration::from_secs(60);
        p.pause("jira-burst-based", "GET issue/{key}", None, soon);
        assert!(p.pending("GET issue/{key}", None).is_some());
        assert!(p.pending("GET search", None).is_none());
        p.pause(
            "jira-per-issue-on-write",
            "PUT issue/{key}",
            Some("a-1"),
            soon,
        );
        assert!(p.pending("PUT issue/{key}", Some("A-1")).is_some());
        assert!(p.pending("PUT issue/{key}", Some("A-2")).is_none());
        p.pause("jira-quota-tenant-based", "x", None, soon);
        assert_eq!(
            p.pending("GET myself", None).unwrap().1,
            "jira-quota-tenant-based"
        );
        p.pause("jira-quota-global-based", "x", None, Instant::now());
        assert!(
            p.pending("GET myself", None).is_some(),
            "an earlier pause never shortens a later one"
        );
    }
}

//! The prepared-reply fast path: an `issues/get` answered from the issue's JSON as the cache keeps
//! it (`service::issues::prepared`), with this reply's `cache` member written after it, so the
//! issue's text is neither parsed nor copied. The output is exactly what serde writes for the same
//! `IssuesGetResult`; the tests hold the two equal.

use crate::rpc::PreparedJson;
use jirad_protocol::issues::CacheInfo;
use std::sync::Arc;

/// The `IssuesGetResult` of an issue whose JSON (an object, as serde writes an `Issue`) was
/// prepared earlier; `None` if `issue_json` is not an object.
pub fn issue_get(issue_json: Arc<str>, cache: &CacheInfo) -> Option<PreparedJson> {
    let object = issue_json.trim_ascii();
    let start = issue_json.len() - issue_json.trim_ascii_start().len();
    let members = object.strip_prefix('{')?.strip_suffix('}')?;
    let mut rest = String::with_capacity(64);
    if !members.trim_ascii_start().is_empty() {
        rest.push(',');
    }
    rest.push_str("\"cache\":");
    write_cache_info(cache, &mut rest);
    rest.push('}');
    // Everything but the closing brace, then this reply's members and its own.
    let end = start + object.len() - 1;
    Some(PreparedJson::spliced(issue_json, start..end, rest))
}

/// Appends `cache`'s JSON exactly as serde writes it.
fn write_cache_info(cache: &CacheInfo, out: &mut String) {
    out.push_str(if cache.hit {
        r#"{"hit":true,"ageMs":"#
    } else {
        r#"{"hit":false,"ageMs":"#
    });
    out.push_str(itoa::Buffer::new().format(cache.age_ms));
    out.push_str(if cache.stale {
        r#","stale":true}"#
    } else {
        r#","stale":false}"#
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use jirad_protocol::issues::{Issue, IssuesGetResult};

    fn text(p: &PreparedJson) -> String {
        p.parts().concat()
    }

    #[test]
    fn a_result_built_from_issue_json_is_the_serialized_result() {
        let issue: Issue = serde_json::from_value(serde_json::json!({
            "key": "DEMO-1", "id": "10001", "url": "https://x/browse/DEMO-1",
            "summary": "a \"quoted\" } brace", "labels": ["a"], "fields": {"customfield_1": {"v": [1]}}
        }))
        .unwrap();
        let cache = CacheInfo {
            hit: true,
            age_ms: 12,
            stale: false,
        };
        let typed = serde_json::to_string(&IssuesGetResult {
            issue: issue.clone(),
            cache,
            expanded: None,
        })
        .unwrap();
        let joined = |issue_json: &str| issue_get(issue_json.into(), &cache).map(|p| text(&p));
        let issue_json = serde_json::to_string(&issue).unwrap();
        assert_eq!(joined(&issue_json).unwrap(), typed);
        assert_eq!(joined(&format!(" {issue_json}\n")).unwrap(), typed);
        assert_eq!(
            joined("{}").unwrap(),
            r#"{"cache":{"hit":true,"ageMs":12,"stale":false}}"#
        );
        assert!(joined("[1]").is_none());
        assert!(joined("{").is_none());
        for (hit, age_ms, stale) in [(false, 0, true), (true, u64::MAX, true), (false, 7, false)] {
            let cache = CacheInfo { hit, age_ms, stale };
            let mut out = String::new();
            write_cache_info(&cache, &mut out);
            assert_eq!(out, serde_json::to_string(&cache).unwrap());
        }
    }
}

//! JQL from list filters: every value is a quoted, escaped literal, so no value can change the query's structure.

use super::JiraError;

/// Added when no filter restricts the query. Jira Cloud refuses unbounded JQL ("Unbounded JQL queries are not
/// allowed here"); a date restriction counts as a bound (observed: `created <= "<date>"` is accepted) and
/// every issue was created after 1970, so this still lists everything the user can see.
pub const EVERYTHING: &str = r#"created >= "1970-01-01""#;

/// Default order: newest first, `key` as a tie-breaker so pages are stable.
pub const DEFAULT_ORDER: &str = "ORDER BY created DESC, key DESC";

/// The filters of `issues/list`; every field is optional.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub jql: Option<String>,
    pub project: Vec<String>,
    /// `"me"` (current user), `"none"` (unassigned), an accountId (Cloud) or a username (DC).
    pub assignee: Option<String>,
    pub status: Vec<String>,
    pub text: Option<String>,
    pub labels: Vec<String>,
    /// `"updated DESC, key"` or `"-updated"`: fields with optional direction.
    pub order_by: Option<String>,
}

/// A JQL string literal: `"…"` with `\`, `"` and control characters escaped.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn in_clause(field: &str, values: &[String]) -> String {
    match values {
        [one] => format!("{field} = {}", quote(one)),
        many => format!(
            "{field} in ({})",
            many.iter().map(|v| quote(v)).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// Builds the JQL of a list request. Fails only on a malformed `orderBy`.
pub fn build(f: &Filters) -> Result<String, JiraError> {
    let mut clauses = Vec::new();
    let mut order = None;
    if let Some(jql) = f.jql.as_deref().map(str::trim).filter(|j| !j.is_empty()) {
        let (cond, ord) = split_order_by(jql);
        if !cond.trim().is_empty() {
            clauses.push(format!("({})", cond.trim()));
        }
        order = ord.map(str::to_string);
    }
    let nonempty = |v: &[String]| {
        v.iter()
            .filter(|s| !s.is_empty())
            .cloned()
            .collect::<Vec<_>>()
    };
    let project = nonempty(&f.project);
    if !project.is_empty() {
        clauses.push(in_clause("project", &project));
    }
    match f.assignee.as_deref() {
        Some("me") => clauses.push("assignee = currentUser()".into()),
        Some("none") => clauses.push("assignee IS EMPTY".into()),
        Some(a) if !a.is_empty() => clauses.push(format!("assignee = {}", quote(a))),
        _ => {}
    }
    let status = nonempty(&f.status);
    if !status.is_empty() {
        clauses.push(in_clause("status", &status));
    }
    if let Some(t) = f.text.as_deref().filter(|t| !t.is_empty()) {
        clauses.push(format!("text ~ {}", quote(t)));
    }
    let labels = nonempty(&f.labels);
    if !labels.is_empty() {
        clauses.push(in_clause("labels", &labels));
    }
    if clauses.is_empty() {
        clauses.push(EVERYTHING.into());
    }
    let order = match &f.order_by {
        Some(o) => order_by(o)?,
        None => order.unwrap_or_else(|| DEFAULT_ORDER.into()),
    };
    Ok(format!("{} {order}", clauses.join(" AND ")))
}

/// `ORDER BY` from `"updated DESC, key"` / `"-updated"`; field names that aren't plain identifiers are quoted.
pub fn order_by(spec: &str) -> Result<String, JiraError> {
    let mut parts = Vec::new();
    for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (item, desc) = match item.strip_prefix('-') {
            Some(rest) => (rest.trim(), true),
            None => (item.strip_prefix('+').unwrap_or(item).trim(), false),
        };
        let mut words = item.rsplitn(2, char::is_whitespace);
        let last = words.next().unwrap_or_default();
        let (field, dir) = match (last.to_ascii_uppercase().as_str(), words.next()) {
            ("ASC" | "DESC", Some(field)) => (field.trim(), last.to_ascii_uppercase()),
            _ => (item, if desc { "DESC".into() } else { "ASC".into() }),
        };
        if field.is_empty() {
            return Err(JiraError::invalid_field(
                "orderBy",
                format!("no field in '{spec}'"),
            ));
        }
        let plain = field
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
            || (field.starts_with("cf[")
                && field.ends_with(']')
                && field[3..field.len() - 1]
                    .chars()
                    .all(|c| c.is_ascii_digit()));
        let field = if plain {
            field.to_string()
        } else {
            quote(field)
        };
        parts.push(format!("{field} {dir}"));
    }
    if parts.is_empty() || parts.len() > 7 {
        return Err(JiraError::invalid_field(
            "orderBy",
            "give 1 to 7 fields, e.g. \"updated DESC, key\"",
        ));
    }
    Ok(format!("ORDER BY {}", parts.join(", ")))
}

/// Splits `cond ORDER BY …` at an `ORDER BY` outside string literals.
pub fn split_order_by(jql: &str) -> (&str, Option<&str>) {
    let bytes = jql.as_bytes();
    let (mut quote_char, mut i) = (None::<u8>, 0);
    while i < bytes.len() {
        let b = bytes[i];
        match quote_char {
            Some(_) if b == b'\\' => i += 1,
            Some(q) if b == q => quote_char = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote_char = Some(b),
            None => {
                let boundary = i == 0 || bytes[i - 1].is_ascii_whitespace() || bytes[i - 1] == b')';
                if boundary
                    && jql.len() >= i + 8
                    && jql.is_char_boundary(i + 8)
                    && jql[i..i + 8].eq_ignore_ascii_case("order by")
                {
                    return (&jql[..i], Some(&jql[i..]));
                }
            }
        }
        i += 1;
    }
    (jql, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn no_filter_is_bounded_and_lists_everything() {
        assert_eq!(
            build(&Filters::default()).unwrap(),
            format!("{EVERYTHING} {DEFAULT_ORDER}")
        );
    }

    #[test]
    fn values_stay_values() {
        let f = Filters {
            project: vec!["A\" OR project = B".into()],
            assignee: Some("me".into()),
            status: vec!["In Progress".into(), "x) OR (1=1".into()],
            text: Some("back\\slash \"q\"".into()),
            labels: vec!["l".into()],
            ..Default::default()
        };
        assert_eq!(
            build(&f).unwrap(),
            r#"project = "A\" OR project = B" AND assignee = currentUser() AND status in ("In Progress", "x) OR (1=1") AND text ~ "back\\slash \"q\"" AND labels = "l" ORDER BY created DESC, key DESC"#
        );
    }

    #[test]
    fn free_jql_keeps_its_order_and_is_parenthesised() {
        let f = Filters {
            jql: Some("a = 1 OR b = \"order by x\" order by updated".into()),
            project: vec!["P".into()],
            ..Default::default()
        };
        assert_eq!(
            build(&f).unwrap(),
            r#"(a = 1 OR b = "order by x") AND project = "P" order by updated"#
        );
        let f = Filters {
            jql: Some("ORDER BY key".into()),
            ..Default::default()
        };
        assert_eq!(build(&f).unwrap(), format!("{EVERYTHING} ORDER BY key"));
    }

    #[test]
    fn order_by_forms() {
        assert_eq!(
            order_by("-updated, key").unwrap(),
            "ORDER BY updated DESC, key ASC"
        );
        assert_eq!(
            order_by("cf[10010] desc").unwrap(),
            "ORDER BY cf[10010] DESC"
        );
        assert_eq!(
            order_by("Story Points").unwrap(),
            r#"ORDER BY "Story Points" ASC"#
        );
        assert!(order_by(" , ").is_err());
    }

    /// Reads one JQL string literal starting at `s[0] == '"'`; returns (value, rest).
    fn parse_literal(s: &str) -> Option<(String, &str)> {
        let mut chars = s.strip_prefix('"')?.char_indices();
        let mut out = String::new();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => return Some((out, &s[i + 2..])),
                '\\' => match chars.next()?.1 {
                    'n' => out.push('\n'),
                    'r' => out.push('\r'),
                    't' => out.push('\t'),
                    'u' => {
                        let hex: String =
                            (0..4).filter_map(|_| chars.next().map(|x| x.1)).collect();
                        out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                    }
                    c => out.push(c),
                },
                c => out.push(c),
            }
        }
        None
    }

    proptest! {
        #[test]
        fn any_value_is_one_literal(v in any::<String>().prop_filter("non-empty", |s| !s.is_empty())) {
            let f = Filters { text: Some(v.clone()), ..Default::default() };
            let jql = build(&f).unwrap();
            let rest = jql.strip_prefix("text ~ ").unwrap();
            let (value, tail) = parse_literal(rest).unwrap();
            prop_assert_eq!(&value, &v);
            prop_assert_eq!(tail, format!(" {DEFAULT_ORDER}"));
        }

        #[test]
        fn any_free_jql_or_order_never_panics(j in "\\PC{0,40}", o in "\\PC{0,20}") {
            let f = Filters { jql: Some(j), order_by: Some(o), ..Default::default() };
            let _ = build(&f);
        }
    }
}

//! JQL evaluation against the store: clause matching and ORDER BY comparison.

use std::cmp::Ordering;

use super::{Expr, Predicate, Val};
use crate::store::{Inner, Issue};

pub(super) fn rel_or_abs(s: &str, now: i64) -> Option<i64> {
    let t = s.trim();
    let (sign, rest) = match t.as_bytes().first() {
        Some(b'-') => (-1, &t[1..]),
        Some(b'+') => (1, &t[1..]),
        _ => (0, t),
    };
    if sign != 0 || rest.ends_with(['d', 'w', 'h', 'm']) && !rest.contains(['-', '/']) {
        let (idx, unit) = rest.char_indices().last()?;
        let n: i64 = rest[..idx].parse().ok()?;
        let ms = match unit {
            'm' => 60_000,
            'h' => 3_600_000,
            'd' => 86_400_000,
            'w' => 7 * 86_400_000,
            _ => return None,
        };
        return Some(now + if sign == 0 { 1 } else { sign } * n * ms);
    }
    crate::util::parse_date(t)
}

fn user_matches(v: &Val, acct: Option<&str>, me: &str, inner: &Inner) -> bool {
    match (v, acct) {
        (Val::Empty, a) => a.is_none(),
        (Val::CurrentUser, Some(a)) => a == me,
        (Val::Str(s), Some(a)) => a == s || inner.user_any(s).is_some_and(|u| u.account_id == a),
        _ => false,
    }
}

/// Evaluates a filter on an issue. `me` is the caller's accountId.
pub fn matches(e: &Expr, i: &Issue, inner: &Inner, me: &str, now: i64) -> bool {
    match e {
        Expr::Or(v) => v.iter().any(|x| matches(x, i, inner, me, now)),
        Expr::And(v) => v.iter().all(|x| matches(x, i, inner, me, now)),
        Expr::Not(x) => !matches(x, i, inner, me, now),
        Expr::History(f, op, vals, preds, _) => history(f, op, vals, preds, i, inner, me, now),
        Expr::Clause(f, op, vals, _) => {
            let neg = op.starts_with('!') || op.contains("not");
            let any = |pred: &dyn Fn(&Val) -> bool| vals.iter().any(pred);
            let hit = match f.as_str() {
                "project" => any(
                    &|v| matches!(v, Val::Str(s) if inner.project(s).is_some_and(|p| p.key == i.project)),
                ),
                "key" | "issuekey" | "id" => {
                    any(&|v| matches!(v, Val::Str(s) if inner.find(s) == Some(i.id)))
                }
                "parent" => any(
                    &|v| matches!(v, Val::Str(s) if i.parent.is_some() && inner.find(s) == i.parent),
                ),
                "assignee" => any(&|v| user_matches(v, i.assignee.as_deref(), me, inner)),
                "reporter" => any(&|v| user_matches(v, i.reporter.as_deref(), me, inner)),
                "creator" => any(&|v| user_matches(v, Some(&i.creator), me, inner)),
                "status" => any(
                    &|v| matches!(v, Val::Str(s) if crate::model::STATUSES.iter().any(|st| st.0 == i.status && (st.1.eq_ignore_ascii_case(s) || st.0 == s))),
                ),
                "type" | "issuetype" => any(&|v| match v {
                    Val::Str(s) => crate::model::ISSUE_TYPES
                        .iter()
                        .any(|t| t.0 == i.issuetype && (t.1.eq_ignore_ascii_case(s) || t.0 == s)),
                    Val::Func(f) => {
                        let sub = i.issuetype == "10003";
                        (f == "subtaskissuetypes") == sub
                            && (f == "subtaskissuetypes" || f == "standardissuetypes")
                    }
                    _ => false,
                }),
                "priority" => any(
                    &|v| matches!(v, Val::Str(s) if crate::model::PRIORITIES.iter().any(|p| p.0 == i.priority && (p.1.eq_ignore_ascii_case(s) || p.0 == s))),
                ),
                "resolution" => any(&|v| match v {
                    Val::Empty => i.resolved.is_none(),
                    Val::Str(_) => i.resolved.is_some(),
                    _ => false,
                }),
                "sprint" => {
                    let ids = inner.sprints_of(i);
                    let sprints: Vec<&crate::store::Sprint> =
                        ids.iter().filter_map(|id| inner.sprint(*id)).collect();
                    any(&|v| match v {
                        Val::Empty => ids.is_empty(),
                        Val::Str(s) => sprints
                            .iter()
                            .any(|sp| sp.id.to_string() == *s || sp.name.eq_ignore_ascii_case(s)),
                        Val::Func(f) => {
                            let state = match f.as_str() {
                                "opensprints" => "active",
                                "futuresprints" => "future",
                                _ => "closed",
                            };
                            sprints.iter().any(|sp| sp.state == state)
                        }
                        Val::CurrentUser => false,
                    })
                }
                "labels" => any(&|v| match v {
                    Val::Empty => i.labels.is_empty(),
                    Val::Str(s) => i.labels.iter().any(|l| l.eq_ignore_ascii_case(s)),
                    _ => false,
                }),
                "summary" | "description" | "comment" | "text" => {
                    let hay = match f.as_str() {
                        "summary" => i.summary.clone(),
                        "description" => i
                            .description
                            .as_ref()
                            .map(crate::adf::to_text)
                            .unwrap_or_default(),
                        "comment" => i
                            .comments
                            .iter()
                            .map(|c| crate::adf::to_text(&c.body))
                            .collect::<Vec<_>>()
                            .join(" "),
                        _ => format!(
                            "{} {} {}",
                            i.summary,
                            i.description
                                .as_ref()
                                .map(crate::adf::to_text)
                                .unwrap_or_default(),
                            i.comments
                                .iter()
                                .map(|c| crate::adf::to_text(&c.body))
                                .collect::<Vec<_>>()
                                .join(" ")
                        ),
                    }
                    .to_lowercase();
                    any(&|v| match v {
                        Val::Str(s) => {
                            let words: Vec<String> = s
                                .to_lowercase()
                                .split_whitespace()
                                .map(|w| w.trim_matches('*').to_string())
                                .collect();
                            !words.is_empty() && words.iter().all(|w| hay.contains(w.as_str()))
                        }
                        Val::Empty => hay.is_empty(),
                        _ => false,
                    })
                }
                "updated" | "created" => {
                    let t = if f == "updated" { i.updated } else { i.created };
                    return vals.iter().any(|v| match v {
                        Val::Str(s) => match rel_or_abs(s, now) {
                            Some(x) => match op.as_str() {
                                ">=" => t >= x,
                                ">" => t > x,
                                "<=" => t <= x,
                                "<" => t < x,
                                "=" => t == x,
                                _ => t != x,
                            },
                            None => false,
                        },
                        _ => false,
                    });
                }
                _ => false,
            };
            hit != neg
        }
    }
}

/// Whether the raw value (an id; an accountId for users) of a history field is `v`.
fn raw_is(f: &str, v: &Val, raw: Option<&str>, me: &str, inner: &Inner) -> bool {
    let named = |table: Vec<(&str, &str)>, s: &str| {
        raw.is_some_and(|r| {
            table
                .iter()
                .any(|(id, name)| *id == r && (name.eq_ignore_ascii_case(s) || *id == s))
        })
    };
    match (f, v) {
        ("assignee", _) => user_matches(v, raw, me, inner),
        (_, Val::Empty) => raw.is_none(),
        ("status", Val::Str(s)) => named(
            crate::model::STATUSES.iter().map(|t| (t.0, t.1)).collect(),
            s,
        ),
        ("priority", Val::Str(s)) => named(
            crate::model::PRIORITIES
                .iter()
                .map(|t| (t.0, t.1))
                .collect(),
            s,
        ),
        _ => false,
    }
}

const DAY: i64 = 86_400_000;

/// `WAS` and `CHANGED` against the issue's changelog. A value holds from the change that set it
/// (or creation, by the creator) until the next change of the field; `WAS` asks whether one
/// such period matches the value and the predicates, `CHANGED` whether one change does.
#[allow(clippy::too_many_arguments)]
fn history(
    f: &str,
    op: &str,
    vals: &[Val],
    preds: &[Predicate],
    i: &Issue,
    inner: &Inner,
    me: &str,
    now: i64,
) -> bool {
    let changes: Vec<(i64, &str, Option<&str>, Option<&str>)> = i
        .history
        .iter()
        .flat_map(|h| {
            h.items.iter().filter(|c| c.field_id == f).map(move |c| {
                (
                    h.created,
                    h.author.as_str(),
                    c.from.as_deref(),
                    c.to.as_deref(),
                )
            })
        })
        .collect();
    let date = |p: &Predicate, k: usize| match p.vals.get(k) {
        Some(Val::Str(s)) => rel_or_abs(s, now),
        _ => None,
    };
    // Whether the span [start, end) by `who` meets the time and author predicates.
    let meets = |start: i64, end: i64, who: &str| {
        preds.iter().all(|p| match p.name.as_str() {
            "by" => p.vals.iter().any(|v| user_matches(v, Some(who), me, inner)),
            "after" => date(p, 0).is_some_and(|t| end > t),
            "before" => date(p, 0).is_some_and(|t| start < t),
            "on" => date(p, 0).is_some_and(|t| start < t + DAY && end > t),
            "during" => match (date(p, 0), date(p, 1)) {
                (Some(a), Some(b)) => start <= b && end >= a,
                _ => false,
            },
            _ => true,
        })
    };
    if op == "changed" {
        return changes.iter().any(|(at, who, from, to)| {
            let value = |name: &str, raw: Option<&str>| {
                preds
                    .iter()
                    .filter(|p| p.name == name)
                    .all(|p| p.vals.iter().any(|v| raw_is(f, v, raw, me, inner)))
            };
            value("from", *from) && value("to", *to) && meets(*at, *at + 1, who)
        });
    }
    let current = match f {
        "status" => Some(i.status.as_str()),
        "priority" => Some(i.priority.as_str()),
        _ => i.assignee.as_deref(),
    };
    // The periods: (value, start, end, who set it).
    let mut periods = Vec::new();
    let mut start = (i.created, i.creator.as_str());
    let mut value = changes.first().map_or(current, |c| c.2);
    for (at, who, _, to) in &changes {
        periods.push((value, start.0, *at, start.1));
        value = *to;
        start = (*at, *who);
    }
    periods.push((value, start.0, i64::MAX, start.1));
    let was = periods.iter().any(|(v, s, e, who)| {
        vals.iter().any(|x| raw_is(f, x, *v, me, inner)) && meets(*s, *e, who)
    });
    was != op.contains("not")
}

/// Compares two issues by the ORDER BY keys, then by id descending... ties broken by id.
pub fn compare(a: &Issue, b: &Issue, order: &[(String, bool)], inner: &Inner) -> Ordering {
    for (f, desc) in order {
        let o = match f.as_str() {
            "key" | "issuekey" => a
                .project
                .cmp(&b.project)
                .then(key_num(&a.key).cmp(&key_num(&b.key))),
            "id" => a.id.cmp(&b.id),
            "rank" => inner.rank_of(a).cmp(inner.rank_of(b)),
            "created" => a.created.cmp(&b.created),
            "updated" => a.updated.cmp(&b.updated),
            "priority" => b.priority.cmp(&a.priority),
            "status" => a.status.cmp(&b.status),
            "summary" => a.summary.to_lowercase().cmp(&b.summary.to_lowercase()),
            "assignee" | "reporter" => {
                let n = |x: &Option<String>| {
                    x.as_deref()
                        .and_then(|u| inner.user(u))
                        .map(|u| u.display_name.clone())
                };
                let (x, y) = if f == "assignee" {
                    (n(&a.assignee), n(&b.assignee))
                } else {
                    (n(&a.reporter), n(&b.reporter))
                };
                x.cmp(&y)
            }
            "project" => a.project.cmp(&b.project),
            "type" | "issuetype" => a.issuetype.cmp(&b.issuetype),
            "duedate" => a.duedate.cmp(&b.duedate),
            "resolutiondate" => a.resolved.cmp(&b.resolved),
            _ => Ordering::Equal,
        };
        let o = if *desc { o.reverse() } else { o };
        if o != Ordering::Equal {
            return o;
        }
    }
    if order.is_empty() {
        b.id.cmp(&a.id)
    } else {
        a.id.cmp(&b.id)
    }
}

fn key_num(k: &str) -> u64 {
    k.rsplit('-')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

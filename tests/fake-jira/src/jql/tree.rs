//! The syntax tree `POST /jql/parse` returns for a valid query, as Jira models it (`JqlQuery`):
//! compound clauses `{operator, clauses}`, field-value clauses `{field, operator, operand}` with
//! value, list, function and keyword operands, and `orderBy`. Names and values carry the
//! `encoded…` form a query can use as is.

use serde_json::{json, Map, Value};

use super::{Expr, Predicate, Query, Val, Written};

/// `JqlQuery`: `where` when the query has a filter, `orderBy` when it sorts.
pub fn structure(q: &Query) -> Value {
    let mut out = Map::new();
    if let Some(f) = &q.filter {
        out.insert("where".into(), clause(f));
    }
    if !q.sort.is_empty() {
        let fields: Vec<Value> = q
            .sort
            .iter()
            .map(|(name, direction)| {
                let mut e = json!({ "field": field(name) });
                if let Some(d) = direction {
                    e["direction"] = json!(d);
                }
                e
            })
            .collect();
        out.insert("orderBy".into(), json!({ "fields": fields }));
    }
    Value::Object(out)
}

fn clause(e: &Expr) -> Value {
    let compound = |op: &str, v: Vec<Value>| json!({ "operator": op, "clauses": v });
    match e {
        Expr::Or(v) => compound("or", v.iter().map(clause).collect()),
        Expr::And(v) => compound("and", v.iter().map(clause).collect()),
        Expr::Not(x) => compound("not", vec![clause(x)]),
        Expr::Clause(_, op, vals, Written { field: name, list }) => {
            json!({ "field": field(name), "operator": op, "operand": operand(vals, *list) })
        }
        // FieldWasClause and FieldChangedClause: the latter has no operand.
        Expr::History(_, op, vals, preds, Written { field: name, list }) => {
            let predicates: Vec<Value> = preds
                .iter()
                .map(|Predicate { name, vals, list }| {
                    json!({ "operator": name, "operand": operand(vals, *list) })
                })
                .collect();
            let mut c = json!({ "field": field(name), "operator": op, "predicates": predicates });
            if op != "changed" {
                c["operand"] = operand(vals, *list);
            }
            c
        }
    }
}

fn operand(vals: &[Val], list: bool) -> Value {
    match (list, vals) {
        (false, [v]) => unitary(v),
        _ => {
            let values: Vec<Value> = vals.iter().map(unitary).collect();
            let encoded: Vec<String> = vals.iter().map(encoded_operand).collect();
            json!({ "values": values, "encodedOperand": format!("({})", encoded.join(", ")) })
        }
    }
}

fn field(name: &str) -> Value {
    json!({ "name": name, "encodedName": encode(name) })
}

/// A value, function or keyword operand.
fn unitary(v: &Val) -> Value {
    match v {
        Val::Str(s) => json!({ "value": s, "encodedValue": encode(s) }),
        Val::Empty => json!({ "keyword": "empty" }),
        Val::CurrentUser | Val::Func(_) => {
            json!({ "function": function_name(v), "arguments": [], "encodedOperand": encoded_operand(v) })
        }
    }
}

fn encoded_operand(v: &Val) -> String {
    match v {
        Val::Str(s) => encode(s),
        Val::Empty => "EMPTY".into(),
        _ => format!("{}()", function_name(v)),
    }
}

/// Jira's spelling of the subset's functions (the parser keeps them lower-cased).
fn function_name(v: &Val) -> &str {
    match v {
        Val::Func(f) => match f.as_str() {
            "opensprints" => "openSprints",
            "futuresprints" => "futureSprints",
            "closedsprints" => "closedSprints",
            "standardissuetypes" => "standardIssueTypes",
            "subtaskissuetypes" => "subtaskIssueTypes",
            other => other,
        },
        _ => "currentUser",
    }
}

const RESERVED: &[&str] = &[
    "and", "or", "not", "empty", "null", "order", "by", "asc", "desc", "in", "is", "was",
    "changed", "from", "to", "on", "before", "after", "during",
];

/// A name or value as a query writes it: bare when it is a plain word, else double-quoted with
/// `"` and `\` escaped.
fn encode(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_alphanumeric() || "-_.@:/*+[]".contains(c))
        && !RESERVED.iter().any(|r| r.eq_ignore_ascii_case(s));
    if plain {
        s.to_owned()
    } else {
        format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trees_follow_jiras_model() {
        let q = super::super::parse_syntax(
            "project = DEMO AND (labels in (a, \"b c\") OR assignee = currentUser()) AND NOT resolution IS EMPTY ORDER BY updated DESC, key",
        )
        .unwrap();
        let t = structure(&q);
        assert_eq!(t["where"]["operator"], "and");
        let c = &t["where"]["clauses"];
        assert_eq!(
            c[0],
            json!({"field": {"name": "project", "encodedName": "project"}, "operator": "=",
                   "operand": {"value": "DEMO", "encodedValue": "DEMO"}})
        );
        assert_eq!(c[1]["operator"], "or");
        assert_eq!(
            c[1]["clauses"][0]["operand"],
            json!({"values": [{"value": "a", "encodedValue": "a"},
                              {"value": "b c", "encodedValue": "\"b c\""}],
                   "encodedOperand": "(a, \"b c\")"})
        );
        assert_eq!(
            c[1]["clauses"][1]["operand"],
            json!({"function": "currentUser", "arguments": [], "encodedOperand": "currentUser()"})
        );
        assert_eq!(c[2]["operator"], "not");
        assert_eq!(c[2]["clauses"][0]["operator"], "is");
        assert_eq!(c[2]["clauses"][0]["operand"], json!({"keyword": "empty"}));
        assert_eq!(
            t["orderBy"]["fields"],
            json!([{"field": {"name": "updated", "encodedName": "updated"}, "direction": "desc"},
                   {"field": {"name": "key", "encodedName": "key"}}])
        );
    }
}

//! The JQL subset of REFERENCE §7.3: a tokenizer, a recursive-descent parser (AND binds tighter
//! than OR, parentheses, NOT), evaluation against the store, and ORDER BY (at most 7 keys).

mod eval;
mod tree;

use eval::rel_or_abs;
pub use eval::{compare, matches};
pub use tree::structure;

use crate::store::Inner;

/// A parsed query.
#[derive(Debug, Clone)]
pub struct Query {
    /// The WHERE part; `None` when the query is unbounded.
    pub filter: Option<Expr>,
    /// ORDER BY keys: (field, descending).
    pub order: Vec<(String, bool)>,
    /// ORDER BY keys as written: the field's spelling and the direction, when one was given.
    pub sort: Vec<(String, Option<&'static str>)>,
}

/// A boolean expression.
#[derive(Debug, Clone)]
pub enum Expr {
    /// Disjunction.
    Or(Vec<Expr>),
    /// Conjunction.
    And(Vec<Expr>),
    /// Negation.
    Not(Box<Expr>),
    /// field op values (field lower-cased), and how the query wrote them.
    Clause(String, String, Vec<Val>, Written),
    /// A history clause: `field WAS [NOT] [IN] values predicates` or `field CHANGED predicates`
    /// (field lower-cased; op `was`, `was not`, `was in`, `was not in` or `changed`, whose
    /// values are empty).
    History(String, String, Vec<Val>, Vec<Predicate>, Written),
}

/// A time or author predicate of a history clause: `BY`, `FROM`, `TO`, `AFTER`, `BEFORE`, `ON`
/// (one value) or `DURING` (two).
#[derive(Debug, Clone)]
pub struct Predicate {
    /// Lower-cased keyword.
    pub name: String,
    /// Its operand.
    pub vals: Vec<Val>,
    /// The operand was a parenthesized list.
    pub list: bool,
}

/// What a clause looked like in the query, for the syntax tree `jql/parse` returns.
#[derive(Debug, Clone)]
pub struct Written {
    /// The field name as the query spelled it (unquoted).
    pub field: String,
    /// The operand was a parenthesized list.
    pub list: bool,
}

/// A right-hand value.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    /// A word or quoted string.
    Str(String),
    /// `currentUser()`.
    CurrentUser,
    /// A function, lower case: `opensprints`, `futuresprints`, `closedsprints`,
    /// `standardissuetypes`, `subtaskissuetypes`.
    Func(String),
    /// EMPTY / NULL.
    Empty,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Quoted(String),
    Op(String),
    LParen,
    RParen,
    Comma,
}

fn err(msg: String) -> String {
    format!("Error in the JQL Query: {msg}")
}

fn tokenize(s: &str) -> Result<Vec<(Tok, usize)>, String> {
    let cs: Vec<char> = s.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    while i < cs.len() {
        let c = cs[i];
        let pos = i + 1;
        if c.is_whitespace() {
            i += 1;
        } else if c == '"' || c == '\'' {
            let mut v = String::new();
            i += 1;
            loop {
                match cs.get(i) {
                    None => {
                        return Err(err(format!(
                        "The quoted string '{v}' has not been completed. (line 1, character {pos})"
                    )))
                    }
                    Some('\\') => {
                        match cs.get(i + 1) {
                            Some('n') => v.push('\n'),
                            Some('t') => v.push('\t'),
                            Some(x) => v.push(*x),
                            None => return Err(err(format!("The quoted string '{v}' has not been completed. (line 1, character {pos})"))),
                        }
                        i += 2;
                    }
                    Some(x) if *x == c => {
                        i += 1;
                        break;
                    }
                    Some(x) => {
                        v.push(*x);
                        i += 1;
                    }
                }
            }
            out.push((Tok::Quoted(v), pos));
        } else if c == '(' {
            out.push((Tok::LParen, pos));
            i += 1;
        } else if c == ')' {
            out.push((Tok::RParen, pos));
            i += 1;
        } else if c == ',' {
            out.push((Tok::Comma, pos));
            i += 1;
        } else if "=!~<>".contains(c) {
            let two: String = cs[i..(i + 2).min(cs.len())].iter().collect();
            let op = if ["!=", "!~", ">=", "<="].contains(&two.as_str()) {
                two
            } else {
                c.to_string()
            };
            if op == "!" {
                return Err(err(format!(
                    "Expecting operator but got '!'. (line 1, character {pos})"
                )));
            }
            i += op.len();
            out.push((Tok::Op(op), pos));
        } else {
            let mut w = String::new();
            while i < cs.len() && !cs[i].is_whitespace() && !"()=!~<>,\"'".contains(cs[i]) {
                w.push(cs[i]);
                i += 1;
            }
            out.push((Tok::Word(w), pos));
        }
    }
    Ok(out)
}

struct P {
    toks: Vec<(Tok, usize)>,
    i: usize,
    /// Parentheses and NOTs open around the token being read.
    depth: usize,
}

/// How deep parentheses and NOTs may nest. Jira documents no limit; a query nested deeper than
/// any person writes is refused with an error rather than allowed to exhaust the stack.
const MAX_NESTING: usize = 100;

fn kw(t: Option<&Tok>, k: &str) -> bool {
    matches!(t, Some(Tok::Word(w)) if w.eq_ignore_ascii_case(k))
}

impl P {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.i).map(|t| &t.0)
    }
    fn pos(&self) -> usize {
        self.toks.get(self.i).map(|t| t.1).unwrap_or(0)
    }
    fn got(&self) -> String {
        match self.peek() {
            None => "EOF".into(),
            Some(Tok::Word(w)) | Some(Tok::Quoted(w)) | Some(Tok::Op(w)) => format!("'{w}'"),
            Some(Tok::LParen) => "'('".into(),
            Some(Tok::RParen) => "')'".into(),
            Some(Tok::Comma) => "','".into(),
        }
    }
    fn at_order(&self) -> bool {
        kw(self.peek(), "order") && kw(self.toks.get(self.i + 1).map(|t| &t.0), "by")
    }
    fn or(&mut self) -> Result<Expr, String> {
        let mut v = vec![self.and()?];
        while kw(self.peek(), "or") {
            self.i += 1;
            v.push(self.and()?);
        }
        Ok(if v.len() == 1 {
            v.remove(0)
        } else {
            Expr::Or(v)
        })
    }
    fn and(&mut self) -> Result<Expr, String> {
        let mut v = vec![self.unary()?];
        while kw(self.peek(), "and") {
            self.i += 1;
            v.push(self.unary()?);
        }
        Ok(if v.len() == 1 {
            v.remove(0)
        } else {
            Expr::And(v)
        })
    }
    fn unary(&mut self) -> Result<Expr, String> {
        let nests = kw(self.peek(), "not") || self.peek() == Some(&Tok::LParen);
        if nests && self.depth >= MAX_NESTING {
            return Err(err(format!(
                "The query nests parentheses or NOT more than {MAX_NESTING} levels deep. (line 1, character {})",
                self.pos()
            )));
        }
        if kw(self.peek(), "not") {
            self.i += 1;
            self.depth += 1;
            let inner = self.unary();
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(inner?)));
        }
        if self.peek() == Some(&Tok::LParen) {
            self.i += 1;
            self.depth += 1;
            let e = self.or();
            self.depth -= 1;
            let e = e?;
            if self.peek() != Some(&Tok::RParen) {
                return Err(err(format!(
                    "Expecting ')' but got {}. (line 1, character {})",
                    self.got(),
                    self.pos()
                )));
            }
            self.i += 1;
            return Ok(e);
        }
        self.clause()
    }
    fn clause(&mut self) -> Result<Expr, String> {
        let written = match self.peek() {
            Some(Tok::Word(w)) | Some(Tok::Quoted(w)) => w.clone(),
            _ => {
                return Err(err(format!(
                    "Expecting a field name but got {}. (line 1, character {})",
                    self.got(),
                    self.pos()
                )))
            }
        };
        let field = written.to_ascii_lowercase();
        self.i += 1;
        if kw(self.peek(), "was") || kw(self.peek(), "changed") {
            return self.history(field, written);
        }
        let op = match self.peek() {
            Some(Tok::Op(o)) => o.clone(),
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("in") => "in".into(),
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("is") => {
                if kw(self.toks.get(self.i + 1).map(|t| &t.0), "not") {
                    self.i += 1;
                    "is not".into()
                } else {
                    "is".into()
                }
            }
            Some(Tok::Word(w))
                if w.eq_ignore_ascii_case("not")
                    && kw(self.toks.get(self.i + 1).map(|t| &t.0), "in") =>
            {
                self.i += 1;
                "not in".into()
            }
            _ => {
                return Err(err(format!(
                    "Expecting operator but got {}. The valid operators are '=', '!=', '<', '>', '<=', '>=', '~', '!~', 'IN', 'NOT IN', 'IS' and 'IS NOT'. (line 1, character {})",
                    self.got(),
                    self.pos()
                )))
            }
        };
        self.i += 1;
        let (vals, list) = self.operand(op == "in" || op == "not in")?;
        Ok(Expr::Clause(
            field,
            op,
            vals,
            Written {
                field: written,
                list,
            },
        ))
    }
    /// `WAS [NOT] [IN] operand predicates` or `CHANGED predicates`, after the field. `FROM` and
    /// `TO` belong to `CHANGED` only.
    fn history(&mut self, field: String, written: String) -> Result<Expr, String> {
        let changed = kw(self.peek(), "changed");
        self.i += 1;
        let mut op = if changed { "changed" } else { "was" }.to_owned();
        let mut vals = Vec::new();
        let mut list = false;
        if !changed {
            if kw(self.peek(), "not") {
                self.i += 1;
                op.push_str(" not");
            }
            if kw(self.peek(), "in") {
                self.i += 1;
                op.push_str(" in");
            }
            (vals, list) = self.operand(op.ends_with(" in"))?;
        }
        let mut preds = Vec::new();
        while let Some(Tok::Word(w)) = self.peek() {
            let name = w.to_ascii_lowercase();
            let allowed = match name.as_str() {
                "by" | "after" | "before" | "on" | "during" => true,
                "from" | "to" => changed,
                _ => false,
            };
            if !allowed {
                break;
            }
            self.i += 1;
            let (vals, list) = self.operand(name == "during")?;
            preds.push(Predicate { name, vals, list });
        }
        Ok(Expr::History(
            field,
            op,
            vals,
            preds,
            Written {
                field: written,
                list,
            },
        ))
    }
    /// A value or function, or with `list_op` a parenthesized list (or a function); whether it
    /// was a list.
    fn operand(&mut self, list_op: bool) -> Result<(Vec<Val>, bool), String> {
        let function = matches!(self.peek(), Some(Tok::Word(_)))
            && self.toks.get(self.i + 1).map(|t| &t.0) == Some(&Tok::LParen);
        let list = list_op && !function;
        let vals = if list {
            if self.peek() != Some(&Tok::LParen) {
                return Err(err(format!(
                    "Expecting '(' but got {}. (line 1, character {})",
                    self.got(),
                    self.pos()
                )));
            }
            self.i += 1;
            let mut v = vec![self.value()?];
            while self.peek() == Some(&Tok::Comma) {
                self.i += 1;
                v.push(self.value()?);
            }
            if self.peek() != Some(&Tok::RParen) {
                return Err(err(format!(
                    "Expecting ')' but got {}. (line 1, character {})",
                    self.got(),
                    self.pos()
                )));
            }
            self.i += 1;
            v
        } else {
            vec![self.value()?]
        };
        Ok((vals, list))
    }
    fn value(&mut self) -> Result<Val, String> {
        let v = match self.peek() {
            Some(Tok::Quoted(s)) => Val::Str(s.clone()),
            Some(Tok::Word(w))
                if w.eq_ignore_ascii_case("empty") || w.eq_ignore_ascii_case("null") =>
            {
                Val::Empty
            }
            Some(Tok::Word(w)) if !kw(self.peek(), "and") && !kw(self.peek(), "or") => {
                let w = w.clone();
                if self.toks.get(self.i + 1).map(|t| &t.0) == Some(&Tok::LParen) {
                    let lower = w.to_ascii_lowercase();
                    let known = [
                        "opensprints",
                        "futuresprints",
                        "closedsprints",
                        "standardissuetypes",
                        "subtaskissuetypes",
                    ];
                    if lower != "currentuser" && !known.contains(&lower.as_str()) {
                        return Err(err(format!("Unable to find JQL function '{w}()'.")));
                    }
                    if self.toks.get(self.i + 2).map(|t| &t.0) != Some(&Tok::RParen) {
                        return Err(err(format!("Expecting ')' after function '{w}'.")));
                    }
                    self.i += 3;
                    return Ok(if lower == "currentuser" {
                        Val::CurrentUser
                    } else {
                        Val::Func(lower)
                    });
                }
                Val::Str(w)
            }
            _ => {
                return Err(err(format!(
                    "Expecting either a value, list or function but got {}. (line 1, character {})",
                    self.got(),
                    self.pos()
                )))
            }
        };
        self.i += 1;
        Ok(v)
    }
}

const ORDERABLE: &[&str] = &[
    "key",
    "issuekey",
    "id",
    "created",
    "updated",
    "priority",
    "status",
    "summary",
    "assignee",
    "reporter",
    "project",
    "type",
    "issuetype",
    "duedate",
    "resolutiondate",
    "rank",
];
pub const FIELDS: &[&str] = &[
    "project",
    "key",
    "issuekey",
    "id",
    "assignee",
    "reporter",
    "creator",
    "status",
    "labels",
    "summary",
    "text",
    "description",
    "comment",
    "updated",
    "created",
    "type",
    "issuetype",
    "priority",
    "parent",
    "resolution",
    "sprint",
];

fn has_history(e: &Expr) -> bool {
    match e {
        Expr::Or(v) | Expr::And(v) => v.iter().any(has_history),
        Expr::Not(x) => has_history(x),
        Expr::History(..) => true,
        Expr::Clause(..) => false,
    }
}

/// Parses a query. Errors are Jira's messages.
pub fn parse(s: &str) -> Result<Query, String> {
    match parse_strict(s) {
        Ok(q) => Ok(q),
        // Bare words (no operators, quotes or parentheses) are a text search, as Jira does;
        // not a history clause (`summary CHANGED`), whose error stands.
        Err(e) if parse_syntax(s).is_ok_and(|q| q.filter.as_ref().is_some_and(has_history)) => {
            Err(e)
        }
        Err(e) => match tokenize(s) {
            Ok(toks) if !toks.is_empty() && toks.iter().all(|(t, _)| matches!(t, Tok::Word(_))) => {
                Ok(Query {
                    filter: Some(Expr::Clause(
                        "text".into(),
                        "~".into(),
                        vec![Val::Str(s.trim().to_string())],
                        Written {
                            field: "text".into(),
                            list: false,
                        },
                    )),
                    order: vec![],
                    sort: vec![],
                })
            }
            _ => Err(e),
        },
    }
}

fn parse_strict(s: &str) -> Result<Query, String> {
    let q = parse_syntax(s)?;
    check_fields(&q)?;
    Ok(q)
}

/// Parses a query's syntax only: unknown fields pass (`jql/parse` with `validation=none`).
pub fn parse_syntax(s: &str) -> Result<Query, String> {
    let mut p = P {
        toks: tokenize(s)?,
        i: 0,
        depth: 0,
    };
    let filter = if p.peek().is_none() || p.at_order() {
        None
    } else {
        Some(p.or()?)
    };
    let mut order = Vec::new();
    let mut sort = Vec::new();
    if p.at_order() {
        p.i += 2;
        loop {
            let written = match p.peek() {
                Some(Tok::Word(w)) | Some(Tok::Quoted(w)) => w.clone(),
                _ => {
                    return Err(err(format!(
                        "Expecting a field name but got {}. (line 1, character {})",
                        p.got(),
                        p.pos()
                    )))
                }
            };
            p.i += 1;
            let mut direction = None;
            if kw(p.peek(), "desc") {
                direction = Some("desc");
                p.i += 1;
            } else if kw(p.peek(), "asc") {
                direction = Some("asc");
                p.i += 1;
            }
            order.push((written.to_ascii_lowercase(), direction == Some("desc")));
            sort.push((written, direction));
            if p.peek() == Some(&Tok::Comma) {
                p.i += 1;
            } else {
                break;
            }
        }
        if order.len() > 7 {
            return Err(err(
                "The ORDER BY clause may contain at most 7 fields.".into()
            ));
        }
    }
    if p.peek().is_some() {
        return Err(err(format!(
            "Expecting either 'OR' or 'AND' but got {}. (line 1, character {})",
            p.got(),
            p.pos()
        )));
    }
    Ok(Query {
        filter,
        order,
        sort,
    })
}

/// Whether every field of the query exists: Jira's message for the first that does not.
pub fn check_fields(q: &Query) -> Result<(), String> {
    q.filter.as_ref().map_or(Ok(()), check_expr_fields)?;
    match q
        .order
        .iter()
        .find(|(f, _)| !ORDERABLE.contains(&f.as_str()))
    {
        Some((f, _)) => Err(format!(
            "Field '{f}' does not exist or you do not have permission to view it."
        )),
        None => Ok(()),
    }
}

fn check_expr_fields(e: &Expr) -> Result<(), String> {
    match e {
        Expr::Or(v) | Expr::And(v) => v.iter().try_for_each(check_expr_fields),
        Expr::Not(x) => check_expr_fields(x),
        Expr::Clause(f, ..) if !FIELDS.contains(&f.as_str()) => Err(format!(
            "Field '{f}' does not exist or you do not have permission to view it."
        )),
        Expr::Clause(..) => Ok(()),
        Expr::History(f, ..) if !FIELDS.contains(&f.as_str()) => Err(format!(
            "Field '{f}' does not exist or you do not have permission to view it."
        )),
        Expr::History(f, ..) if !HISTORY_FIELDS.contains(&f.as_str()) => {
            Err(format!("History searches do not support the '{f}' field."))
        }
        Expr::History(..) => Ok(()),
    }
}

/// Fields whose changes the store records and history clauses (`WAS`, `CHANGED`) search.
pub const HISTORY_FIELDS: &[&str] = &["status", "assignee", "priority"];

/// Checks values that must exist (projects) against the store.
pub fn validate(q: &Query, inner: &Inner) -> Result<(), String> {
    fn walk(e: &Expr, inner: &Inner) -> Result<(), String> {
        match e {
            Expr::Or(v) | Expr::And(v) => v.iter().try_for_each(|x| walk(x, inner)),
            Expr::Not(x) => walk(x, inner),
            Expr::Clause(f, _, vals, _) if f == "project" => {
                for v in vals {
                    if let Val::Str(s) = v {
                        if inner.project(s).is_none() {
                            return Err(format!(
                                "The value '{s}' does not exist for the field 'project'."
                            ));
                        }
                    }
                }
                Ok(())
            }
            Expr::Clause(f, _, vals, _) if f == "sprint" => {
                for v in vals {
                    if let Val::Str(s) = v {
                        let known = inner
                            .sprints
                            .iter()
                            .any(|sp| sp.id.to_string() == *s || sp.name.eq_ignore_ascii_case(s));
                        if !known {
                            return Err(format!(
                                "The value '{s}' does not exist for the field 'sprint'."
                            ));
                        }
                    }
                }
                Ok(())
            }
            Expr::Clause(f, op, vals, _) if f == "updated" || f == "created" => {
                if !matches!(op.as_str(), ">=" | "<=" | ">" | "<" | "=" | "!=") {
                    return Err(err(format!(
                        "The operator '{op}' is not supported by the '{f}' field."
                    )));
                }
                for v in vals {
                    if let Val::Str(s) = v {
                        if rel_or_abs(s, 0).is_none() {
                            return Err(format!("Date value '{s}' for field '{f}' is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'."));
                        }
                    }
                }
                Ok(())
            }
            Expr::Clause(..) | Expr::History(..) => Ok(()),
        }
    }
    match &q.filter {
        Some(f) => walk(f, inner),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn a_query_nested_deeper_than_the_limit_is_refused_not_a_crash() {
        let deep = "(".repeat(100_000) + "project = DEMO" + &")".repeat(100_000);
        assert!(parse_syntax(&deep).unwrap_err().contains("levels deep"));
        let nots = "NOT ".repeat(100_000) + "project = DEMO";
        assert!(parse_syntax(&nots).unwrap_err().contains("levels deep"));
        let fine = "(".repeat(MAX_NESTING) + "project = DEMO" + &")".repeat(MAX_NESTING);
        assert!(parse_syntax(&fine).is_ok());
    }

    #[test]
    fn parses() {
        let q = parse("project = DEMO AND (status = \"In Progress\" OR labels in (a, 'b c')) ORDER BY updated DESC, key").unwrap();
        assert_eq!(q.order.len(), 2);
        assert!(parse("order by key desc").unwrap().filter.is_none());
        assert!(parse("summary ~ \"unterminated")
            .unwrap_err()
            .contains("has not been completed"));
        assert!(parse("summary ~ \"a \\\"quoted\\\" word\"").is_ok());
        assert!(parse("project = A ORDER BY a,b,c,d,e,f,g,h").is_err());
        assert!(
            matches!(parse("this is not jql").unwrap().filter, Some(Expr::Clause(f, ..)) if f == "text")
        );
    }
}

//! Reads which projects a JQL query can return, conservatively: when in doubt, any project.

use std::collections::BTreeSet;

/// The projects whose issues a cached list may contain, so writes evict only what they affect.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ProjectScope {
    /// Could contain any project's issues: every write in the namespace evicts it.
    Unknown,
    /// Only issues of these project keys (upper case).
    Projects(BTreeSet<String>),
}

impl ProjectScope {
    pub fn projects<S: AsRef<str>>(keys: &[S]) -> Self {
        ProjectScope::Projects(keys.iter().map(|k| k.as_ref().to_uppercase()).collect())
    }

    pub fn may_contain(&self, project: &str) -> bool {
        match self {
            ProjectScope::Unknown => true,
            ProjectScope::Projects(keys) => keys.contains(&project.to_uppercase()),
        }
    }

    /// A conservative reading of the JQL: only a query that is a plain conjunction with one
    /// `project = KEY` or `project in (KEYS)` clause is scoped; anything else is `Unknown`.
    pub fn from_jql(jql: &str) -> Self {
        project_scope(jql)
    }
}

#[derive(Debug, PartialEq)]
enum Tok {
    Word(String),
    Quoted(String),
    Punct(char),
    Op(String),
}

fn tokenize(jql: &str) -> Option<Vec<Tok>> {
    let mut toks = Vec::new();
    let mut chars = jql.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '"' || c == '\'' {
            chars.next();
            let mut s = String::new();
            loop {
                match chars.next()? {
                    '\\' => s.push(chars.next()?),
                    ch if ch == c => break,
                    ch => s.push(ch),
                }
            }
            toks.push(Tok::Quoted(s));
        } else if matches!(c, '(' | ')' | ',') {
            chars.next();
            toks.push(Tok::Punct(c));
        } else if matches!(c, '=' | '!' | '<' | '>' | '~') {
            let mut op = String::new();
            while let Some(&o) = chars.peek() {
                if !matches!(o, '=' | '!' | '<' | '>' | '~') {
                    break;
                }
                op.push(o);
                chars.next();
            }
            toks.push(Tok::Op(op));
        } else {
            let mut w = String::new();
            while let Some(&o) = chars.peek() {
                if o.is_whitespace() || "()\",'=!<>~".contains(o) {
                    break;
                }
                w.push(o);
                chars.next();
            }
            toks.push(Tok::Word(w));
        }
    }
    Some(toks)
}

/// A project key as written in JQL: upper case, as Jira shows keys. A mixed-case word may be a
/// project name, which we cannot map to a key, so it makes the scope unknown.
fn project_key(tok: &Tok) -> Option<String> {
    let s = match tok {
        Tok::Word(s) | Tok::Quoted(s) => s,
        _ => return None,
    };
    let mut chars = s.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_uppercase());
    let rest_ok = chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    (first_ok && rest_ok).then(|| s.clone())
}

fn is_word(tok: Option<&Tok>, word: &str) -> bool {
    matches!(tok, Some(Tok::Word(w)) if w.eq_ignore_ascii_case(word))
}

pub(crate) fn project_scope(jql: &str) -> ProjectScope {
    scope_of(jql).unwrap_or(ProjectScope::Unknown)
}

fn scope_of(jql: &str) -> Option<ProjectScope> {
    let mut toks = tokenize(jql)?;
    if let Some(i) = (0..toks.len()).find(|&i| is_word(toks.get(i), "order")) {
        if is_word(toks.get(i + 1), "by") {
            toks.truncate(i);
        }
    }
    // Only a plain conjunction narrows the result to the project clause.
    if toks
        .iter()
        .any(|t| is_word(Some(t), "or") || is_word(Some(t), "not"))
    {
        return None;
    }
    let mut found: Option<BTreeSet<String>> = None;
    let mut i = 0;
    while i < toks.len() {
        if !is_word(toks.get(i), "project") {
            i += 1;
            continue;
        }
        if found.is_some() {
            return None;
        }
        match toks.get(i + 1)? {
            Tok::Op(op) if op == "=" => {
                let key = project_key(toks.get(i + 2)?)?;
                found = Some(BTreeSet::from([key]));
                i += 3;
            }
            Tok::Word(w) if w.eq_ignore_ascii_case("in") => {
                if toks.get(i + 2)? != &Tok::Punct('(') {
                    return None;
                }
                let mut keys = BTreeSet::new();
                let mut j = i + 3;
                loop {
                    keys.insert(project_key(toks.get(j)?)?);
                    match toks.get(j + 1)? {
                        Tok::Punct(',') => j += 2,
                        Tok::Punct(')') => break,
                        _ => return None,
                    }
                }
                found = Some(keys);
                i = j + 2;
            }
            _ => return None,
        }
    }
    found.map(ProjectScope::Projects)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(k: &[&str]) -> ProjectScope {
        ProjectScope::projects(k)
    }

    #[test]
    fn scoped_queries() {
        assert_eq!(project_scope("project = ABC"), keys(&["ABC"]));
        assert_eq!(
            project_scope("project=ABC AND status = \"In Progress\" ORDER BY updated DESC"),
            keys(&["ABC"])
        );
        assert_eq!(
            project_scope("(project in (A1, \"B_2\")) and assignee = currentUser()"),
            keys(&["A1", "B_2"])
        );
    }

    #[test]
    fn anything_doubtful_is_unknown() {
        for jql in [
            "assignee = currentUser()",
            "project = A OR project = B",
            "project = A AND NOT status = Done",
            "project != A",
            "project = \"My Project\"",
            "project = 10001",
            "project = A AND project = B",
            "project in (A, B",
            "summary ~ \"unterminated",
        ] {
            assert_eq!(project_scope(jql), ProjectScope::Unknown, "{jql}");
        }
    }
}

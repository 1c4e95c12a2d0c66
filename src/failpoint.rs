//! Failure injection in the real binary, for the tests of crash and fault windows that no outside
//! fault can hit reliably (a save failing after the token endpoint rotated the refresh token, a
//! kill between writing a token file and renaming it into place).
//!
//! `JIRAD_FAILPOINTS=NAME=ACTION[@FILE][,NAME=ACTION[@FILE]...]`: `ACTION` is `error` (the step
//! fails as an I/O error would) or `pause:MS` (the step waits that long first); with `@FILE` the
//! point is armed only while FILE exists, so a test can switch it on and off while the daemon
//! runs. Read once per process; unset, every check is one load of an empty list.
//!
//! Points: `token-save` (writing a token document, after the temp file was prepared, i.e. after
//! the token endpoint answered), `token-save-before-rename` (after the temp file is written and
//! fsynced, before it is renamed over the token file).

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

/// What an armed point does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Fail the step.
    Error,
    /// Wait, then carry on.
    Pause(Duration),
}

struct Point {
    name: String,
    action: Action,
    armed_by: Option<PathBuf>,
}

fn points() -> &'static [Point] {
    static POINTS: OnceLock<Vec<Point>> = OnceLock::new();
    POINTS.get_or_init(|| {
        std::env::var("JIRAD_FAILPOINTS")
            .map(|v| parse(&v))
            .unwrap_or_default()
    })
}

fn parse(spec: &str) -> Vec<Point> {
    spec.split(',')
        .filter_map(|item| {
            let (name, rest) = item.trim().split_once('=')?;
            let (action, armed_by) = match rest.split_once('@') {
                Some((a, file)) => (a, Some(PathBuf::from(file))),
                None => (rest, None),
            };
            let action = match action.split_once(':') {
                None if action == "error" => Action::Error,
                Some(("pause", ms)) => Action::Pause(Duration::from_millis(ms.parse().ok()?)),
                _ => {
                    tracing::warn!("JIRAD_FAILPOINTS: cannot parse `{item}`; ignored");
                    return None;
                }
            };
            Some(Point {
                name: name.to_owned(),
                action,
                armed_by,
            })
        })
        .collect()
}

/// The action of point `name` if it is set and armed now.
pub fn check(name: &str) -> Option<Action> {
    let p = points().iter().find(|p| p.name == name)?;
    if p.armed_by.as_ref().is_some_and(|f| !f.exists()) {
        return None;
    }
    tracing::warn!(failpoint = name, action = ?p.action, "failpoint hit");
    Some(p.action)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_actions_and_arming_files() {
        let p = parse("a=error, b=pause:250@/x/armed,c=bogus,d");
        assert_eq!(p.len(), 2);
        assert_eq!((p[0].name.as_str(), p[0].action), ("a", Action::Error));
        assert_eq!(p[1].action, Action::Pause(Duration::from_millis(250)));
        assert_eq!(
            p[1].armed_by.as_deref(),
            Some(std::path::Path::new("/x/armed"))
        );
    }
}

//! The `fake-jira` binary.
fn main() {}

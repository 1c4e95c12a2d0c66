//! fake-jira: placeholder.

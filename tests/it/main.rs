//! Every integration test of the daemon, in one binary (one link instead of one per file).
//!
//! Each module drives the real `jirad` binary (`support::Daemon`, `support::jirad`) against the
//! fake Jira (`support::jira::JiraWorld`, the `fake-jira` crate on its own runtime), or, for the
//! protocol and framing tests, the library in-process. Run one file's tests with
//! `cargo test --test it MODULE::` (`cargo test --test it workflow::`), one test by its name.
//!
//! The harness, in `support/`: `mod.rs` starts a daemon on a private socket and state directory
//! and speaks to it (`SocketClient`, both framings); `jira.rs` starts the fake with one profile of
//! each kind; `auth.rs` logs in through the fake's consent page and reads token files; `demo.rs`
//! and `keyring.rs` drive `jirad demo` and a private Secret Service. Modules that need a Unix
//! socket (nearly all) say `#![cfg(unix)]` at their top.
//!
//! Tests share this process: none may change process-wide state (environment, resource limits,
//! the working directory) other tests could see. Limits are set on the spawned daemon instead.

#[cfg(unix)]
mod support;

mod agile;
mod attachments;
mod auth_browser;
mod auth_keyring;
mod auth_login;
mod auth_profiles;
mod auth_runtime;
mod bulk_create;
mod cache;
mod cache_prepared;
mod concurrency;
mod contract;
mod crash;
mod demo;
mod dispatcher;
mod fail_fast;
mod fault_matrix;
mod fuzz;
mod hostile_content;
mod issues_cli;
mod issues_faults;
mod issues_oauth;
mod issues_paging;
mod issues_roundtrip;
mod jql;
mod layers;
mod limits;
mod links;
mod live_board;
mod load;
mod lsp;
mod mcp;
mod mcp_results;
mod mcp_safety;
mod profiles;
mod projects;
mod properties;
mod rendezvous;
mod security;
mod service;
mod socket;
mod token_store;
mod transports;
mod versions;
mod watch;
mod watchers;
mod workflow;
mod worklogs;

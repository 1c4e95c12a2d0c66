//! jirad: a local daemon that holds a user's Jira connection and serves it over JSON-RPC 2.0.
//!
//! Layers depend one way: `rpc` (transport, framing, dispatch) → `api` (protocol types to domain
//! calls) → domain (`auth`, `jira`, `cache`). Domain code knows nothing of JSON-RPC.

pub mod api;
pub mod auth;
pub mod breaker;
pub mod cache;
pub mod cli;
pub mod config;
pub mod daemon_client;
pub mod failpoint;
pub mod heap;
pub mod jira;
pub mod log_limit;
pub mod lsp;
pub mod mcp;
pub mod rpc;
pub mod service;

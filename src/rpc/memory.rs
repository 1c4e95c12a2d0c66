//! An in-memory connected pair, like lsp-server's `Connection::memory()`: the dispatcher serves one
//! end, a test drives the other, no transport involved.

use super::connection::Hub;
use super::dispatch::{serve_connection, ServeOptions};
use crate::rpc::Router;
use tokio::io::DuplexStream;
use tokio::task::JoinHandle;

/// The client end of an in-memory connection, plus the task serving the other end.
pub struct MemoryConnection {
    /// Read replies from and write requests to this.
    pub client: DuplexStream,
    /// Finishes when the server side closes the connection.
    pub server: JoinHandle<()>,
}

/// Serves `methods` on one end of an in-memory pipe and returns the other end.
pub fn memory(methods: Router, hub: Hub, opts: ServeOptions) -> MemoryConnection {
    let (client, server_end) = tokio::io::duplex(64 * 1024);
    let (rd, wr) = tokio::io::split(server_end);
    let server = tokio::spawn(serve_connection(methods, hub, rd, wr, opts));
    MemoryConnection { client, server }
}

//! `jirad serve --stdio`: one client on stdin/stdout. stdout carries frames only.

use crate::rpc::Router;
use crate::rpc::{serve_connection, Hub, ServeOptions};

/// Serves one client on stdin/stdout until EOF, `exit` or daemon stop. In-flight calls still get
/// their replies after EOF (`printf '...' | jirad serve --stdio` works).
pub async fn serve_stdio(methods: Router, hub: Hub, mut opts: ServeOptions) {
    opts.cancel_on_eof = false;
    serve_connection(methods, hub, tokio::io::stdin(), tokio::io::stdout(), opts).await;
}

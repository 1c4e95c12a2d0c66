//! Lifecycle and discovery: `initialize`, `initialized`, `shutdown`, `exit`, `rpc.discover`,
//! `daemon/status`, `daemon/stop`, plus the generic `$/cancelRequest` and `$/progress`.

use crate::openrpc::MethodDoc;
use crate::{Annotations, NoParams, Notification, Request};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The protocol version a client can compare against (clients should test capabilities instead).
pub const PROTOCOL_VERSION: &str = "0.1";

/// A JSON-RPC id or progress token: a number (any integer) or a string.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum NumberOrString {
    /// An integer.
    Number(i64),
    /// A string.
    String(String),
}

/// Names the client, optionally picks the profile for this connection, declares capabilities.
/// Optional: a script may call any method straight away.
pub enum Initialize {}
impl Request for Initialize {
    const METHOD: &'static str = "initialize";
    const ANNOTATIONS: Annotations = Annotations::read("Initialize").local();
    type Params = InitializeParams;
    type Result = InitializeResult;
}

/// Params of `initialize`. The other fields of LSP 3.17's `InitializeParams` are accepted and
/// ignored, so stock LSP clients initialize unchanged; any other key is refused, like every
/// method's.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InitializeParams {
    /// Who is calling (for logs and `daemon/status`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_info: Option<ClientInfo>,
    /// The profile this connection uses when a call names none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// Client capabilities (free-form; future notifications are opt-in through them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capabilities: Option<serde_json::Value>,
    /// LSP, ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process_id: Option<serde_json::Value>,
    /// LSP, ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<serde_json::Value>,
    /// LSP, ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root_path: Option<serde_json::Value>,
    /// LSP, ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root_uri: Option<serde_json::Value>,
    /// LSP, ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initialization_options: Option<serde_json::Value>,
    /// LSP, ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<serde_json::Value>,
    /// LSP, ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace_folders: Option<serde_json::Value>,
    /// LSP, ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub work_done_token: Option<serde_json::Value>,
}

/// Name and version of a client or of the server.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClientInfo {
    /// Program name.
    pub name: String,
    /// Program version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// Result of `initialize`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct InitializeResult {
    /// The daemon's name and version.
    pub server_info: ServerInfo,
    /// See [`PROTOCOL_VERSION`].
    pub protocol_version: String,
    /// What the daemon offers.
    pub capabilities: ServerCapabilities,
}

/// The daemon's name and version.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServerInfo {
    /// Always `jirad`.
    pub name: String,
    /// The crate version.
    pub version: String,
}

/// Named capabilities: clients test names, not versions.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServerCapabilities {
    /// Every method the daemon answers.
    pub methods: Vec<String>,
    /// Every notification the daemon may send.
    pub notifications: Vec<String>,
}

/// The client has processed the `initialize` result.
pub enum Initialized {}
impl Notification for Initialized {
    const METHOD: &'static str = "initialized";
    type Params = NoParams;
}

/// LSP `shutdown`: after it, this connection only accepts `exit`.
pub enum Shutdown {}
impl Request for Shutdown {
    const METHOD: &'static str = "shutdown";
    const ANNOTATIONS: Annotations = Annotations::write("Shut down the connection")
        .idempotent()
        .local();
    type Params = NoParams;
    type Result = ();
}

/// LSP `exit`: closes this connection (in `--stdio` mode the daemon exits).
pub enum Exit {}
impl Notification for Exit {
    const METHOD: &'static str = "exit";
    type Params = NoParams;
}

/// Returns this OpenRPC document.
pub enum RpcDiscover {}
impl Request for RpcDiscover {
    const METHOD: &'static str = "rpc.discover";
    const ANNOTATIONS: Annotations = Annotations::read("Discover").local();
    type Params = NoParams;
    /// The document as JSON text: the daemon serializes it once, not per call.
    type Result = Box<serde_json::value::RawValue>;
}

/// Daemon health and identity.
pub enum DaemonStatus {}
impl Request for DaemonStatus {
    const METHOD: &'static str = "daemon/status";
    const ANNOTATIONS: Annotations = Annotations::read("Daemon status").local();
    type Params = NoParams;
    type Result = DaemonStatusResult;
}

/// Result of `daemon/status`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DaemonStatusResult {
    /// The crate version.
    pub version: String,
    /// The daemon's process id.
    pub pid: u32,
    /// Milliseconds since the daemon started.
    pub uptime_ms: u64,
    /// The socket it listens on; absent in `--stdio` mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub socket_path: Option<String>,
    /// Open client connections, this one included.
    pub connections: usize,
}

/// Stops the daemon gracefully: no new connections, in-flight calls get up to 5 s.
pub enum DaemonStop {}
impl Request for DaemonStop {
    const METHOD: &'static str = "daemon/stop";
    const ANNOTATIONS: Annotations = Annotations::write("Stop the daemon")
        .destructive()
        .idempotent()
        .admin()
        .local();
    type Params = NoParams;
    type Result = ();
}

/// Client → server: abandon an in-flight call; it is answered with -32800.
pub enum CancelRequest {}
impl Notification for CancelRequest {
    const METHOD: &'static str = "$/cancelRequest";
    type Params = CancelParams;
}

/// Params of `$/cancelRequest`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelParams {
    /// The id of the call to cancel.
    pub id: NumberOrString,
}

/// Server → client: progress of a long call, LSP-shaped.
pub enum Progress {}
impl Notification for Progress {
    const METHOD: &'static str = "$/progress";
    type Params = ProgressParams;
}

/// Params of `$/progress`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ProgressParams {
    /// The token the client chose in the call.
    pub token: NumberOrString,
    /// Method-specific progress value.
    pub value: serde_json::Value,
}

/// The family's entries in the OpenRPC document.
pub fn docs() -> Vec<MethodDoc> {
    vec![
        MethodDoc::request::<Initialize>(
            "Names the client, picks a profile, returns capabilities (optional).",
        ),
        MethodDoc::client_notification::<Initialized>(
            "The client processed the initialize result.",
        ),
        MethodDoc::request::<Shutdown>(
            "LSP shutdown: afterwards only exit is accepted on this connection.",
        ),
        MethodDoc::client_notification::<Exit>(
            "LSP exit: closes this connection (the process in --stdio mode).",
        ),
        MethodDoc::request::<RpcDiscover>("Returns this OpenRPC document."),
        MethodDoc::request::<DaemonStatus>(
            "Daemon version, pid, uptime, socket path and connection count.",
        ),
        MethodDoc::request::<DaemonStop>("Stops the daemon gracefully."),
        MethodDoc::client_notification::<CancelRequest>(
            "Abandons an in-flight call; it is answered with -32800.",
        ),
        MethodDoc::server_notification::<Progress>(
            "Progress of a long call, keyed by the client's token.",
        ),
    ]
}

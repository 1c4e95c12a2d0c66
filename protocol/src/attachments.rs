//! Files attached to issues: `attachments/list`, `attachments/upload`, `attachments/download`,
//! `attachments/thumbnail`, `attachments/delete`. The daemon reads and writes the user's files itself, in chunks: a file of
//! any size costs it a few buffers.

use crate::issues::Empty;
use crate::openrpc::MethodDoc;
use crate::projects::UserRef;
use crate::{Annotations, Request};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The family's entries in the OpenRPC document.
pub fn docs() -> Vec<MethodDoc> {
    vec![
        MethodDoc::request::<AttachmentsList>("An issue's attachments: name, size, type, author, date"),
        MethodDoc::request::<AttachmentsUpload>(
            "Attaches a local file (streamed) or inline base64 content to an issue",
        ),
        MethodDoc::request::<AttachmentsDownload>(
            "Saves an attachment to a local path (streamed, never overwriting unless asked) or returns it inline as base64",
        ),
        MethodDoc::request::<AttachmentsThumbnail>(
            "Saves an image attachment's thumbnail (PNG) to a local path or returns it inline as base64",
        ),
        MethodDoc::request::<AttachmentsDelete>("Deletes an attachment"),
    ]
}

/// An attachment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Attachment {
    pub id: String,
    pub filename: String,
    /// Bytes.
    pub size: u64,
    pub mime_type: Option<String>,
    pub author: Option<UserRef>,
    pub created: Option<String>,
}

/// Lists an issue's attachments.
pub enum AttachmentsList {}
impl Request for AttachmentsList {
    const METHOD: &'static str = "attachments/list";
    const ANNOTATIONS: Annotations = Annotations::read("List attachments");
    type Params = AttachmentsListParams;
    type Result = Vec<Attachment>;
}

/// Params of `attachments/list`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AttachmentsListParams {
    /// Issue key or id.
    pub key: String,
    /// Profile to act as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// Attaches a file. Once uploaded, its content is disclosed to everyone who sees the issue:
/// irreversible, so agent faces ask the user first.
pub enum AttachmentsUpload {}
impl Request for AttachmentsUpload {
    const METHOD: &'static str = "attachments/upload";
    const ANNOTATIONS: Annotations = Annotations::write("Attach file").irreversible();
    type Params = AttachmentsUploadParams;
    type Result = Vec<Attachment>;
}

/// Params of `attachments/upload`: `path` or `content`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AttachmentsUploadParams {
    /// Issue key or id.
    pub key: String,
    /// An absolute path of a local file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The file's bytes, base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// The name it gets in Jira (default: the path's file name; required with `content`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
    /// Default: from the name's extension.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    /// Profile to act as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// Downloads an attachment.
pub enum AttachmentsDownload {}
impl Request for AttachmentsDownload {
    const METHOD: &'static str = "attachments/download";
    const ANNOTATIONS: Annotations = Annotations::read("Download attachment");
    type Params = AttachmentsDownloadParams;
    type Result = Downloaded;
}

/// Params of `attachments/download`: `path`, or `inline: true`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AttachmentsDownloadParams {
    /// Attachment id.
    pub id: String,
    /// An absolute path to save it to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Replace a file already at `path`.
    #[serde(default)]
    pub overwrite: bool,
    /// Return the bytes as base64 (files up to `[limits] max_inline_attachment_bytes`).
    #[serde(default)]
    pub inline: bool,
    /// Profile to act as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// A downloaded attachment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Downloaded {
    pub id: String,
    pub filename: String,
    /// Bytes written or returned.
    pub size: u64,
    pub mime_type: Option<String>,
    /// Where it was saved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The bytes, base64, with `inline`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
}

/// Gets an attachment's thumbnail.
pub enum AttachmentsThumbnail {}
impl Request for AttachmentsThumbnail {
    const METHOD: &'static str = "attachments/thumbnail";
    const ANNOTATIONS: Annotations = Annotations::read("Attachment thumbnail");
    type Params = AttachmentsThumbnailParams;
    type Result = Downloaded;
}

/// Params of `attachments/thumbnail`: `path`, or `inline: true`. Jira makes thumbnails of images
/// only; for any other attachment the answer is `notFound`, never a generic icon.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AttachmentsThumbnailParams {
    /// Attachment id.
    pub id: String,
    /// An absolute path to save the PNG to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Replace a file already at `path`.
    #[serde(default)]
    pub overwrite: bool,
    /// Return the PNG as base64.
    #[serde(default)]
    pub inline: bool,
    /// Largest width wanted, pixels (Cloud scales to it; Data Center has one size).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    /// Largest height wanted, pixels (Cloud only, as `width`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// Profile to act as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// Deletes an attachment.
pub enum AttachmentsDelete {}
impl Request for AttachmentsDelete {
    const METHOD: &'static str = "attachments/delete";
    const ANNOTATIONS: Annotations = Annotations::write("Delete attachment")
        .idempotent()
        .irreversible();
    type Params = AttachmentsDeleteParams;
    type Result = Empty;
}

/// Params of `attachments/delete`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AttachmentsDeleteParams {
    /// Attachment id.
    pub id: String,
    /// Profile to act as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

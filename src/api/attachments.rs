//! `attachments/list`, `attachments/upload`, `attachments/download`, `attachments/thumbnail`,
//! `attachments/delete`: params to `service/attachments.rs` (which streams the bytes) and back.

use super::{jira, ApiError};
use crate::rpc::Routes;
use crate::rpc::{Ctx, Register};
use crate::service::attachments;
use crate::service::state::AppState;
use jirad_protocol::attachments::*;
use jirad_protocol::issues::Empty;

/// Registers the family.
pub fn register_all(m: &mut Routes<AppState>) {
    m.request::<AttachmentsList>(list)
        .request::<AttachmentsUpload>(upload)
        .request::<AttachmentsDownload>(download)
        .request::<AttachmentsThumbnail>(thumbnail)
        .request::<AttachmentsDelete>(delete);
}

async fn list(p: AttachmentsListParams, cx: Ctx<AppState>) -> Result<Vec<Attachment>, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    attachments::list(&s, &p.key).await
}

async fn upload(
    p: AttachmentsUploadParams,
    cx: Ctx<AppState>,
) -> Result<Vec<Attachment>, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    attachments::upload(&cx.app, &s, &p).await
}

async fn download(p: AttachmentsDownloadParams, cx: Ctx<AppState>) -> Result<Downloaded, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    attachments::download(&cx.app, &s, &p).await
}

async fn thumbnail(
    p: AttachmentsThumbnailParams,
    cx: Ctx<AppState>,
) -> Result<Downloaded, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    attachments::thumbnail(&cx.app, &s, &p).await
}

async fn delete(p: AttachmentsDeleteParams, cx: Ctx<AppState>) -> Result<Empty, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    attachments::delete(&cx.app, &s, &p.id).await?;
    Ok(Empty {})
}

//! `attachments/list`, `attachments/upload`, `attachments/download`, `attachments/thumbnail`,
//! `attachments/delete`. Files go
//! between the user's disk and Jira in chunks; a download lands in a temporary file beside the
//! target and is renamed into place once complete, so a failed one leaves nothing half-written.

use super::projects::{text, user_ref};
use super::state::AppState;
use super::{issues, ApiError, JiraSession};
use crate::jira::attachments::Upload;
use crate::jira::JiraError;
use base64::Engine;
use futures::StreamExt;
use jirad_protocol::attachments::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use tokio::io::AsyncWriteExt;

fn attachment_of(a: &Value) -> Attachment {
    Attachment {
        id: text(&a["id"]),
        filename: text(&a["filename"]),
        size: a["size"].as_u64().unwrap_or(0),
        mime_type: a["mimeType"].as_str().map(str::to_owned),
        author: user_ref(&a["author"]),
        created: a["created"].as_str().map(str::to_owned),
    }
}

/// An issue's attachments.
pub async fn list(s: &JiraSession, key: &str) -> Result<Vec<Attachment>, ApiError> {
    Ok(s.client
        .attachments(key)
        .await?
        .iter()
        .map(attachment_of)
        .collect())
}

/// An absolute path, or `invalidFields` naming `field`: the daemon's working directory means
/// nothing to its clients.
fn absolute(path: &str, field: &str) -> Result<PathBuf, ApiError> {
    let p = PathBuf::from(path);
    if p.is_absolute() {
        Ok(p)
    } else {
        Err(JiraError::invalid_field(field, format!("'{path}' is not an absolute path")).into())
    }
}

/// A MIME type from a file name's extension.
fn mime_of(name: &str) -> &'static str {
    let ext = Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    match ext.as_str() {
        "txt" | "log" => "text/plain",
        "md" => "text/markdown",
        "csv" => "text/csv",
        "json" => "application/json",
        "html" | "htm" => "text/html",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "svg" => "image/svg+xml",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        _ => "application/octet-stream",
    }
}

/// Attaches a file (an absolute path on this machine) or inline base64 content to an issue,
/// refused before a byte is sent when the site's limit is smaller.
pub async fn upload(
    app: &AppState,
    s: &JiraSession,
    p: &AttachmentsUploadParams,
) -> Result<Vec<Attachment>, ApiError> {
    let (source, name, size) = match (&p.path, &p.content) {
        (Some(path), None) => {
            let path = absolute(path, "path")?;
            let meta = std::fs::metadata(&path).map_err(|e| {
                ApiError::from(JiraError::invalid_field(
                    "path",
                    format!("cannot read {}: {e}", path.display()),
                ))
            })?;
            if !meta.is_file() {
                return Err(JiraError::invalid_field(
                    "path",
                    format!("{} is not a file", path.display()),
                )
                .into());
            }
            let name = p
                .filename
                .clone()
                .or_else(|| path.file_name().and_then(|n| n.to_str()).map(str::to_owned));
            (Upload::File(path), name, meta.len())
        }
        (None, Some(content)) => {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(content.trim())
                .map_err(|e| {
                    ApiError::from(JiraError::invalid_field(
                        "content",
                        format!("not base64: {e}"),
                    ))
                })?;
            let size = bytes.len() as u64;
            (Upload::Bytes(bytes), p.filename.clone(), size)
        }
        _ => {
            return Err(JiraError::invalid_field("path", "give either path or content").into());
        }
    };
    let Some(name) = name.filter(|n| !n.is_empty()) else {
        return Err(
            JiraError::invalid_field("filename", "a name is needed for inline content").into(),
        );
    };
    // Refused before a byte is sent, with the limit, rather than after a long upload.
    if let Some(limit) = s.client.upload_limit().await? {
        if size > limit {
            return Err(JiraError::invalid_field(
                "path",
                format!(
                    "{name} is {size} bytes; this site takes attachments of at most {limit} bytes"
                ),
            )
            .into());
        }
    }
    let mime = p
        .mime_type
        .clone()
        .unwrap_or_else(|| mime_of(&name).to_owned());
    let made = s
        .client
        .upload_attachment(&p.key, &source, &name, &mime)
        .await;
    issues::touched(app, s, &[&p.key]);
    Ok(made?.iter().map(attachment_of).collect())
}

/// Where a download goes: a path (absolute, not over an existing file unless `overwrite`), or
/// inline (`None`).
fn target_of(
    path: &Option<String>,
    inline: bool,
    overwrite: bool,
) -> Result<Option<PathBuf>, ApiError> {
    let target = match (path, inline) {
        (Some(path), false) => Some(absolute(path, "path")?),
        (None, true) => None,
        _ => {
            return Err(JiraError::invalid_field("path", "give either path or inline: true").into())
        }
    };
    if let Some(t) = &target {
        if !overwrite && t.exists() {
            return Err(JiraError::invalid_field(
                "path",
                format!("{} exists; pass overwrite: true to replace it", t.display()),
            )
            .into());
        }
    }
    Ok(target)
}

/// Downloads an attachment to a path or inline.
pub async fn download(
    app: &AppState,
    s: &JiraSession,
    p: &AttachmentsDownloadParams,
) -> Result<Downloaded, ApiError> {
    let target = target_of(&p.path, p.inline, p.overwrite)?;
    let meta = s.client.attachment(&p.id).await?;
    let a = attachment_of(&meta);
    let max_inline = app.config.limits.max_inline_attachment_bytes;
    if target.is_none() && a.size > max_inline {
        return Err(JiraError::invalid_field(
            "inline",
            format!(
                "{} is {} bytes, over the {max_inline}-byte inline limit; save it to a path",
                a.filename, a.size
            ),
        )
        .into());
    }
    let content_url = text(&meta["content"]);
    let chunks = s.client.download_attachment(&content_url).await?;
    let done = Downloaded {
        id: a.id.clone(),
        filename: a.filename.clone(),
        size: 0,
        mime_type: a.mime_type.clone(),
        path: None,
        content: None,
    };
    deliver(chunks, target, p.overwrite, max_inline, done).await
}

/// Downloads an image attachment's thumbnail (a PNG) to a path or inline.
pub async fn thumbnail(
    app: &AppState,
    s: &JiraSession,
    p: &AttachmentsThumbnailParams,
) -> Result<Downloaded, ApiError> {
    let target = target_of(&p.path, p.inline, p.overwrite)?;
    let meta = s.client.attachment(&p.id).await?;
    let a = attachment_of(&meta);
    let Some(url) = s.client.thumbnail_url(&p.id, &meta, p.width, p.height)? else {
        let mut m = crate::jira::JiraMessages::default();
        m.error_messages.push(format!(
            "attachment {} ({}) has no thumbnail: Jira makes them for images only",
            a.id,
            a.mime_type.as_deref().unwrap_or("unknown type")
        ));
        return Err(JiraError::NotFound(m).into());
    };
    let chunks = s.client.download_attachment(&url).await?;
    let done = Downloaded {
        id: a.id.clone(),
        filename: format!("_thumb_{}.png", a.id),
        size: 0,
        mime_type: Some("image/png".into()),
        path: None,
        content: None,
    };
    let max_inline = app.config.limits.max_inline_attachment_bytes;
    deliver(chunks, target, p.overwrite, max_inline, done).await
}

/// Streams `chunks` into a file beside `target`, renamed into place once complete, or (no
/// target) into base64 of at most `max_inline` bytes; `done` is filled in with the outcome.
async fn deliver(
    chunks: impl futures::Stream<Item = Result<bytes::Bytes, JiraError>>,
    target: Option<PathBuf>,
    overwrite: bool,
    max_inline: u64,
    mut done: Downloaded,
) -> Result<Downloaded, ApiError> {
    let mut chunks = Box::pin(chunks);
    let Some(target) = target else {
        let mut bytes = Vec::new();
        while let Some(chunk) = chunks.next().await {
            let chunk = chunk?;
            if (bytes.len() + chunk.len()) as u64 > max_inline {
                return Err(JiraError::invalid_field(
                    "inline",
                    format!("the file is larger than the {max_inline}-byte inline limit; save it to a path"),
                )
                .into());
            }
            bytes.extend_from_slice(&chunk);
        }
        done.size = bytes.len() as u64;
        done.content = Some(base64::engine::general_purpose::STANDARD.encode(bytes));
        return Ok(done);
    };
    let part = partial_path(&target);
    let written = async {
        let mut file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&part)
            .await
            .map_err(|e| {
                JiraError::invalid_field("path", format!("cannot write {}: {e}", part.display()))
            })?;
        let mut size = 0u64;
        while let Some(chunk) = chunks.next().await {
            let chunk = chunk?;
            file.write_all(&chunk).await.map_err(|e| {
                JiraError::invalid_field("path", format!("writing {}: {e}", part.display()))
            })?;
            size += chunk.len() as u64;
        }
        file.sync_all().await.map_err(|e| {
            JiraError::invalid_field("path", format!("writing {}: {e}", part.display()))
        })?;
        Ok::<u64, JiraError>(size)
    }
    .await;
    let size = match written {
        Ok(n) => n,
        Err(e) => {
            let _ = std::fs::remove_file(&part);
            return Err(e.into());
        }
    };
    if !overwrite && target.exists() {
        let _ = std::fs::remove_file(&part);
        return Err(JiraError::invalid_field(
            "path",
            format!(
                "{} appeared during the download; pass overwrite: true to replace it",
                target.display()
            ),
        )
        .into());
    }
    std::fs::rename(&part, &target).map_err(|e| {
        let _ = std::fs::remove_file(&part);
        ApiError::from(JiraError::invalid_field(
            "path",
            format!("cannot write {}: {e}", target.display()),
        ))
    })?;
    done.size = size;
    done.path = Some(target.display().to_string());
    Ok(done)
}

/// A temporary name beside `target`, so the final rename stays on one file system.
fn partial_path(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    target.with_file_name(format!(".{name}.jirad-{}.part", std::process::id()))
}

/// Deletes an attachment by id.
pub async fn delete(app: &AppState, s: &JiraSession, id: &str) -> Result<(), ApiError> {
    let deleted = s.client.delete_attachment(id).await;
    // Jira does not say whose attachment it was: no cached issue may still list it.
    issues::touched_somewhere(app, s);
    deleted?;
    Ok(())
}

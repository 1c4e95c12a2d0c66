//! Attachments: upload (multipart, the XSRF token header, the per-site size limit), metadata,
//! download (Cloud: a 303 to a short-lived media URL on another path, fetched without the
//! Authorization header; Data Center: served directly), thumbnails of images (the same two ways;
//! Cloud falls back to a generic icon unless `fallbackToDefault=false`), delete, and the issue's
//! `attachment` field.

use std::sync::Arc;

use axum::http::{header, HeaderValue, StatusCode};
use serde_json::{json, Value};

use crate::render::{self, Ctx, Flavor};
use crate::store::{Attachment, Inner};
use crate::util::{empty, issue_404, jira_err, jira_time, json_resp, Resp};

/// Cloud's default per-file limit (1 GB).
pub const CLOUD_LIMIT: u64 = 1 << 30;
/// Data Center's default per-file limit (10 MiB).
pub const DC_LIMIT: u64 = 10 << 20;
/// Cloud refuses more files than this in one request.
const MAX_FILES: usize = 60;

/// An image attachment's thumbnail: a real 4x3 PNG.
pub const THUMBNAIL: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x03, 0x08, 0x02, 0x00, 0x00, 0x00, 0x3b, 0x96, 0x39,
    0x91, 0x00, 0x00, 0x00, 0x10, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0xd0, 0x88, 0x3a, 0x01,
    0x47, 0x0c, 0x38, 0x39, 0x00, 0x26, 0x5a, 0x0f, 0x79, 0x04, 0x53, 0xfe, 0x85, 0x00, 0x00, 0x00,
    0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// Cloud's generic thumbnail for an attachment that has none: a 2x2 grey PNG.
pub const DEFAULT_THUMBNAIL: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x08, 0x02, 0x00, 0x00, 0x00, 0xfd, 0xd4, 0x9a,
    0x73, 0x00, 0x00, 0x00, 0x0e, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0x68, 0x00, 0x03, 0x06,
    0x08, 0x05, 0x00, 0x2a, 0x0e, 0x06, 0x01, 0x08, 0xf6, 0x0c, 0xa1, 0x00, 0x00, 0x00, 0x00, 0x49,
    0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// Jira makes thumbnails of images only.
fn has_thumbnail(a: &Attachment) -> bool {
    a.mime.starts_with("image/")
}

/// The per-file upload limit of this flavour.
pub fn limit(ctx: &Ctx) -> u64 {
    match ctx.flavor {
        Flavor::Cloud => CLOUD_LIMIT,
        Flavor::Dc => DC_LIMIT,
    }
}

/// Attachment JSON as an issue's `attachment` field and the upload answer show it (`id` a string).
pub fn json_of(ctx: &Ctx, inner: &Inner, a: &Attachment) -> Value {
    let author = inner
        .user(&a.author)
        .map(|u| render::user(ctx, u))
        .unwrap_or(Value::Null);
    let content = match ctx.flavor {
        Flavor::Cloud => format!("{}/attachment/content/{}", ctx.base, a.id),
        Flavor::Dc => format!("{}/secure/attachment/{}/{}", ctx.root, a.id, a.filename),
    };
    let mut v = json!({"self": format!("{}/attachment/{}", ctx.base, a.id), "id": a.id.to_string(),
           "filename": a.filename, "author": author, "created": jira_time(a.created),
           "size": a.content.len(), "mimeType": a.mime, "content": content});
    if has_thumbnail(a) {
        v["thumbnail"] = json!(match ctx.flavor {
            Flavor::Cloud => format!("{}/attachment/thumbnail/{}", ctx.base, a.id),
            Flavor::Dc => format!("{}/secure/thumbnail/{}/_thumb_{}.png", ctx.root, a.id, a.id),
        });
    }
    v
}

/// `GET /attachment/meta`.
pub fn meta(ctx: &Ctx) -> Resp {
    json_resp(
        StatusCode::OK,
        &json!({"enabled": true, "uploadLimit": limit(ctx)}),
    )
}

/// The `file` parts of a multipart body: `(filename, content type, bytes)`.
fn file_parts<'a>(content_type: &str, body: &'a [u8]) -> Option<Vec<(String, String, &'a [u8])>> {
    let boundary = content_type
        .split(';')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("boundary="))?
        .trim_matches('"');
    let delimiter = format!("--{boundary}");
    let d = delimiter.as_bytes();
    let find = |hay: &[u8], from: usize, needle: &[u8]| {
        hay.get(from..)?
            .windows(needle.len())
            .position(|w| w == needle)
            .map(|p| p + from)
    };
    let mut out = Vec::new();
    let mut at = find(body, 0, d)? + d.len();
    loop {
        if body.get(at..at + 2) == Some(b"--") {
            return Some(out);
        }
        let head_start = at + 2; // past CRLF
        let head_end = find(body, head_start, b"\r\n\r\n")?;
        let head = String::from_utf8_lossy(&body[head_start..head_end]).to_string();
        let data_start = head_end + 4;
        let next = find(body, data_start, d)?;
        let data = &body[data_start..next.checked_sub(2)?];
        let lower = head.to_ascii_lowercase();
        if lower.contains("name=\"file\"") {
            let filename = head
                .split(';')
                .map(str::trim)
                .find_map(|p| p.strip_prefix("filename="))
                .map(|f| f.lines().next().unwrap_or("").trim_matches('"').to_owned())
                .unwrap_or_else(|| "file".into());
            let mime = head
                .lines()
                .find_map(|l| {
                    l.split_once(':')
                        .filter(|(k, _)| k.eq_ignore_ascii_case("content-type"))
                        .map(|(_, v)| v.trim().to_owned())
                })
                .unwrap_or_else(|| "application/octet-stream".into());
            out.push((filename, mime, data));
        }
        at = next + d.len();
    }
}

/// `POST /issue/{k}/attachments` → 200 with an array of attachments.
pub fn upload(
    ctx: &Ctx,
    inner: &mut Inner,
    key: &str,
    content_type: &str,
    no_check: bool,
    body: &[u8],
) -> Resp {
    if !no_check {
        let mut r = crate::util::html(StatusCode::FORBIDDEN, "XSRF check failed".into());
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain;charset=UTF-8"),
        );
        return r;
    }
    let Some(id) = inner.find(key) else {
        return issue_404();
    };
    if !content_type.starts_with("multipart/form-data") {
        return jira_err(StatusCode::UNSUPPORTED_MEDIA_TYPE, "Unsupported Media Type");
    }
    let Some(files) = file_parts(content_type, body).filter(|f| !f.is_empty()) else {
        return jira_err(StatusCode::BAD_REQUEST, "No file was found in the request.");
    };
    if files.len() > MAX_FILES {
        return jira_err(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Too many files in one request.",
        );
    }
    let cap = limit(ctx);
    if let Some((name, _, _)) = files.iter().find(|f| f.2.len() as u64 > cap) {
        return jira_err(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("The file {name} is larger than the attachment size limit of {cap} bytes."),
        );
    }
    let now = inner.now();
    let mut made = Vec::new();
    for (filename, mime, data) in files {
        let aid = inner.next_attachment_id;
        inner.next_attachment_id += 1;
        let a = Attachment {
            id: aid,
            issue: id,
            filename,
            mime,
            author: ctx.me.clone(),
            created: now,
            content: Arc::new(data.to_vec()),
            media_token: crate::util::random_token("media", 24),
        };
        made.push(json_of(ctx, inner, &a));
        inner.attachments.push(a);
    }
    if let Some(i) = inner.issues.get_mut(&id) {
        i.updated = now;
    }
    json_resp(StatusCode::OK, &Value::Array(made))
}

fn no_attachment(id: &str) -> Resp {
    jira_err(
        StatusCode::NOT_FOUND,
        &format!("The attachment with id '{id}' does not exist"),
    )
}

/// `GET /attachment/{id}` (AttachmentMetadata: `id` a number).
pub fn get(ctx: &Ctx, inner: &Inner, id: &str) -> Resp {
    match inner.attachments.iter().find(|a| a.id.to_string() == id) {
        Some(a) => {
            let mut v = json_of(ctx, inner, a);
            v["id"] = json!(a.id);
            json_resp(StatusCode::OK, &v)
        }
        None => no_attachment(id),
    }
}

/// `DELETE /attachment/{id}`.
pub fn delete(inner: &mut Inner, id: &str) -> Resp {
    let before = inner.attachments.len();
    inner.attachments.retain(|a| a.id.to_string() != id);
    if inner.attachments.len() == before {
        return no_attachment(id);
    }
    empty(StatusCode::NO_CONTENT)
}

/// A PNG as a download.
fn png(bytes: &'static [u8]) -> Resp {
    let mut r = axum::response::Response::new(axum::body::Body::from(bytes));
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
    r
}

/// `GET /attachment/thumbnail/{id}?redirect=&fallbackToDefault=&width=&height=` (Cloud): a 303
/// to the media URL, or the PNG with `redirect=false`. An attachment without a thumbnail gets
/// the generic one, or a 404 with `fallbackToDefault=false`.
pub fn thumbnail(ctx: &Ctx, inner: &Inner, id: &str, q: &crate::util::Query) -> Resp {
    for k in ["width", "height"] {
        if let Err(r) = q.int(k, 0) {
            return r;
        }
    }
    let flag = |k: &str| q.get(k) != Some("false");
    let Some(a) = inner.attachments.iter().find(|a| a.id.to_string() == id) else {
        return no_attachment(id);
    };
    if !has_thumbnail(a) && !flag("fallbackToDefault") {
        return jira_err(
            StatusCode::NOT_FOUND,
            &format!("The thumbnail of attachment with id '{id}' could not be found."),
        );
    }
    if !flag("redirect") {
        return thumbnail_of(a);
    }
    media_redirect(ctx, a, "image")
}

/// The thumbnail, or the generic one.
fn thumbnail_of(a: &Attachment) -> Resp {
    png(if has_thumbnail(a) {
        THUMBNAIL
    } else {
        DEFAULT_THUMBNAIL
    })
}

/// `GET /media/file/{id}/image?token=` (the media host): the thumbnail, for the token alone.
pub fn media_image(inner: &Inner, id: &str, token: Option<&str>) -> Resp {
    match inner.attachments.iter().find(|a| a.id.to_string() == id) {
        Some(a) if token == Some(a.media_token.as_str()) => thumbnail_of(a),
        Some(_) => jira_err(StatusCode::UNAUTHORIZED, "Invalid or expired token."),
        None => no_attachment(id),
    }
}

/// `GET /secure/thumbnail/{id}/_thumb_{id}.png` (Data Center): images only.
pub fn secure_thumbnail(inner: &Inner, id: &str) -> Resp {
    match inner.attachments.iter().find(|a| a.id.to_string() == id) {
        Some(a) if has_thumbnail(a) => png(THUMBNAIL),
        _ => no_attachment(id),
    }
}

/// The bytes as a download.
fn bytes_of(a: &Attachment) -> Resp {
    let mut r = axum::response::Response::new(axum::body::Body::from(bytes::Bytes::from_owner(
        ArcBytes(a.content.clone()),
    )));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&a.mime)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    r
}

/// Lets the stored bytes back a response body without a copy.
struct ArcBytes(Arc<Vec<u8>>);

impl AsRef<[u8]> for ArcBytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// `GET /attachment/content/{id}` (Cloud): 303 to the media URL, unless `redirect=false`.
pub fn content(ctx: &Ctx, inner: &Inner, id: &str, redirect: bool) -> Resp {
    let Some(a) = inner.attachments.iter().find(|a| a.id.to_string() == id) else {
        return no_attachment(id);
    };
    if !redirect {
        return bytes_of(a);
    }
    media_redirect(ctx, a, "binary")
}

/// A 303 to the media host's short-lived URL of the attachment's `what` (`binary` or `image`).
fn media_redirect(ctx: &Ctx, a: &Attachment, what: &str) -> Resp {
    let host_root = ctx
        .root
        .rsplit_once('/')
        .map_or(ctx.root.as_str(), |(h, _)| h);
    let location = format!(
        "{host_root}/media/file/{}/{what}?token={}",
        a.id, a.media_token
    );
    let mut r = empty(StatusCode::SEE_OTHER);
    if let Ok(v) = HeaderValue::from_str(&location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

/// `GET /media/file/{id}/binary?token=` (the media host): the bytes, for the token alone.
pub fn media(inner: &Inner, id: &str, token: Option<&str>) -> Resp {
    match inner.attachments.iter().find(|a| a.id.to_string() == id) {
        Some(a) if token == Some(a.media_token.as_str()) => bytes_of(a),
        Some(_) => jira_err(StatusCode::UNAUTHORIZED, "Invalid or expired token."),
        None => no_attachment(id),
    }
}

/// `GET /secure/attachment/{id}/{name}` (Data Center): the bytes.
pub fn secure(inner: &Inner, id: &str) -> Resp {
    match inner.attachments.iter().find(|a| a.id.to_string() == id) {
        Some(a) => bytes_of(a),
        None => no_attachment(id),
    }
}

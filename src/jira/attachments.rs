//! Attachments: metadata, streamed upload (multipart, `X-Atlassian-Token: no-check`) and streamed
//! download (Cloud redirects to its media service, Data Center serves the bytes itself). Bodies go
//! through in chunks: a file of any size costs the daemon a few buffers, never its whole length.

use std::path::PathBuf;

use bytes::Bytes;
use futures::{Stream, StreamExt};
use reqwest::Method;
use serde_json::Value;

use super::client::JiraClient;
use super::http::Call;
use super::meta::MetaKey;
use super::JiraError;

/// What to upload.
pub enum Upload {
    /// A local file, read as it is sent.
    File(PathBuf),
    /// Bytes the caller sent inline.
    Bytes(Vec<u8>),
}

impl JiraClient {
    /// The site's per-file upload limit, if it says; kept with the site's other metadata.
    pub async fn upload_limit(&self) -> Result<Option<u64>, JiraError> {
        let key = MetaKey::Other("attachment/meta".into());
        let meta = match self.meta.get(&key) {
            Some(v) => v,
            None => {
                let v = self
                    .get(&["attachment", "meta"], &[], "attachment/meta")
                    .await?;
                self.meta.put(key, vec![v])
            }
        };
        Ok(meta.first().and_then(|v| v["uploadLimit"].as_u64()))
    }

    /// An issue's attachments (its `attachment` field).
    pub async fn attachments(&self, key: &str) -> Result<Vec<Value>, JiraError> {
        let v = self.get_issue(key, &["attachment".into()], &[]).await?;
        Ok(v["fields"]["attachment"]
            .as_array()
            .cloned()
            .unwrap_or_default())
    }

    /// `GET attachment/{id}`.
    pub async fn attachment(&self, id: &str) -> Result<Value, JiraError> {
        self.get(&["attachment", id], &[], "attachment/{id}").await
    }

    /// `DELETE attachment/{id}`.
    pub async fn delete_attachment(&self, id: &str) -> Result<(), JiraError> {
        let call = Call::new(
            Method::DELETE,
            self.url(&["attachment", id], &[])?,
            "attachment/{id}",
        );
        self.send(call).await.map(drop)
    }

    /// Uploads one file to an issue; answers Jira's attachment objects.
    pub async fn upload_attachment(
        &self,
        key: &str,
        upload: &Upload,
        filename: &str,
        mime: &str,
    ) -> Result<Vec<Value>, JiraError> {
        let boundary = format!("jirad-{}", rand_boundary());
        // Quotes and line breaks would end the header early.
        let safe: String = filename
            .chars()
            .map(|c| {
                if matches!(c, '"' | '\r' | '\n' | '\\') {
                    '_'
                } else {
                    c
                }
            })
            .collect();
        let head = Bytes::from(format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{safe}\"\r\nContent-Type: {mime}\r\n\r\n"
        ));
        let tail = Bytes::from(format!("\r\n--{boundary}--\r\n"));
        let content_type = format!("multipart/form-data; boundary={boundary}");
        let url = self.url(&["issue", key, "attachments"], &[])?;
        let body = || -> Result<Option<reqwest::Body>, JiraError> {
            Ok(Some(reqwest::Body::wrap_stream(multipart(
                head.clone(),
                upload,
                tail.clone(),
            )?)))
        };
        let resp = self
            .http
            .transfer(
                Method::POST,
                url,
                Some(&content_type),
                &[("X-Atlassian-Token", "no-check")],
                body,
                self.auth.as_ref(),
            )
            .await?;
        let text = resp.text().await.map_err(|e| {
            JiraError::UpstreamUnavailable(format!("reading the upload's answer: {e}"))
        })?;
        let v: Value = serde_json::from_str(&text)
            .map_err(|e| JiraError::Protocol(format!("the upload's answer: {e}")))?;
        Ok(v.as_array().cloned().unwrap_or_default())
    }

    /// Where an attachment's thumbnail is, from its metadata (`None`: it has none; Jira makes
    /// them for images only). Cloud's is the REST route, asked to scale and to answer 404
    /// rather than a generic icon; Data Center's is a plain URL of one size.
    pub fn thumbnail_url(
        &self,
        id: &str,
        meta: &Value,
        width: Option<u32>,
        height: Option<u32>,
    ) -> Result<Option<String>, JiraError> {
        let Some(given) = meta["thumbnail"].as_str() else {
            return Ok(None);
        };
        match self.site.flavor {
            super::Flavor::Cloud => {
                let size = |v: Option<u32>| v.map(|n| n.to_string()).unwrap_or_default();
                let url = self.url(
                    &["attachment", "thumbnail", id],
                    &[
                        ("fallbackToDefault", "false".to_owned()),
                        ("width", size(width)),
                        ("height", size(height)),
                    ],
                )?;
                Ok(Some(url.to_string()))
            }
            super::Flavor::DataCenter => Ok(Some(given.to_owned())),
        }
    }

    /// The bytes at an attachment's `content` (or `thumbnail`) URL, as they arrive.
    pub async fn download_attachment(
        &self,
        content_url: &str,
    ) -> Result<impl Stream<Item = Result<Bytes, JiraError>>, JiraError> {
        let url = url::Url::parse(content_url)
            .map_err(|e| JiraError::Protocol(format!("attachment URL: {e}")))?;
        let resp = self
            .http
            .transfer(Method::GET, url, None, &[], || Ok(None), self.auth.as_ref())
            .await?;
        Ok(resp.bytes_stream().map(|chunk| {
            chunk.map_err(|e| JiraError::UpstreamUnavailable(format!("attachment download: {e}")))
        }))
    }
}

/// The multipart body: the part's head, the file as it is read, the closing boundary.
fn multipart(
    head: Bytes,
    upload: &Upload,
    tail: Bytes,
) -> Result<impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static, JiraError> {
    let middle: futures::stream::BoxStream<'static, Result<Bytes, std::io::Error>> = match upload {
        Upload::Bytes(b) => {
            futures::stream::once(std::future::ready(Ok(Bytes::from(b.clone())))).boxed()
        }
        Upload::File(path) => {
            let file = std::fs::File::open(path).map_err(|e| {
                JiraError::invalid_field("path", format!("cannot read {}: {e}", path.display()))
            })?;
            tokio_util::io::ReaderStream::with_capacity(tokio::fs::File::from_std(file), 64 << 10)
                .boxed()
        }
    };
    Ok(futures::stream::once(std::future::ready(Ok(head)))
        .chain(middle)
        .chain(futures::stream::once(std::future::ready(Ok(tail)))))
}

/// A boundary no file will contain by chance.
fn rand_boundary() -> String {
    use rand::Rng;
    let mut r = rand::rng();
    (0..24)
        .map(|_| char::from(b"abcdefghijklmnopqrstuvwxyz0123456789"[r.random_range(0..36)]))
        .collect()
}

//! The object store for uploaded documents (and, later, chat attachments): a local
//! folder (`<data-dir>/objects`) or an S3 bucket. Objects are addressed by the SHA-256 of
//! their bytes, so storing the same file twice is one object and a location names its
//! content for good. Events carry the location as a URL (`file:///...` or
//! `s3://bucket/key`), never the bytes.

use crate::config::S3Settings;
use crate::{DataDir, StorageError};
use bytes::Bytes;
use object_store::path::Path as StorePath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// The `objects` section.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ObjectsConfig {
    /// Unset for `<data-dir>/objects`, or `s3://bucket/prefix` (see `[objects.s3]`).
    pub url: Option<String>,
    /// How to reach an `s3://` store.
    pub s3: S3Settings,
}

/// Where objects are kept.
#[derive(Clone)]
pub struct Objects {
    store: Arc<dyn ObjectStore>,
    /// The URL of the store's root (`file:///abs/dir/` or `s3://bucket/`).
    base: url::Url,
    /// Folder inside the store.
    prefix: String,
}

impl std::fmt::Debug for Objects {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Objects({}{})", self.base, self.prefix)
    }
}

/// Lower-case hex SHA-256 of bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl ObjectsConfig {
    /// The store this configuration names.
    pub fn open(&self, data: &DataDir) -> Result<Objects, StorageError> {
        match self.url.as_deref().map(str::trim) {
            None | Some("") => Objects::local(&data.objects()),
            Some(text) => {
                let invalid = |message: String| StorageError::Config {
                    message: format!("objects.url {text:?}: {message}"),
                };
                let url = url::Url::parse(text).map_err(|e| invalid(e.to_string()))?;
                match url.scheme() {
                    "file" => Objects::local(
                        &url.to_file_path()
                            .map_err(|()| invalid("not a local path".into()))?,
                    ),
                    "s3" | "s3a" => {
                        let bucket = url.host_str().filter(|b| !b.is_empty()).ok_or_else(|| {
                            invalid("names no bucket (s3://bucket/prefix)".into())
                        })?;
                        let store = self.s3.store(bucket).map_err(invalid)?;
                        let base = url::Url::parse(&format!("s3://{bucket}/"))
                            .map_err(|e| invalid(e.to_string()))?;
                        Ok(Objects {
                            store: Arc::new(store),
                            base,
                            prefix: url.path().trim_matches('/').to_string(),
                        })
                    }
                    other => Err(invalid(format!(
                        "the scheme {other}:// is not supported: use s3://bucket/prefix, or leave it unset for <data-dir>/objects"
                    ))),
                }
            }
        }
    }
}

impl Objects {
    /// Objects in a local folder (created if needed).
    pub fn local(dir: &std::path::Path) -> Result<Self, StorageError> {
        let failed = |message: String| StorageError::DataDir {
            path: dir.display().to_string(),
            message,
        };
        std::fs::create_dir_all(dir).map_err(|e| failed(e.to_string()))?;
        let abs = dir.canonicalize().map_err(|e| failed(e.to_string()))?;
        let store = object_store::local::LocalFileSystem::new_with_prefix(&abs)
            .map_err(StorageError::object_store)?;
        let base = url::Url::from_directory_path(&abs)
            .map_err(|()| failed("not an absolute directory path".into()))?;
        Ok(Self {
            store: Arc::new(store),
            base,
            prefix: String::new(),
        })
    }

    fn key_of(&self, sha256: &str) -> String {
        let name = format!("sha256/{}/{}/{sha256}", &sha256[..2], &sha256[2..4]);
        if self.prefix.is_empty() {
            name
        } else {
            format!("{}/{name}", self.prefix)
        }
    }

    /// Stores bytes under their SHA-256 (once: an object already there is kept) and
    /// returns the hash and the object's location URL.
    pub async fn put(&self, bytes: Bytes) -> Result<(String, String), StorageError> {
        let sha = sha256_hex(&bytes);
        let key = self.key_of(&sha);
        let path = StorePath::from(key.as_str());
        let present = match self.store.head(&path).await {
            Ok(meta) => meta.size == bytes.len() as u64,
            Err(object_store::Error::NotFound { .. }) => false,
            Err(e) => return Err(StorageError::object_store(e)),
        };
        if !present {
            self.store
                .put(&path, PutPayload::from(bytes))
                .await
                .map_err(StorageError::object_store)?;
        }
        let location = self
            .base
            .join(&key)
            .map_err(|e| StorageError::Internal {
                message: format!("object location for {key}: {e}"),
            })?
            .to_string();
        Ok((sha, location))
    }

    /// The object's key inside this store, if `location` is one of its URLs.
    fn key_in(&self, location: &str) -> Result<StorePath, StorageError> {
        let foreign = || StorageError::ObjectStore {
            message: format!(
                "{location} is not in this object store ({}{})",
                self.base, self.prefix
            ),
        };
        let url = url::Url::parse(location).map_err(|_| foreign())?;
        let relative = self.base.make_relative(&url).ok_or_else(foreign)?;
        if relative.starts_with("..") || relative.starts_with('/') || relative.is_empty() {
            return Err(foreign());
        }
        let decoded = percent_encoding::percent_decode_str(&relative).decode_utf8_lossy();
        StorePath::parse(decoded.as_ref()).map_err(|_| foreign())
    }

    /// The bytes at `location`, refused when larger than `max_bytes`.
    pub async fn get(&self, location: &str, max_bytes: u64) -> Result<Bytes, StorageError> {
        let path = self.key_in(location)?;
        self.read(&path, location, max_bytes).await
    }

    /// The bytes stored under a SHA-256 (lower-case hex), refused when larger than
    /// `max_bytes`.
    pub async fn get_by_sha256(&self, sha256: &str, max_bytes: u64) -> Result<Bytes, StorageError> {
        if sha256.len() != 64 || !sha256.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(StorageError::ObjectStore {
                message: format!("{sha256:?} is not a SHA-256 in hex"),
            });
        }
        let key = self.key_of(sha256);
        self.read(&StorePath::from(key.as_str()), &key, max_bytes)
            .await
    }

    async fn read(
        &self,
        path: &StorePath,
        location: &str,
        max_bytes: u64,
    ) -> Result<Bytes, StorageError> {
        let meta = self
            .store
            .head(path)
            .await
            .map_err(StorageError::object_store)?;
        if meta.size > max_bytes {
            return Err(StorageError::ObjectStore {
                message: format!(
                    "{location} holds {} bytes, over the limit of {max_bytes}",
                    meta.size
                ),
            });
        }
        self.store
            .get(path)
            .await
            .map_err(StorageError::object_store)?
            .bytes()
            .await
            .map_err(StorageError::object_store)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn put_is_by_content_and_get_reads_it_back() {
        let dir = tempfile::tempdir().expect("temp dir");
        let objects = Objects::local(dir.path()).expect("opens");
        let (sha, location) = objects
            .put(Bytes::from_static(b"hello"))
            .await
            .expect("put");
        assert_eq!(
            sha,
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        assert!(location.starts_with("file:///"), "{location}");
        assert!(location.ends_with(
            "/sha256/2c/f2/2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        ));
        let (_, again) = objects
            .put(Bytes::from_static(b"hello"))
            .await
            .expect("put");
        assert_eq!(again, location);
        assert_eq!(objects.get(&location, 5).await.expect("get"), "hello");
        let err = objects.get(&location, 4).await.expect_err("over the limit");
        assert!(err.to_string().contains("over the limit of 4"), "{err}");
        let err = objects
            .get("file:///etc/passwd", 1 << 20)
            .await
            .expect_err("outside the store");
        assert!(
            err.to_string().contains("not in this object store"),
            "{err}"
        );
        let err = objects
            .get(&format!("{location}/../../../../x"), 1 << 20)
            .await
            .expect_err("escapes");
        assert!(err.to_string().contains("object store"), "{err}");
    }
}

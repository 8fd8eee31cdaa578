//! The layout of a data directory:
//!
//! ```text
//! <data-dir>/
//!   history/   Parquet history, one folder per topic, Hive-partitioned by date
//!   store/     the embedded hot store
//!   objects/   uploaded documents and attachments (the local object store)
//! ```

use crate::StorageError;
use std::path::{Path, PathBuf};

/// A data directory, created on open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataDir {
    root: PathBuf,
}

impl DataDir {
    /// Opens (creating if needed) a data directory and its sub-folders.
    pub fn open(root: impl AsRef<Path>) -> Result<Self, StorageError> {
        let dir = Self {
            root: root.as_ref().to_path_buf(),
        };
        for sub in [dir.history(), dir.store(), dir.objects()] {
            std::fs::create_dir_all(&sub).map_err(|e| StorageError::DataDir {
                path: sub.display().to_string(),
                message: e.to_string(),
            })?;
        }
        Ok(dir)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn history(&self) -> PathBuf {
        self.root.join("history")
    }

    pub fn store(&self) -> PathBuf {
        self.root.join("store")
    }

    pub fn objects(&self) -> PathBuf {
        self.root.join("objects")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_creates_the_layout_and_is_idempotent() {
        let tmp = std::env::temp_dir().join(format!("finstream-datadir-{}", std::process::id()));
        let d = DataDir::open(&tmp).expect("opens");
        assert!(d.history().is_dir() && d.store().is_dir() && d.objects().is_dir());
        assert_eq!(DataDir::open(&tmp).expect("opens again"), d);
        std::fs::remove_dir_all(&tmp).ok();
    }

    #[test]
    fn an_unusable_path_is_a_clear_error() {
        let file =
            std::env::temp_dir().join(format!("finstream-datadir-file-{}", std::process::id()));
        std::fs::write(&file, b"x").expect("write");
        let err = DataDir::open(&file).expect_err("a file is not a directory");
        assert!(err.to_string().contains(&file.display().to_string()));
        std::fs::remove_file(&file).ok();
    }
}

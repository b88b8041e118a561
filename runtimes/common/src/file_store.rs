//! `file:///dir`: the embedded default store, with exactly the S3 layout and semantics.
//!
//! Objects are files under the root (`bundles/<digest>`, `channels/<name>`,
//! `history/<name>/<generation>`). Every write goes to a temporary file under `.tmp/` and is
//! renamed into place, so readers never see a partial object. Bundles are linked into place
//! with `hard_link`, which fails when the target exists: a bundle is written once. A channel
//! write takes `.locks/<name>.lock` (created with `O_EXCL`) around its compare-and-swap so
//! concurrent publishers in different processes cannot both win; the ETag is the SHA-256 of
//! the pointer bytes, so it changes exactly when the content does.

use std::fs::{self, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use waygate_core::bundle::Digest;

use crate::store::{
    BundleSource, BundleStore, ChannelPointer, ETag, Fetched, Precondition, StoreError, bundle_key,
    channel_key, history_key, parse_pointer, pointer_bytes, validate_channel, validate_digest,
};

/// How long a channel lock may be held before another writer treats it as abandoned (a
/// publisher killed mid-write). A compare-and-swap holds it for milliseconds.
const STALE_LOCK: Duration = Duration::from_secs(30);
/// How long a writer waits for a busy channel lock before giving up.
const LOCK_WAIT: Duration = Duration::from_secs(20);

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// A store rooted at a directory. Cheap to clone; holds no open files.
#[derive(Debug, Clone)]
pub struct FileStore {
    root: PathBuf,
}

impl FileStore {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn path(&self, key: &str) -> PathBuf {
        self.root.join(key)
    }

    fn read(&self, key: &str) -> Result<Vec<u8>, StoreError> {
        fs::read(self.path(key)).map_err(|e| self.io_error(key, &e))
    }

    fn io_error(&self, key: &str, e: &io::Error) -> StoreError {
        let path = self.path(key);
        match e.kind() {
            io::ErrorKind::NotFound => StoreError::NotFound(key.to_owned()),
            io::ErrorKind::PermissionDenied => StoreError::AccessDenied {
                what: path.display().to_string(),
                message: format!("{e}; check the directory's owner and mode"),
            },
            _ => StoreError::Other(format!("{}: {e}", path.display())),
        }
    }

    /// Writes `bytes` to a fresh temporary file (synced) and returns its path.
    fn temp_with(&self, bytes: &[u8]) -> Result<PathBuf, StoreError> {
        let dir = self.root.join(".tmp");
        fs::create_dir_all(&dir).map_err(|e| self.io_error(".tmp", &e))?;
        let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!("{}.{n}", std::process::id()));
        let write = || -> io::Result<()> {
            let mut file = OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)?;
            file.write_all(bytes)?;
            file.sync_all()
        };
        write().map_err(|e| {
            let _ = fs::remove_file(&path);
            StoreError::Other(format!("{}: {e}", path.display()))
        })?;
        Ok(path)
    }

    /// Atomically replaces `key` with `bytes`.
    fn replace(&self, key: &str, bytes: &[u8]) -> Result<(), StoreError> {
        let target = self.path(key);
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent).map_err(|e| self.io_error(key, &e))?;
        }
        let temp = self.temp_with(bytes)?;
        fs::rename(&temp, &target).map_err(|e| {
            let _ = fs::remove_file(&temp);
            self.io_error(key, &e)
        })
    }

    /// Sorted names of the plain files in `dir` (relative to the root); none if it is absent.
    fn list(&self, dir: &str) -> Result<Vec<String>, StoreError> {
        let entries = match fs::read_dir(self.path(dir)) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(self.io_error(dir, &e)),
        };
        let mut names = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| self.io_error(dir, &e))?;
            let is_file = entry.file_type().is_ok_and(|t| t.is_file());
            if let (true, Ok(name)) = (is_file, entry.file_name().into_string()) {
                names.push(name);
            }
        }
        names.sort();
        Ok(names)
    }

    fn lock(&self, channel: &str) -> Result<ChannelLock, StoreError> {
        let dir = self.root.join(".locks");
        fs::create_dir_all(&dir).map_err(|e| self.io_error(".locks", &e))?;
        let path = dir.join(format!("{channel}.lock"));
        let started = SystemTime::now();
        let mut pause = Duration::from_millis(2);
        loop {
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(mut file) => {
                    // The holder's pid helps whoever has to clean up after a crash.
                    let _ = writeln!(file, "{}", std::process::id());
                    return Ok(ChannelLock { path });
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    if lock_is_stale(&path) {
                        let _ = fs::remove_file(&path);
                        continue;
                    }
                    if started.elapsed().unwrap_or_default() > LOCK_WAIT {
                        return Err(StoreError::Other(format!(
                            "channel {channel} is locked by {} for more than {}s; remove the file if no publisher is running",
                            path.display(),
                            LOCK_WAIT.as_secs()
                        )));
                    }
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(50));
                }
                Err(e) => return Err(self.io_error(".locks", &e)),
            }
        }
    }
}

fn lock_is_stale(path: &Path) -> bool {
    fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_some_and(|age| age > STALE_LOCK)
}

/// Removes the lock file when the compare-and-swap is over, however it ended.
struct ChannelLock {
    path: PathBuf,
}

impl Drop for ChannelLock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

fn etag_of(bytes: &[u8]) -> ETag {
    ETag(Digest::of(bytes).to_string())
}

impl BundleSource for FileStore {
    async fn channel(
        &self,
        channel: &str,
        if_none_match: Option<&ETag>,
    ) -> Result<Fetched<ChannelPointer>, StoreError> {
        validate_channel(channel)?;
        let key = channel_key(channel);
        let bytes = self.read(&key)?;
        let etag = etag_of(&bytes);
        if if_none_match == Some(&etag) {
            return Ok(Fetched::NotModified);
        }
        Ok(Fetched::Fresh {
            value: parse_pointer(&key, &bytes)?,
            etag,
        })
    }

    async fn bundle(&self, digest: &str) -> Result<Vec<u8>, StoreError> {
        validate_digest(digest)?;
        self.read(&bundle_key(digest))
    }
}

impl BundleStore for FileStore {
    async fn put_bundle(&self, digest: &str, bytes: &[u8]) -> Result<bool, StoreError> {
        validate_digest(digest)?;
        let key = bundle_key(digest);
        if Digest::of(bytes).to_string() != digest {
            return Err(StoreError::Invalid {
                key,
                message: "the bytes do not hash to the digest they are stored under".into(),
            });
        }
        let target = self.path(&key);
        if target.exists() {
            return Ok(false);
        }
        fs::create_dir_all(self.root.join("bundles")).map_err(|e| self.io_error(&key, &e))?;
        let temp = self.temp_with(bytes)?;
        // `hard_link` never replaces an existing file: a racing writer of the same digest
        // (necessarily the same bytes) simply finds it there.
        let linked = fs::hard_link(&temp, &target);
        let _ = fs::remove_file(&temp);
        match linked {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(false),
            Err(e) => Err(self.io_error(&key, &e)),
        }
    }

    async fn put_channel(
        &self,
        channel: &str,
        pointer: &ChannelPointer,
        precondition: &Precondition,
    ) -> Result<ETag, StoreError> {
        validate_channel(channel)?;
        validate_digest(&pointer.digest)?;
        let key = channel_key(channel);
        let bytes = pointer_bytes(pointer)?;
        let _lock = self.lock(channel)?;
        let current = match fs::read(self.path(&key)) {
            Ok(current) => Some(etag_of(&current)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(self.io_error(&key, &e)),
        };
        let holds = match precondition {
            Precondition::Absent => current.is_none(),
            Precondition::Matches(etag) => current.as_ref() == Some(etag),
        };
        if !holds {
            return Err(StoreError::PreconditionFailed { key });
        }
        self.replace(&key, &bytes)?;
        Ok(etag_of(&bytes))
    }

    async fn put_history(&self, channel: &str, pointer: &ChannelPointer) -> Result<(), StoreError> {
        validate_channel(channel)?;
        self.replace(
            &history_key(channel, pointer.generation),
            &pointer_bytes(pointer)?,
        )
    }

    async fn list_channels(&self) -> Result<Vec<String>, StoreError> {
        Ok(self
            .list("channels")?
            .into_iter()
            .filter(|name| validate_channel(name).is_ok())
            .collect())
    }

    async fn history(&self, channel: &str) -> Result<Vec<ChannelPointer>, StoreError> {
        validate_channel(channel)?;
        let dir = format!("history/{channel}");
        let mut out = Vec::new();
        for name in self.list(&dir)? {
            // Only `<generation:020>` names are entries; anything else is not ours.
            if name.len() != 20 || !name.bytes().all(|b| b.is_ascii_digit()) {
                continue;
            }
            let key = format!("{dir}/{name}");
            out.push(parse_pointer(&key, &self.read(&key)?)?);
        }
        Ok(out)
    }

    async fn list_bundles(&self) -> Result<Vec<String>, StoreError> {
        Ok(self
            .list("bundles")?
            .into_iter()
            .filter(|name| validate_digest(name).is_ok())
            .collect())
    }

    async fn delete_bundle(&self, digest: &str) -> Result<(), StoreError> {
        validate_digest(digest)?;
        let key = bundle_key(digest);
        fs::remove_file(self.path(&key)).map_err(|e| self.io_error(&key, &e))
    }
}

#[cfg(test)]
mod tests;

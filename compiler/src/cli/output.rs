//! All-or-nothing file output: every file is staged beside its target and renamed into
//! place only once all of them were written, so a failed command leaves nothing behind.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;

pub(crate) struct Staged {
    files: Vec<(PathBuf, PathBuf)>,
}

impl Staged {
    pub(crate) fn new() -> Self {
        Self { files: Vec::new() }
    }

    /// Writes `bytes` to a temporary file next to `path` (same directory, so the final
    /// rename is atomic). `mode` applies on Unix (0o600 for private keys).
    pub(crate) fn add(&mut self, path: &Path, bytes: &[u8], mode: u32) -> anyhow::Result<()> {
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = path
            .file_name()
            .with_context(|| format!("{} is not a file path", path.display()))?;
        let tmp = dir.join(format!(
            ".{}.tmp-{}",
            name.to_string_lossy(),
            std::process::id()
        ));
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
        #[cfg(not(unix))]
        let _ = mode;
        let result = options
            .open(&tmp)
            .and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()));
        if let Err(e) = result {
            let _ = fs::remove_file(&tmp);
            return Err(e).with_context(|| format!("cannot write {}", path.display()));
        }
        self.files.push((tmp, path.to_path_buf()));
        Ok(())
    }

    /// Moves every staged file into place.
    pub(crate) fn commit(mut self) -> anyhow::Result<()> {
        for (tmp, path) in std::mem::take(&mut self.files) {
            fs::rename(&tmp, &path)
                .with_context(|| format!("cannot move {} into place", path.display()))?;
        }
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        for (tmp, _) in &self.files {
            let _ = fs::remove_file(tmp);
        }
    }
}

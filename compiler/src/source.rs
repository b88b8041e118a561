//! Manifest sources: files and directories of multi-document YAML.

use std::fs;
use std::path::{Path, PathBuf};

use crate::CompileError;

/// One input file: its name (the path as given, used in error messages) and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub name: String,
    pub text: String,
}

/// Reads files and directories. Directories are walked recursively for `*.yaml` and
/// `*.yml` files, sorted by path so that the same tree always compiles the same way; a
/// file named explicitly is read whatever its extension. Hidden entries (`.git`) inside a
/// directory are skipped.
pub fn load_paths(paths: &[PathBuf]) -> Result<Vec<Source>, CompileError> {
    let mut sources = Vec::new();
    for path in paths {
        let metadata = fs::metadata(path).map_err(|e| read_error(path, &e))?;
        if metadata.is_dir() {
            let mut files = Vec::new();
            walk(path, &mut files)?;
            files.sort();
            for file in files {
                sources.push(read(&file)?);
            }
        } else {
            sources.push(read(path)?);
        }
    }
    Ok(sources)
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> Result<(), CompileError> {
    let entries = fs::read_dir(dir).map_err(|e| read_error(dir, &e))?;
    for entry in entries {
        let entry = entry.map_err(|e| read_error(dir, &e))?;
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        // Follow symlinks to files, but never into directories: a link cycle would
        // otherwise walk forever.
        let file_type = entry.file_type().map_err(|e| read_error(&path, &e))?;
        if file_type.is_dir() {
            walk(&path, files)?;
        } else if is_yaml(&path) && fs::metadata(&path).is_ok_and(|m| m.is_file()) {
            files.push(path);
        }
    }
    Ok(())
}

fn is_yaml(path: &Path) -> bool {
    path.extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("yaml") || ext.eq_ignore_ascii_case("yml"))
}

fn read(path: &Path) -> Result<Source, CompileError> {
    let bytes = fs::read(path).map_err(|e| read_error(path, &e))?;
    let text = String::from_utf8(bytes).map_err(|_| CompileError::Read {
        path: path.to_path_buf(),
        message: "not UTF-8 text".to_owned(),
    })?;
    Ok(Source {
        name: path.display().to_string(),
        text,
    })
}

fn read_error(path: &Path, e: &std::io::Error) -> CompileError {
    CompileError::Read {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

//! Why a compile failed. Every invalid input names the file, the document, the object and
//! the field, so a CI log points straight at the line to fix.

use std::fmt;
use std::path::PathBuf;

/// Where in the input an object came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The source's name (the file path as given).
    pub file: String,
    /// 0-based index of the YAML document in that file.
    pub document: usize,
    /// `Kind namespace/name` once the document got that far.
    pub object: Option<String>,
}

impl Location {
    pub(crate) fn new(file: &str, document: usize) -> Self {
        Self {
            file: file.to_owned(),
            document,
            object: None,
        }
    }

    pub(crate) fn with_object(&self, object: String) -> Self {
        Self {
            object: Some(object),
            ..self.clone()
        }
    }

    /// An error about `field` (a dotted path such as `spec.rules[0].matches[0].path.type`).
    pub(crate) fn invalid(
        &self,
        field: impl Into<String>,
        message: impl fmt::Display,
    ) -> CompileError {
        CompileError::Invalid {
            location: self.clone(),
            field: Some(field.into()),
            message: message.to_string(),
        }
    }

    /// An error about the document as a whole (YAML syntax, say).
    pub(crate) fn invalid_document(&self, message: impl fmt::Display) -> CompileError {
        CompileError::Invalid {
            location: self.clone(),
            field: None,
            message: message.to_string(),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: document {}", self.file, self.document)?;
        if let Some(object) = &self.object {
            write!(f, " ({object})")?;
        }
        Ok(())
    }
}

/// A reason the input cannot be compiled. Semantic problems (a missing backend, a route no
/// listener allows) are not errors: they become status conditions.
#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    #[error("{}: {message}", path.display())]
    Read { path: PathBuf, message: String },
    #[error("{location}: {}{message}", field_prefix(field.as_deref()))]
    Invalid {
        location: Location,
        field: Option<String>,
        message: String,
    },
    #[error("{location}: duplicate object; {object} is already defined in {first}")]
    Duplicate {
        location: Location,
        object: String,
        first: Box<Location>,
    },
}

fn field_prefix(field: Option<&str>) -> String {
    field.map(|f| format!("{f}: ")).unwrap_or_default()
}

/// A problem with one field found while lowering an object; the caller adds the location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub(crate) fn new(field: impl Into<String>, message: impl fmt::Display) -> Self {
        Self {
            field: field.into(),
            message: message.to_string(),
        }
    }

    pub(crate) fn at(self, location: &Location) -> CompileError {
        location.invalid(self.field, self.message)
    }
}

//! The runtime-neutral conformance corpus and the helpers every runner shares.
//!
//! A case is one YAML file under `corpus/`: manifests, requests, and the expected answers as
//! a subset of `waygate explain`'s JSON, plus expected Gateway API status. Core runs it in
//! `tests/corpus.rs`; each runtime adapter runs the same cases through its own conversion
//! layer and must give the same answers.

mod case;
mod subset;

pub use case::{
    CREATED, Case, CaseRequest, CorpusError, Headers, Prepared, corpus_dir, load_corpus,
};
pub use subset::{json_subset, normalize_status};

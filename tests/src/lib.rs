//! Conformance corpus runner.

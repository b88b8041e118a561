//! Compiles Gateway API manifests into Waygate bundles.

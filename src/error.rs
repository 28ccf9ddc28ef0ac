//! Top-level error.

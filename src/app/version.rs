//! The version string: crate version plus the git commit it was built from.

/// `0.1.0 (commit abc123def456)`.
pub const LONG: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("DFIMAGE_GIT_COMMIT"),
    ")"
);

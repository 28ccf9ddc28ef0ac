//! `--secrets`: likely secrets in layer file names, small text files, and the history.
//!
//! Our own rules (never another tool's list). Each finding names its layer and path or its
//! history step and field, the rule, and the value masked to four characters. The layer walk
//! calls [`scan_name`] and [`scan_file_content`] per entry, so one pass lists and scans.

mod content;
mod finding;
mod history;
mod image;
mod names;
mod redact;
#[cfg(test)]
mod tests;

pub use content::{Match, ValueStyle, scan_file_content, scan_text};
pub use finding::{FileFinding, HistoryField, Location, Rule, SecretFinding, SecretValue, mask};
pub use history::{scan_arg, scan_env, scan_label, scan_run};
pub use image::{scan_image, scan_runtime, scan_step};
pub use names::scan_name;
pub use redact::redact;

/// Files up to this size are read for content scanning; larger ones are checked by name only.
pub const MAX_CONTENT_BYTES: u64 = 64 * 1024;

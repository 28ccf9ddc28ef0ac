//! `kubectl dfimage cp` against the fake API server, whose exec runs the container's real
//! tar chrooted into its rootfs as the container's uid: permission denied, symlinks and each
//! tar's behaviour are real. These need root (chroot), so they are `#[ignore]`d for plain
//! `cargo test` and run by the README's test command.

mod changed;
mod download;
mod fallback;
mod fallback_resume;
mod faults;
mod harness;
mod hostile;
mod large;
mod local_failure;
mod parity;
mod refusals;
mod resume_counts;
mod selection;
mod status;
mod upload;
mod upload_safety;
mod verify;

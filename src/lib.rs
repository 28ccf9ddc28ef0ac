//! kubectl-dfimage: recover Dockerfiles from container images, and copy files out of pods
//! without losing symlinks or silently truncating.
//!
//! The layering (see `docs/DESIGN.md`): `cli` parses arguments into plain request structs,
//! `app` wires I/O and the terminal, `image` is the pure Dockerfile domain, `registry` fetches
//! image bytes, `cluster` talks to Kubernetes, `transfer` is the synchronous cp core.

pub mod app;
pub mod cli;
pub mod cluster;
pub mod error;
pub mod image;
pub mod registry;
pub mod report;
pub mod transfer;

/// Runs the plugin with the given command line and returns the process exit code.
pub fn run<I, T>(args: I) -> std::process::ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    app::dispatch::run(args)
}

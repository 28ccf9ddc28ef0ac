//! The `gnu` flavor: GNU tar, coreutils, findutils, dash as `/bin/sh`, bash, grep, gzip,
//! copied from the host with their libraries.

use std::path::Path;

use super::host;
use crate::error::Error;

/// Coreutils and friends installed under `/usr/bin` with their host names.
const TOOLS: &[&str] = &[
    "tar",
    "tr",
    "cut",
    "sed",
    "od",
    "cmp",
    "split",
    "sync",
    "bash",
    "ls",
    "cat",
    "test",
    "[",
    "tail",
    "head",
    "sha256sum",
    "md5sum",
    "mkdir",
    "rm",
    "rmdir",
    "cp",
    "mv",
    "ln",
    "chmod",
    "chown",
    "stat",
    "du",
    "df",
    "wc",
    "echo",
    "true",
    "false",
    "sleep",
    "id",
    "env",
    "dd",
    "touch",
    "readlink",
    "realpath",
    "sort",
    "uname",
    "printf",
    "find",
    "xargs",
    "grep",
    "gzip",
    "basename",
    "dirname",
    "mktemp",
    "tee",
    "yes",
    "base64",
    "whoami",
];

/// Installs the gnu tools that are missing under `root`.
pub fn install(root: &Path) -> Result<(), Error> {
    host::install(root, "dash", "/usr/bin", "sh", "gnu")?;
    for tool in TOOLS {
        host::install(root, tool, "/usr/bin", tool, "gnu")?;
    }
    Ok(())
}

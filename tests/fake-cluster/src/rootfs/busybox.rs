//! The `busybox` flavor: the host's busybox-static in `/bin` with a hard link per applet, as
//! in the official busybox image; and the `shell` flavor: the host's dash as `/bin/sh` plus
//! the same busybox with only a few file tools linked (no tar, no du, no checksums), like a
//! slim image that dropped tar. Not busybox's own sh: Debian builds it as a standalone shell
//! that runs every compiled-in applet (tar included) whether or not it is linked.

use std::fs;
use std::path::Path;
use std::process::Command;

use super::host;
use crate::error::Error;

/// Applets the `shell` flavor links: enough for a file-by-file copy, nothing more.
pub const SHELL_APPLETS: [&str; 8] = ["find", "cat", "stat", "ls", "readlink", "test", "[", "echo"];

/// The `shell` flavor: dash as `/bin/sh`, then the [`SHELL_APPLETS`].
pub fn install_shell(root: &Path) -> Result<(), Error> {
    host::install(root, "dash", "/usr/bin", "sh", "shell")?;
    install(root, Some(&SHELL_APPLETS), "shell")
}

/// Installs busybox and links all its applets (`only: None`) or the listed ones, where
/// nothing exists yet.
pub fn install(root: &Path, only: Option<&[&str]>, flavor: &str) -> Result<(), Error> {
    let missing = || Error::HostBinary {
        name: "busybox".into(),
        flavor: flavor.into(),
    };
    let busybox = host::find("busybox").ok_or_else(missing)?;
    if !host::libraries(&busybox).is_empty() {
        // A dynamic busybox would need its libraries; busybox-static is what the flavor promises.
        return Err(missing());
    }
    host::copy_missing(&busybox, root, Path::new("/usr/bin/busybox"))?;
    let out = Command::new(&busybox)
        .arg("--list")
        .output()
        .map_err(|source| Error::Rootfs {
            path: busybox.clone(),
            source,
        })?;
    let installed = root.join("usr/bin/busybox");
    for applet in String::from_utf8_lossy(&out.stdout).lines().map(str::trim) {
        if applet.is_empty() || applet.contains('/') || applet == "busybox" {
            continue;
        }
        if only.is_some_and(|list| !list.contains(&applet)) {
            continue;
        }
        let link = root.join("usr/bin").join(applet);
        if fs::symlink_metadata(&link).is_ok() {
            continue;
        }
        fs::hard_link(&installed, &link).map_err(|source| Error::Rootfs {
            path: link.clone(),
            source,
        })?;
    }
    Ok(())
}

//! The `busybox` flavor: the host's busybox-static in `/bin` with a hard link per applet, as
//! in the official busybox image.

use std::fs;
use std::path::Path;
use std::process::Command;

use super::host;
use crate::error::Error;

/// Installs busybox and links its applets where nothing exists yet.
pub fn install(root: &Path) -> Result<(), Error> {
    let missing = || Error::HostBinary {
        name: "busybox".into(),
        flavor: "busybox".into(),
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

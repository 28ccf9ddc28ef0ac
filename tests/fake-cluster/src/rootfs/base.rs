//! The layout every container rootfs gets: merged-/usr folders, a world-writable `/tmp`,
//! `/dev/null`, `/dev/zero`, `/dev/random`, `/dev/urandom`,
//! `/etc/hostname`, `/etc/passwd` and `/etc/group` naming root and the container user.
//! Existing files win; nothing is overwritten.

use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;

use crate::error::Error;

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Rootfs {
        path: path.to_path_buf(),
        source,
    }
}

/// Creates the base layout under `root`.
pub fn prepare(root: &Path, hostname: &str, (uid, gid): (u32, u32)) -> Result<(), Error> {
    fs::create_dir_all(root).map_err(io(root))?;
    for dir in [
        "usr/bin",
        "usr/sbin",
        "usr/lib",
        "usr/lib64",
        "etc",
        "proc",
        "dev",
        "root",
    ] {
        let p = root.join(dir);
        fs::create_dir_all(&p).map_err(io(&p))?;
    }
    for (link, target) in [
        ("bin", "usr/bin"),
        ("sbin", "usr/sbin"),
        ("lib", "usr/lib"),
        ("lib64", "usr/lib64"),
    ] {
        let p = root.join(link);
        if fs::symlink_metadata(&p).is_err() {
            symlink(target, &p).map_err(io(&p))?;
        }
    }
    let tmp = root.join("tmp");
    if fs::symlink_metadata(&tmp).is_err() {
        fs::create_dir(&tmp).map_err(io(&tmp))?;
        fs::set_permissions(&tmp, fs::Permissions::from_mode(0o1777)).map_err(io(&tmp))?;
    }
    let user_line = if uid == 0 {
        String::new()
    } else {
        format!("user{uid}:x:{uid}:{gid}:container user:/tmp:/bin/sh\n")
    };
    let group_line = if gid == 0 {
        String::new()
    } else {
        format!("group{gid}:x:{gid}:\n")
    };
    make_devices(root);
    write_missing(&root.join("etc/hostname"), &format!("{hostname}\n"))?;
    write_missing(
        &root.join("etc/passwd"),
        &format!("root:x:0:0:root:/root:/bin/sh\n{user_line}"),
    )?;
    write_missing(&root.join("etc/group"), &format!("root:x:0:\n{group_line}"))?;
    Ok(())
}

/// The character devices every container has, as (name, major, minor).
const DEVICES: &[(&str, u32, u32)] = &[
    ("null", 1, 3),
    ("zero", 1, 5),
    ("random", 1, 8),
    ("urandom", 1, 9),
];

/// Creates `/dev/null`, `/dev/zero`, `/dev/random`, `/dev/urandom` (mode 0666) with the
/// coreutils `mknod`. Best effort: without CAP_MKNOD the folder stays empty, as the README says.
fn make_devices(root: &Path) {
    for (name, major, minor) in DEVICES {
        let node = root.join("dev").join(name);
        if fs::symlink_metadata(&node).is_ok() {
            continue;
        }
        let _ = std::process::Command::new("mknod")
            .args(["-m", "666"])
            .arg(&node)
            .args(["c", &major.to_string(), &minor.to_string()])
            .status();
    }
}

/// Creates `/proc/1/root` in a debug container's rootfs: the mount point the target's
/// filesystem is bound to for each exec.
pub fn prepare_proc_root(root: &Path) -> Result<(), Error> {
    let p = root.join("proc/1/root");
    fs::create_dir_all(&p).map_err(io(&p))
}

fn write_missing(path: &Path, text: &str) -> Result<(), Error> {
    if fs::symlink_metadata(path).is_ok() {
        return Ok(());
    }
    fs::write(path, text).map_err(io(path))
}

//! Running an exec'd command for real: finding it inside the container's rootfs (symlinks
//! resolved within the root, like the kernel after `chroot`), and spawning it in a fresh
//! process with coreutils `chroot --userspec=UID:GID`. A debug container with a target gets a
//! private mount namespace (`unshare --mount`) in which the target's rootfs is bind-mounted
//! on its `/proc/1/root`.

use std::collections::VecDeque;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Component, Path, PathBuf};
use std::process::Stdio;

use tokio::process::{Child, Command};

use crate::cluster::ExecTarget;

/// The PATH commands are looked up in, inside the container.
pub const CONTAINER_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

fn parts(p: &Path) -> Vec<String> {
    p.components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            Component::ParentDir => Some("..".into()),
            _ => None,
        })
        .collect()
}

/// Resolves `path` (absolute inside the container) to a host path under `root`, following
/// symlinks as if `root` were `/`. None when a component is missing or links loop.
pub fn resolve_in_root(root: &Path, path: &Path) -> Option<PathBuf> {
    let mut todo: VecDeque<String> = parts(path).into();
    let mut cur: Vec<String> = Vec::new();
    let mut links = 0;
    while let Some(part) = todo.pop_front() {
        if part == ".." {
            cur.pop();
            continue;
        }
        let host = cur
            .iter()
            .chain(std::iter::once(&part))
            .fold(root.to_path_buf(), |p, s| p.join(s));
        let meta = fs::symlink_metadata(&host).ok()?;
        if meta.file_type().is_symlink() {
            links += 1;
            if links > 40 {
                return None;
            }
            let target = fs::read_link(&host).ok()?;
            if target.is_absolute() {
                cur.clear();
            }
            for p in parts(&target).into_iter().rev() {
                todo.push_front(p);
            }
        } else {
            cur.push(part);
        }
    }
    Some(cur.iter().fold(root.to_path_buf(), |p, s| p.join(s)))
}

/// Whether `argv0` names an executable file in the container (PATH lookup without a `/`).
pub fn command_exists(root: &Path, argv0: &str) -> bool {
    let executable = |p: &Path| {
        resolve_in_root(root, p)
            .and_then(|h| fs::metadata(h).ok())
            .is_some_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if argv0.contains('/') {
        return executable(&Path::new("/").join(argv0));
    }
    CONTAINER_PATH
        .split(':')
        .any(|dir| executable(&Path::new(dir).join(argv0)))
}

/// Spawns `argv` in the container with the requested pipes.
pub fn spawn(
    target: &ExecTarget,
    hostname: &str,
    argv: &[String],
    stdin: bool,
    stdout: bool,
    stderr: bool,
) -> std::io::Result<Child> {
    let userspec = format!("--userspec={}:{}", target.user.0, target.user.1);
    let mut cmd = match &target.target_root {
        None => {
            let mut c = Command::new("chroot");
            c.arg(&userspec).arg("--").arg(&target.root);
            c
        }
        Some(shared_root) => {
            let mut c = Command::new("unshare");
            c.args(["--mount", "--propagation", "private", "--", "/bin/sh", "-c"])
                .arg(r#"mount --bind "$1" "$2" && shift 2 && exec chroot "$@""#)
                .arg("sh")
                .arg(shared_root)
                .arg(target.root.join("proc/1/root"))
                .arg(&userspec)
                .arg("--")
                .arg(&target.root);
            c
        }
    };
    let pipe = |on: bool| if on { Stdio::piped() } else { Stdio::null() };
    cmd.args(argv)
        .env_clear()
        .env("PATH", CONTAINER_PATH)
        .env("HOSTNAME", hostname)
        .env("HOME", if target.user.0 == 0 { "/root" } else { "/" })
        .current_dir("/")
        .stdin(pipe(stdin))
        .stdout(pipe(stdout))
        .stderr(pipe(stderr))
        .kill_on_drop(true);
    cmd.spawn()
}

/// The exit code a runtime reports: the code, or 128 + signal for a killed process.
pub fn exit_code(status: std::process::ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt as _;
    status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(9))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn symlinks_resolve_inside_the_root_not_on_the_host() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        fs::create_dir_all(r.join("usr/bin")).unwrap();
        symlink("usr/bin", r.join("bin")).unwrap();
        fs::write(r.join("usr/bin/busybox"), b"x").unwrap();
        fs::set_permissions(r.join("usr/bin/busybox"), fs::Permissions::from_mode(0o755)).unwrap();
        symlink("/bin/busybox", r.join("usr/bin/ls")).unwrap();
        symlink("../../etc/none", r.join("usr/bin/broken")).unwrap();
        assert_eq!(
            resolve_in_root(r, Path::new("/bin/ls")),
            Some(r.join("usr/bin/busybox"))
        );
        assert!(command_exists(r, "ls"));
        assert!(command_exists(r, "/bin/ls"));
        assert!(!command_exists(r, "broken"));
        assert!(!command_exists(r, "tar"));
    }

    #[test]
    fn dotdot_cannot_climb_above_the_root() {
        let root = tempfile::tempdir().unwrap();
        fs::create_dir_all(root.path().join("etc")).unwrap();
        assert_eq!(
            resolve_in_root(root.path(), Path::new("/../../etc")),
            Some(root.path().join("etc"))
        );
    }
}

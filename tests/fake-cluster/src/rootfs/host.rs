//! Copying host executables into a rootfs together with the shared libraries `ldd` lists,
//! so they run after `chroot`. Only reads the host; writes only under the rootfs.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

use crate::error::Error;

const HOST_PATH: &[&str] = &["/usr/bin", "/bin", "/usr/sbin", "/sbin"];

/// The host path of executable `name`.
pub fn find(name: &str) -> Option<PathBuf> {
    HOST_PATH
        .iter()
        .map(|d| Path::new(d).join(name))
        .find(|p| p.is_file())
}

/// Shared-library paths `ldd` prints for `binary` (the loader included); empty for static ones.
/// Cached per process: every rootfs of a test run asks for the same binaries.
pub fn libraries(binary: &Path) -> Vec<PathBuf> {
    static CACHE: OnceLock<Mutex<HashMap<PathBuf, Vec<PathBuf>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Mutex::default);
    if let Some(hit) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(binary) {
        return hit.clone();
    }
    let libs = match Command::new("ldd").arg(binary).output() {
        Ok(out) => parse_ldd(&String::from_utf8_lossy(&out.stdout)),
        Err(_) => Vec::new(),
    };
    cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(binary.to_path_buf(), libs.clone());
    libs
}

/// Parses `ldd` output: `libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x…)` and
/// `/lib64/ld-linux-x86-64.so.2 (0x…)`.
pub fn parse_ldd(text: &str) -> Vec<PathBuf> {
    text.lines()
        .filter_map(|line| {
            let line = line.trim();
            let path = match line.split_once("=>") {
                Some((_, rhs)) => rhs.split_whitespace().next()?,
                None => line.split_whitespace().next()?,
            };
            path.starts_with('/').then(|| PathBuf::from(path))
        })
        .collect()
}

/// Copies `host` to `root` + `dest` (following host symlinks) unless something is there.
pub fn copy_missing(host: &Path, root: &Path, dest: &Path) -> Result<(), Error> {
    let target = root.join(dest.strip_prefix("/").unwrap_or(dest));
    if fs::symlink_metadata(&target).is_ok() {
        return Ok(());
    }
    let io = |source| Error::Rootfs {
        path: target.clone(),
        source,
    };
    if let Some(parent) = target.parent() {
        fs::create_dir_all(parent).map_err(io)?;
    }
    fs::copy(host, &target).map_err(io)?;
    Ok(())
}

/// Installs host executable `name` at `dest_dir/alias` plus its libraries at their host paths.
pub fn install(
    root: &Path,
    name: &str,
    dest_dir: &str,
    alias: &str,
    flavor: &str,
) -> Result<(), Error> {
    let host = find(name).ok_or_else(|| Error::HostBinary {
        name: name.to_string(),
        flavor: flavor.to_string(),
    })?;
    copy_missing(&host, root, &Path::new(dest_dir).join(alias))?;
    for lib in libraries(&host) {
        copy_missing(&lib, root, &lib)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ldd_output_yields_resolved_libraries_and_the_loader() {
        let text = "\tlinux-vdso.so.1 (0x00007ffd)\n\tlibacl.so.1 => /lib/x86_64-linux-gnu/libacl.so.1 (0x00007f)\n\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f)\n\t/lib64/ld-linux-x86-64.so.2 (0x00007f)\n";
        assert_eq!(
            parse_ldd(text),
            vec![
                PathBuf::from("/lib/x86_64-linux-gnu/libacl.so.1"),
                PathBuf::from("/lib/x86_64-linux-gnu/libc.so.6"),
                PathBuf::from("/lib64/ld-linux-x86-64.so.2"),
            ]
        );
    }

    #[test]
    fn static_binaries_have_no_libraries() {
        assert!(parse_ldd("\tnot a dynamic executable\n").is_empty());
    }
}

//! Container root filesystems: the base layout every container gets and the userland
//! flavors (`gnu`, `busybox`, `shell`, `tar`, `none`) installed when missing.

mod base;
mod busybox;
mod gnu;
mod host;

use std::path::Path;

use crate::error::Error;
use crate::scenario::Flavor;

pub use base::prepare_proc_root;

/// Makes `root` a usable container filesystem: base layout, then the flavor's tools when
/// missing. Existing files are never overwritten.
pub fn prepare(root: &Path, flavor: Flavor, hostname: &str, user: (u32, u32)) -> Result<(), Error> {
    base::prepare(root, hostname, user)?;
    match flavor {
        Flavor::Gnu => gnu::install(root),
        Flavor::Busybox => busybox::install(root, None, "busybox"),
        Flavor::Shell => busybox::install_shell(root),
        Flavor::Tar => busybox::install(root, Some(&["tar"]), "tar"),
        Flavor::None => Ok(()),
    }
}

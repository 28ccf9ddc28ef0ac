//! Which layer paths are noise in a listing: vendored dependencies, caches, package-manager
//! state, VCS metadata, docs, and the mount points a RUN step leaves behind.
//!
//! Our own list, written from what real layers contain (test-components.md §11.2). Pure: a
//! path and a little metadata in, a class out. The listing counts what it hides per class,
//! so nothing disappears silently.

use std::fmt;

/// Why an entry is hidden by the noise filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NoiseClass {
    /// Third-party code installed next to the app (`node_modules`, `site-packages`).
    Dependencies,
    /// Compiled bytecode and build caches (`__pycache__`, `*.pyc`, `.cache`, `.npm`).
    Cache,
    /// Package-manager indexes, caches, databases and logs (apt, dpkg, apk, yum, dnf).
    PackageManager,
    /// Version-control metadata (`.git`, `.svn`, `.hg`).
    Vcs,
    /// Documentation, man pages and locales.
    Docs,
    /// Empty mount points and stub files a RUN step's sandbox leaves (`proc/`, `etc/hosts`),
    /// aufs bookkeeping (`.wh..wh.plnk`) and eStargz's index and landmark files.
    BuildScaffolding,
}

impl NoiseClass {
    /// Every class, in display order.
    pub const ALL: [Self; 6] = [
        Self::Dependencies,
        Self::Cache,
        Self::PackageManager,
        Self::Vcs,
        Self::Docs,
        Self::BuildScaffolding,
    ];

    /// Position in [`Self::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for NoiseClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Dependencies => "dependencies",
            Self::Cache => "caches",
            Self::PackageManager => "package-manager state",
            Self::Vcs => "vcs metadata",
            Self::Docs => "docs",
            Self::BuildScaffolding => "build mount points",
        })
    }
}

/// Any path with one of these components is noise of the given class.
const COMPONENTS: &[(&[u8], NoiseClass)] = &[
    (b"node_modules", NoiseClass::Dependencies),
    (b"bower_components", NoiseClass::Dependencies),
    (b"site-packages", NoiseClass::Dependencies),
    (b"dist-packages", NoiseClass::Dependencies),
    (b"__pycache__", NoiseClass::Cache),
    (b".cache", NoiseClass::Cache),
    (b".npm", NoiseClass::Cache),
    (b".yarn-cache", NoiseClass::Cache),
    (b".pnpm-store", NoiseClass::Cache),
    (b".gradle", NoiseClass::Cache),
    (b".m2", NoiseClass::Cache),
    (b".ivy2", NoiseClass::Cache),
    (b".sbt", NoiseClass::Cache),
    (b".pytest_cache", NoiseClass::Cache),
    (b".mypy_cache", NoiseClass::Cache),
    (b".git", NoiseClass::Vcs),
    (b".svn", NoiseClass::Vcs),
    (b".hg", NoiseClass::Vcs),
];

/// Paths under (or equal to) one of these prefixes are noise of the given class.
const PREFIXES: &[(&[u8], NoiseClass)] = &[
    (b"var/lib/apt/lists", NoiseClass::PackageManager),
    (b"var/cache/apt", NoiseClass::PackageManager),
    (b"var/cache/debconf", NoiseClass::PackageManager),
    (b"var/lib/dpkg", NoiseClass::PackageManager),
    (b"var/cache/apk", NoiseClass::PackageManager),
    (b"lib/apk/db", NoiseClass::PackageManager),
    (b"var/cache/yum", NoiseClass::PackageManager),
    (b"var/cache/dnf", NoiseClass::PackageManager),
    (b"var/lib/dnf", NoiseClass::PackageManager),
    (b"var/lib/rpm", NoiseClass::PackageManager),
    (b"var/log", NoiseClass::PackageManager),
    (b"usr/share/doc", NoiseClass::Docs),
    (b"usr/share/man", NoiseClass::Docs),
    (b"usr/share/info", NoiseClass::Docs),
    (b"usr/share/locale", NoiseClass::Docs),
    (b"usr/local/share/man", NoiseClass::Docs),
    (b"root/go/pkg/mod", NoiseClass::Cache),
    (b"go/pkg/mod", NoiseClass::Cache),
    (b"usr/local/cargo/registry", NoiseClass::Cache),
    (b"root/.cargo/registry", NoiseClass::Cache),
];

/// Directories a RUN sandbox mounts over; noise only when the layer holds them empty.
const MOUNT_DIRS: &[&[u8]] = &[b"dev", b"proc", b"sys", b"run"];

/// Files a RUN sandbox bind-mounts; noise only when empty.
const MOUNT_FILES: &[&[u8]] = &[
    b"etc/hostname",
    b"etc/hosts",
    b"etc/resolv.conf",
    b".dockerenv",
];

/// Files that layer formats themselves add: eStargz's table of contents and prefetch
/// landmarks (top level only).
const FORMAT_FILES: &[&[u8]] = &[
    b"stargz.index.json",
    b".prefetch.landmark",
    b".no.prefetch.landmark",
];

/// Bytecode suffixes.
const SUFFIXES: &[(&[u8], NoiseClass)] =
    &[(b".pyc", NoiseClass::Cache), (b".pyo", NoiseClass::Cache)];

/// The little an entry must say about itself to be classified.
#[derive(Debug, Clone, Copy)]
pub struct NoiseInput<'a> {
    /// Normalised path bytes (no leading `./`, no trailing `/`).
    pub path: &'a [u8],
    /// True for directories.
    pub is_dir: bool,
    /// True for empty regular files.
    pub is_empty_file: bool,
}

/// The noise class of an entry, or `None` when it belongs in the listing.
///
/// Mount points are judged on the entry alone: `proc/` as a directory entry is scaffolding,
/// while `tmp/app.sh` keeps `tmp/` meaningful only through its own line.
pub fn classify(input: NoiseInput<'_>) -> Option<NoiseClass> {
    let path = input.path;
    let name = path.rsplit(|b| *b == b'/').next().unwrap_or(path);
    if name.starts_with(b".wh..wh.") {
        return Some(NoiseClass::BuildScaffolding);
    }
    if input.is_dir && MOUNT_DIRS.contains(&path) {
        return Some(NoiseClass::BuildScaffolding);
    }
    if !input.is_dir && FORMAT_FILES.contains(&path) {
        return Some(NoiseClass::BuildScaffolding);
    }
    if input.is_empty_file && MOUNT_FILES.contains(&path) {
        return Some(NoiseClass::BuildScaffolding);
    }
    for (prefix, class) in PREFIXES {
        if let Some(rest) = path.strip_prefix(*prefix)
            && (rest.is_empty() || rest.starts_with(b"/"))
        {
            return Some(*class);
        }
    }
    for component in path.split(|b| *b == b'/') {
        if let Some((_, class)) = COMPONENTS.iter().find(|(c, _)| *c == component) {
            return Some(*class);
        }
    }
    SUFFIXES
        .iter()
        .find(|(suffix, _)| name.ends_with(suffix))
        .map(|(_, class)| *class)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str) -> Option<NoiseClass> {
        classify(NoiseInput {
            path: path.as_bytes(),
            is_dir: false,
            is_empty_file: false,
        })
    }
    fn dir(path: &str) -> Option<NoiseClass> {
        classify(NoiseInput {
            path: path.as_bytes(),
            is_dir: true,
            is_empty_file: false,
        })
    }
    fn empty(path: &str) -> Option<NoiseClass> {
        classify(NoiseInput {
            path: path.as_bytes(),
            is_dir: false,
            is_empty_file: true,
        })
    }

    #[test]
    fn vendored_cache_and_vcs_paths_are_noise_at_any_depth() {
        assert_eq!(
            file("app/node_modules/left-pad/index.js"),
            Some(NoiseClass::Dependencies)
        );
        assert_eq!(dir("app/node_modules"), Some(NoiseClass::Dependencies));
        assert_eq!(
            file("usr/lib/python3/dist-packages/six.py"),
            Some(NoiseClass::Dependencies)
        );
        assert_eq!(
            file("app/__pycache__/m.cpython-311.pyc"),
            Some(NoiseClass::Cache)
        );
        assert_eq!(file("app/m.pyc"), Some(NoiseClass::Cache));
        assert_eq!(file("root/.cache/pip/http/x"), Some(NoiseClass::Cache));
        assert_eq!(file("src/.git/HEAD"), Some(NoiseClass::Vcs));
        assert_eq!(
            file("var/lib/apt/lists/deb.debian.org_InRelease"),
            Some(NoiseClass::PackageManager)
        );
        assert_eq!(dir("var/cache/apt"), Some(NoiseClass::PackageManager));
        assert_eq!(file("usr/share/doc/curl/copyright"), Some(NoiseClass::Docs));
    }

    #[test]
    fn look_alike_paths_are_not_noise() {
        assert_eq!(file("app/node_modules_backup.txt"), None);
        assert_eq!(file("app/my.git/config"), None);
        assert_eq!(file("var/lib/aptly/db"), None);
        assert_eq!(file("usr/share/documents/a"), None);
        assert_eq!(file("app/main.py"), None);
        assert_eq!(file("app/.gitignore"), None);
    }

    #[test]
    fn mount_points_are_noise_only_when_empty() {
        assert_eq!(dir("proc"), Some(NoiseClass::BuildScaffolding));
        assert_eq!(dir("tmp"), None);
        assert_eq!(empty("etc/hosts"), Some(NoiseClass::BuildScaffolding));
        assert_eq!(file("etc/hosts"), None);
        assert_eq!(file("tmp/apt-get.sh"), None);
        assert_eq!(dir("usr/proc"), None);
        assert_eq!(file("opt/.wh..wh.plnk"), Some(NoiseClass::BuildScaffolding));
        assert_eq!(
            file("stargz.index.json"),
            Some(NoiseClass::BuildScaffolding)
        );
        assert_eq!(
            file(".prefetch.landmark"),
            Some(NoiseClass::BuildScaffolding)
        );
        assert_eq!(file("app/stargz.index.json"), None);
    }
}

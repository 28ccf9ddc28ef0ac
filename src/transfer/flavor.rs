//! Which tar runs in the container, and what it supports (pure).
//!
//! Owns the reading of `tar --help` output (stdout and stderr together: busybox prints its
//! usage, which lists the options compiled in, on stderr). `tar --version` text is understood
//! too, but busybox's (`tar (busybox) 1.35.0`) does not say which options exist. Never runs
//! anything; the lead execs [`probe_argv`] and passes the text here.

/// The tar implementations we know how to drive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TarFlavor {
    /// GNU tar.
    Gnu,
    /// busybox tar (options depend on how busybox was built).
    Busybox,
    /// libarchive's bsdtar.
    Bsd,
    /// Anything else: only POSIX-ish `cf - -C DIR NAME` is assumed.
    Unknown,
}

/// What the container's tar can do, as far as planning needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TarCapabilities {
    /// The implementation.
    pub flavor: TarFlavor,
    /// `--exclude=PATTERN`.
    pub exclude: bool,
    /// `-X FILE` (exclude patterns read from a file, one per line).
    pub exclude_from: bool,
    /// `--anchored --no-wildcards`: exclude patterns are literal, whole names (GNU).
    pub literal_excludes: bool,
    /// `--one-file-system`.
    pub one_file_system: bool,
}

impl TarCapabilities {
    /// Capabilities assumed when nothing is known.
    pub const MINIMAL: Self = Self {
        flavor: TarFlavor::Unknown,
        exclude: false,
        exclude_from: false,
        literal_excludes: false,
        one_file_system: false,
    };
}

/// The command whose output [`parse_tar_version`] reads (exit status does not matter).
pub fn probe_argv() -> Vec<String> {
    vec!["tar".into(), "--help".into()]
}

/// Reads `tar --help` (or `tar --version`) output, stdout followed by stderr.
pub fn parse_tar_version(output: &str) -> TarCapabilities {
    if output.contains("BusyBox") || output.contains("(busybox)") {
        return TarCapabilities {
            flavor: TarFlavor::Busybox,
            exclude: output.contains("--exclude"),
            exclude_from: output.contains("-X FILE") || output.contains("[-X"),
            literal_excludes: false,
            one_file_system: false,
        };
    }
    if output.contains("bsdtar") {
        return TarCapabilities {
            flavor: TarFlavor::Bsd,
            exclude: true,
            exclude_from: true,
            literal_excludes: false,
            one_file_system: true,
        };
    }
    if output.contains("GNU 'tar'") || output.contains("GNU tar") {
        return TarCapabilities {
            flavor: TarFlavor::Gnu,
            exclude: true,
            exclude_from: true,
            literal_excludes: true,
            one_file_system: true,
        };
    }
    TarCapabilities::MINIMAL
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The head of `tar --help` of GNU tar 1.34 (Debian 12), captured here.
    const GNU: &str = "Usage: tar [OPTION...] [FILE]...\nGNU 'tar' saves many files together into \
        a single tape or disk archive, and can\nrestore individual files from the archive.\n";
    const GNU_VERSION: &str =
        "tar (GNU tar) 1.34\nCopyright (C) 2021 Free Software Foundation, Inc.\n";
    /// `tar --help` of busybox 1.35 (Debian 12, busybox-static): no -X, -T or --exclude.
    const BUSYBOX_DEBIAN: &str = "BusyBox v1.35.0 (Debian 1:1.35.0-4+deb12u1+b1) multi-call \
        binary.\n\nUsage: tar c|x|t [-ZzJjahmvokO] [-f TARFILE] [-C DIR] [FILE]...\n\n\
        Create, extract, or list files from a tar file\n";
    const BUSYBOX_VERSION: &str = "tar (busybox) 1.35.0\n";
    /// busybox as built by Alpine (-T, -X and long options compiled in); the usage string of
    /// busybox sources with FEATURE_TAR_FROM, not captured on this machine.
    const BUSYBOX_ALPINE: &str = "tar: unrecognized option: version\nBusyBox v1.36.1 (2024-06-10 \
        07:11:47 UTC) multi-call binary.\n\nUsage: tar c|x|t [-ZzJjahmvokO] [-f TARFILE] [-C DIR] \
        [-T FILE] [-X FILE] [LONGOPT]... [FILE]...\n\t--exclude PATTERN\tExclude PATTERN\n";
    /// The head of `bsdtar --help` of libarchive 3.6.2 (Debian 12), captured here.
    const BSDTAR: &str = "bsdtar: manipulate archive files\nFirst option must be a mode specifier:\n\
        \x20 -c Create  -r Add/Replace  -t List  -u Update  -x Extract\n";

    #[test]
    fn flavors_are_told_apart_from_real_version_texts() {
        assert_eq!(parse_tar_version(GNU).flavor, TarFlavor::Gnu);
        assert_eq!(parse_tar_version(GNU_VERSION).flavor, TarFlavor::Gnu);
        assert_eq!(
            parse_tar_version(BUSYBOX_VERSION).flavor,
            TarFlavor::Busybox
        );
        assert_eq!(parse_tar_version(BUSYBOX_DEBIAN).flavor, TarFlavor::Busybox);
        assert_eq!(parse_tar_version(BUSYBOX_ALPINE).flavor, TarFlavor::Busybox);
        assert_eq!(parse_tar_version(BSDTAR).flavor, TarFlavor::Bsd);
        assert_eq!(
            parse_tar_version("sh: tar: not found\n"),
            TarCapabilities::MINIMAL
        );
    }

    #[test]
    fn busybox_options_follow_its_usage_text() {
        let debian = parse_tar_version(BUSYBOX_DEBIAN);
        assert!(!debian.exclude && !debian.exclude_from && !debian.one_file_system);
        let alpine = parse_tar_version(BUSYBOX_ALPINE);
        assert!(alpine.exclude && alpine.exclude_from && !alpine.literal_excludes);
    }

    #[test]
    fn gnu_supports_literal_excludes_and_one_file_system() {
        let gnu = parse_tar_version(GNU);
        assert!(gnu.literal_excludes && gnu.one_file_system && gnu.exclude_from);
    }
}

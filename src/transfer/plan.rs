//! `CopyPlan`s: what to run in the container and where the bytes land locally (pure).
//!
//! Owns cp semantics (kubectl-cp-behaviour.md §2, §4, §5 and checklist §10):
//! - Download `pod:/a/dir` runs `tar cf - -C /a ./dir` (relative names, `./` so a name
//!   starting with `-` is no option and exclude patterns stay anchored, see `resume.rs`).
//!   Into an existing local directory it lands in `local/dir`; onto a missing name it
//!   becomes `local/x`. `dir/.` (or a trailing `/.`) copies the contents. A trailing slash on
//!   either side demands a directory; on the source it also follows a symlink to one, as
//!   cp(1) does (`tar cf - -C /a/dir .`, landing as `dir` inside an existing directory).
//! - `pod:/` copies the contents of `/` without `/proc`, `/sys` and `/dev` (virtual
//!   filesystems) unless asked; `--one-file-system` is passed where tar has it.
//! - A glob in the last component (`pod:/var/log/*.log`) is expanded by the container's `sh`
//!   with the pattern passed as an argument, never spliced into the script: no injection.
//!   Glob characters in earlier components are literal name bytes.
//! - Upload runs `tar xf - -C DIR` (mtimes and modes kept), choosing DIR from the
//!   destination check (`upload_check.rs`) only when the destination is ambiguous; a
//!   failed check is an error, never "not a directory".
//!
//! Never runs anything and never looks at the local filesystem: the caller passes what
//! `lstat` said about the local destination and what `tar --help` said about the remote tar.

use std::ffi::{OsStr, OsString};
use std::path::PathBuf;

use super::error::TransferError;
use super::flavor::TarCapabilities;
use super::spec::{LocalSpec, RemoteSpec};
use super::unpack::UnpackOptions;

/// Top-level names left out of a copy of `/` (virtual filesystems).
pub const VIRTUAL_TOP_DIRS: [&str; 3] = ["proc", "sys", "dev"];

/// The shell script used for globs (and for `/` when tar has no `--exclude`). Arguments:
/// `$1` directory, `$2` patterns (newline-separated), `$3` top-level names to leave out
/// (`/`-separated), then tar's own arguments; matches are appended as `./NAME`. Field
/// splitting happens on newlines only, so patterns and names with spaces stay whole. The
/// matching patterns are expanded in one `set --`: appending names one at a time copies the
/// whole list each time (8 000 matches took over a minute in dash).
pub const SELECT_SCRIPT: &str = "cd -- \"$1\" || exit 2
IFS='
'
p=$2
x=$3
shift 3
n=$#
found() { [ -e \"$1\" ] || [ -L \"$1\" ]; }
if found \"$p\"; then set -- \"$@\" \"./$p\"
elif [ -n \"$x\" ]; then
for f in $p; do
  case \"/$x/\" in *\"/$f/\"*) continue ;; esac
  if found \"$f\"; then set -- \"$@\" \"./$f\"; fi
done
else
k=
set -f
for q in $p; do set +f; if found ./$q; then k=\"$k
./$q\"; fi; set -f; done
set +f
set -- \"$@\" $k
fi
if [ \"$#\" -eq \"$n\" ]; then printf 'tar: %s: Cannot stat: No such file or directory\\n' \"$p\" >&2; exit 2; fi
exec tar \"$@\"";

/// What the local destination is right now (`lstat` following a final symlink the user gave).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalKind {
    /// An existing directory.
    Directory,
    /// Something else that exists.
    NonDirectory,
    /// Nothing there (its parent must exist).
    Missing,
}

/// Download switches.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DownloadOptions {
    /// Stay on the file system of the source (`--one-file-system`).
    pub one_file_system: bool,
    /// When copying `/`, include `/proc`, `/sys` and `/dev`.
    pub include_virtual: bool,
}

/// Something the user should hear about the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanNote {
    /// The container's tar has no `--one-file-system`; the copy may cross mounts.
    OneFileSystemUnsupported,
    /// The remote selection needs `sh` in the container (glob, or `/` without `--exclude`).
    NeedsShell,
}

impl std::fmt::Display for PlanNote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::OneFileSystemUnsupported => {
                "the container's tar has no --one-file-system; mounts may be crossed"
            }
            Self::NeedsShell => "the selection is made by the container's sh",
        })
    }
}

/// What the remote tar archives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Selection {
    /// One name in a directory (`.` for the directory's contents).
    Named { parent: String, name: String },
    /// The contents of `/`, minus `skip`.
    Root { skip: Vec<String> },
    /// What a pattern matches in a directory.
    Glob { parent: String, pattern: String },
}

/// A download, ready to exec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DownloadPlan {
    /// The remote command.
    pub argv: Vec<String>,
    /// Where the stream is unpacked: the `dest` argument of `unpack`.
    pub local_root: PathBuf,
    /// `UnpackOptions::path_prefix` for this stream.
    pub path_prefix: Option<String>,
    /// `UnpackOptions::root_must_be_dir` for this stream.
    pub root_must_be_dir: bool,
    /// Things to tell the user.
    pub notes: Vec<PlanNote>,
    pub(crate) selection: Selection,
    pub(crate) caps: TarCapabilities,
    pub(crate) opts: DownloadOptions,
}

impl DownloadPlan {
    /// Unpack options for this plan; the caller adds owner, progress and resume settings.
    pub fn unpack_options(&self) -> UnpackOptions {
        UnpackOptions {
            path_prefix: self.path_prefix.clone(),
            root_must_be_dir: self.root_must_be_dir,
            ..UnpackOptions::default()
        }
    }
}

/// Plans `pod:path -> local`.
pub fn plan_download(
    from: &RemoteSpec,
    to: &LocalSpec,
    to_kind: LocalKind,
    caps: &TarCapabilities,
    opts: &DownloadOptions,
) -> Result<DownloadPlan, TransferError> {
    let invalid = |problem| TransferError::InvalidPlan { problem };
    let path = &from.path;
    let mut landing = None;
    let selection = if path.as_str() == "/" {
        let skip = if opts.include_virtual {
            Vec::new()
        } else {
            VIRTUAL_TOP_DIRS.map(String::from).to_vec()
        };
        Selection::Root { skip }
    } else if path.is_glob() {
        if path.name().contains('\n') {
            return Err(invalid("a glob pattern must not contain a newline"));
        }
        Selection::Glob {
            parent: path.parent().to_owned(),
            pattern: path.name().to_owned(),
        }
    } else if matches!(path.name(), "." | "..") {
        Selection::Named {
            parent: path.as_str().to_owned(),
            name: ".".into(),
        }
    } else if path.trailing_slash() {
        // `dir/` is the directory itself, through a symlink if it is one (cp(1) follows
        // it): tar runs in it and its contents land under its name.
        landing = Some(path.name());
        Selection::Named {
            parent: path.as_str().to_owned(),
            name: ".".into(),
        }
    } else {
        Selection::Named {
            parent: path.parent().to_owned(),
            name: path.name().to_owned(),
        }
    };
    plan_selection(
        selection,
        landing,
        path.trailing_slash(),
        to,
        to_kind,
        caps,
        opts,
    )
}

/// Plans `pod:DIR/NAME -> local` for the one name a glob in `from` stood for (its single
/// match, or its escaped literal): copied as a single source, like cp(1).
pub fn plan_download_named(
    from: &RemoteSpec,
    name: &str,
    to: &LocalSpec,
    to_kind: LocalKind,
    caps: &TarCapabilities,
    opts: &DownloadOptions,
) -> Result<DownloadPlan, TransferError> {
    let selection = Selection::Named {
        parent: from.path.parent().to_owned(),
        name: name.to_owned(),
    };
    plan_selection(
        selection,
        None,
        from.path.trailing_slash(),
        to,
        to_kind,
        caps,
        opts,
    )
}

/// `landing`: for a `.` selection that stands for a named directory (`dir/`), the name it
/// lands as inside an existing local directory.
fn plan_selection(
    selection: Selection,
    landing: Option<&str>,
    trailing_slash: bool,
    to: &LocalSpec,
    to_kind: LocalKind,
    caps: &TarCapabilities,
    opts: &DownloadOptions,
) -> Result<DownloadPlan, TransferError> {
    let invalid = |problem| TransferError::InvalidPlan { problem };
    if to.trailing_slash && to_kind == LocalKind::NonDirectory {
        return Err(invalid("the local destination is not a directory"));
    }
    let (local_root, path_prefix, root_must_be_dir) = match (&selection, landing) {
        (Selection::Named { name, .. }, _) if name != "." => {
            let root = if to_kind == LocalKind::Directory {
                to.path.join(name)
            } else {
                to.path.clone()
            };
            let must_be_dir =
                trailing_slash || (to.trailing_slash && to_kind == LocalKind::Missing);
            (root, Some(name.clone()), must_be_dir)
        }
        (_, Some(name)) if to_kind == LocalKind::Directory => (to.path.join(name), None, true),
        _ => {
            if to_kind == LocalKind::NonDirectory {
                return Err(invalid("cannot copy several entries onto a file"));
            }
            (to.path.clone(), None, true)
        }
    };
    let mut notes = Vec::new();
    if opts.one_file_system && !caps.one_file_system {
        notes.push(PlanNote::OneFileSystemUnsupported);
    }
    let mut plan = DownloadPlan {
        argv: Vec::new(),
        local_root,
        path_prefix,
        root_must_be_dir,
        notes,
        selection,
        caps: *caps,
        opts: *opts,
    };
    plan.argv = create_argv(&plan, &[]);
    if plan.argv.first().is_some_and(|a| a == "sh") {
        plan.notes.push(PlanNote::NeedsShell);
    }
    Ok(plan)
}

/// The remote `tar c` command for `plan`, with `extra` tar options (resume excludes) placed
/// after the plan's own options.
pub(crate) fn create_argv(plan: &DownloadPlan, extra: &[&str]) -> Vec<String> {
    let caps = &plan.caps;
    let mut tar_args: Vec<String> = vec!["cf".into(), "-".into()];
    if plan.opts.one_file_system && caps.one_file_system {
        tar_args.push("--one-file-system".into());
    }
    let via_shell = |dir: &str, patterns: &str, skip: &str, tar_args: Vec<String>| {
        let mut argv: Vec<String> =
            vec!["sh".into(), "-c".into(), SELECT_SCRIPT.into(), "sh".into()];
        argv.extend([dir.to_owned(), patterns.to_owned(), skip.to_owned()]);
        argv.extend(tar_args);
        argv
    };
    match &plan.selection {
        Selection::Named { parent, name } => {
            tar_args.extend(extra.iter().map(|s| (*s).to_owned()));
            let member = if name == "." {
                ".".to_owned()
            } else {
                format!("./{name}")
            };
            tar_args.extend(["-C".into(), parent.clone(), member]);
            [vec!["tar".to_owned()], tar_args].concat()
        }
        Selection::Root { skip } if caps.exclude || skip.is_empty() => {
            tar_args.extend(skip.iter().map(|s| format!("--exclude=./{s}")));
            tar_args.extend(extra.iter().map(|s| (*s).to_owned()));
            tar_args.extend(["-C".into(), "/".into(), ".".into()]);
            [vec!["tar".to_owned()], tar_args].concat()
        }
        Selection::Root { skip } => {
            tar_args.extend(extra.iter().map(|s| (*s).to_owned()));
            via_shell("/", "*\n.[!.]*\n..?*", &skip.join("/"), tar_args)
        }
        Selection::Glob { parent, pattern } => {
            tar_args.extend(extra.iter().map(|s| (*s).to_owned()));
            via_shell(parent, pattern, "", tar_args)
        }
    }
}

/// Upload switches.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UploadOptions {
    /// Do not apply owners and permissions remotely (`--no-preserve`).
    pub no_preserve: bool,
}

/// One way to run the upload: the remote command and the name `pack` gives the root entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadTarget {
    /// The remote `tar x` command.
    pub argv: Vec<String>,
    /// `pack`'s root entry name (`.` to send a directory's contents).
    pub archive_root: OsString,
}

/// An upload: an optional destination check and the targets it chooses between.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadPlan {
    /// `test -d DEST`, when the destination may or may not be a directory.
    pub check_argv: Option<Vec<String>>,
    into_dir: UploadTarget,
    as_name: Option<UploadTarget>,
}

/// What the destination check said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DestCheck {
    /// Exit 0: an existing directory.
    IsDir,
    /// Exit 1: not a directory (or missing).
    NotDir,
    /// Anything else (no status, 126/127, a failed exec).
    Failed,
}

/// Reads the check's exit status (`None` when the exec gave none).
pub fn parse_dest_check(exit_code: Option<i32>) -> DestCheck {
    match exit_code {
        Some(0) => DestCheck::IsDir,
        Some(1) => DestCheck::NotDir,
        _ => DestCheck::Failed,
    }
}

impl UploadPlan {
    /// The target to run; `check` is required when [`UploadPlan::check_argv`] is set.
    pub fn target(&self, check: Option<DestCheck>) -> Result<&UploadTarget, TransferError> {
        match (&self.as_name, check) {
            (None, _) | (Some(_), Some(DestCheck::IsDir)) => Ok(&self.into_dir),
            (Some(as_name), Some(DestCheck::NotDir)) => Ok(as_name),
            (Some(_), Some(DestCheck::Failed) | None) => Err(TransferError::InvalidPlan {
                problem: "could not check whether the remote destination is a directory",
            }),
        }
    }
}

/// Plans `local -> pod:path`.
pub fn plan_upload(
    from: &LocalSpec,
    to: &RemoteSpec,
    opts: &UploadOptions,
) -> Result<UploadPlan, TransferError> {
    if to.path.is_glob() {
        return Err(TransferError::InvalidPlan {
            problem: "a remote destination cannot be a glob",
        });
    }
    let bytes = from.path.as_os_str().as_encoded_bytes();
    let contents = bytes == b"." || bytes.ends_with(b"/.") || from.path.file_name().is_none();
    let own_name: OsString = if contents {
        ".".into()
    } else {
        from.path.file_name().unwrap_or(OsStr::new(".")).to_owned()
    };
    let extract = |dir: &str| {
        let mut argv: Vec<String> = vec!["tar".into(), "xf".into(), "-".into()];
        if opts.no_preserve {
            argv.extend(["-o".into(), "--no-same-permissions".into()]);
        }
        argv.extend(["-C".into(), dir.to_owned()]);
        argv
    };
    let dest = to.path.as_str();
    let into_dir = UploadTarget {
        argv: extract(dest),
        archive_root: own_name,
    };
    if to.path.trailing_slash() || dest == "/" || matches!(to.path.name(), "." | "..") {
        return Ok(UploadPlan {
            check_argv: None,
            into_dir,
            as_name: None,
        });
    }
    let as_name = UploadTarget {
        argv: extract(to.path.parent()),
        archive_root: to.path.name().into(),
    };
    Ok(UploadPlan {
        check_argv: Some(vec!["test".into(), "-d".into(), dest.to_owned()]),
        into_dir,
        as_name: Some(as_name),
    })
}

#[cfg(test)]
mod tests;

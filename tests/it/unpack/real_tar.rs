//! The plans and the resume design against the real tars installed here (GNU tar, busybox
//! and bsdtar when present), run locally the way the container would run them: a `bin/`
//! directory first on `PATH` provides `tar` (and for busybox its `sh`), the plan's argv is
//! executed as is, and its stdout is unpacked. Remote stderr is classified live.

use std::ffi::OsStr;
use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use kubectl_dfimage::report::{Recording, SkipReason};
use kubectl_dfimage::transfer::{
    CopyOutcome, CopySpecs, DownloadOptions, DownloadPlan, FailureCause, LocalKind, RemoteExit,
    RemoteMessage, ResumeState, ResumeStrategy, TarCapabilities, TarFlavor, TransferError,
    UnpackOptions, UnpackSummary, classify_line, classify_outcome, flavor::probe_argv,
    parse_copy_specs, parse_tar_version, plan_download, unpack_into,
};

use kubectl_dfimage::transfer::{PackOptions, UploadOptions, pack, parse_dest_check, plan_upload};

use super::sample_tree::{build, expected, listing};

/// A fake container userland: `tar` (and `sh`) from one implementation.
pub struct Userland {
    pub bin: PathBuf,
    pub caps: TarCapabilities,
}

fn userlands(base: &Path) -> Vec<Userland> {
    let candidates = [
        ("gnu", "/usr/bin/tar", "/bin/sh"),
        ("busybox", "/usr/bin/busybox", "/usr/bin/busybox"),
        ("bsd", "/usr/bin/bsdtar", "/bin/sh"),
    ];
    let mut found = Vec::new();
    for (name, tar, sh) in candidates {
        if !Path::new(tar).exists() {
            continue;
        }
        let bin = base.join(format!("bin-{name}"));
        std::fs::create_dir_all(&bin).expect("bin");
        std::os::unix::fs::symlink(tar, bin.join("tar")).expect("tar link");
        std::os::unix::fs::symlink(sh, bin.join("sh")).expect("sh link");
        let probe = run(&bin, &probe_argv(), b"", None);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&probe.stdout),
            String::from_utf8_lossy(&probe.stderr)
        );
        found.push(Userland {
            bin,
            caps: parse_tar_version(&text),
        });
    }
    assert!(
        found.iter().any(|u| u.caps.flavor == TarFlavor::Gnu),
        "GNU tar is needed for these tests"
    );
    found
}

pub struct Ran {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub code: Option<i32>,
}

fn run(bin: &Path, argv: &[String], stdin: &[u8], uid: Option<u32>) -> Ran {
    let sh = bin.join("sh");
    let path = format!("{}:/usr/bin:/bin", bin.display());
    let (program, args): (PathBuf, Vec<String>) = match argv[0].as_str() {
        "sh" => (sh, argv[1..].to_vec()),
        "tar" => (bin.join("tar"), argv[1..].to_vec()),
        // other tools (`test`) as the userland's shell finds them
        _ => (
            sh,
            [
                vec!["-c".to_owned(), "\"$0\" \"$@\"".to_owned()],
                argv.to_vec(),
            ]
            .concat(),
        ),
    };
    let mut cmd = Command::new(program);
    cmd.args(&args)
        .env("PATH", path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(uid) = uid {
        cmd.uid(uid).gid(uid);
    }
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {argv:?}: {e}"));
    if let Some(mut input) = child.stdin.take() {
        input.write_all(stdin).expect("stdin");
    }
    let out = child.wait_with_output().expect("wait");
    Ran {
        stdout: out.stdout,
        stderr: out.stderr,
        code: out.status.code(),
    }
}

fn plan(src: &str, dest: &Path, kind: LocalKind, caps: &TarCapabilities) -> DownloadPlan {
    let CopySpecs::Download { from, to } =
        parse_copy_specs(OsStr::new(src), dest.as_os_str()).expect("specs")
    else {
        panic!("not a download")
    };
    plan_download(&from, &to, kind, caps, &DownloadOptions::default()).expect("plan")
}

fn unpack_all(
    stream: &[u8],
    plan: &DownloadPlan,
    summary: &mut UnpackSummary,
) -> Result<(), TransferError> {
    let opts = UnpackOptions {
        track_resume: true,
        ..plan.unpack_options()
    };
    unpack_into(
        stream,
        &plan.local_root,
        &opts,
        &Recording::default(),
        summary,
    )
}

#[test]
fn downloads_with_each_real_tar_reproduce_the_tree() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let src = build(&tmp.path().join("data/src"));
    for land in userlands(tmp.path()) {
        let out = tmp.path().join(format!("out-{:?}", land.caps.flavor));
        std::fs::create_dir(&out).expect("out");
        let plan = plan(
            &format!("p:{}", src.display()),
            &out,
            LocalKind::Directory,
            &land.caps,
        );
        let ran = run(&land.bin, &plan.argv, b"", None);
        assert_eq!(
            ran.code,
            Some(0),
            "{:?}: {}",
            land.caps.flavor,
            String::from_utf8_lossy(&ran.stderr)
        );
        let mut summary = UnpackSummary::default();
        unpack_all(&ran.stdout, &plan, &mut summary)
            .unwrap_or_else(|e| panic!("{:?}: {e}", land.caps.flavor));
        assert_eq!(
            listing(&out.join("src")),
            expected(&src),
            "{:?}",
            land.caps.flavor
        );
        assert!(
            summary
                .skipped
                .iter()
                .all(|s| s.reason == SkipReason::Unsupported),
            "{:?}",
            summary.skipped
        );
    }
}

#[test]
fn a_cut_download_resumes_without_resending_completed_files() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let src = build(&tmp.path().join("data/src"));
    for land in userlands(tmp.path()) {
        let out = tmp.path().join(format!("resumed-{:?}", land.caps.flavor));
        let plan = plan(
            &format!("p:{}", src.display()),
            &out,
            LocalKind::Missing,
            &land.caps,
        );
        let full = run(&land.bin, &plan.argv, b"", None).stdout;
        let mut summary = UnpackSummary::default();
        let first = unpack_all(&full[..full.len() * 6 / 10], &plan, &mut summary);
        assert!(
            matches!(first, Err(TransferError::Truncated { .. })),
            "{first:?}"
        );
        let files_before = summary.files;
        let next = ResumeState::from_summary(&summary).continuation(&plan);
        let ran = run(&land.bin, &next.argv, &next.stdin, None);
        assert_eq!(
            ran.code,
            Some(0),
            "{:?}: {}",
            land.caps.flavor,
            String::from_utf8_lossy(&ran.stderr)
        );
        unpack_all(&ran.stdout, &plan, &mut summary)
            .unwrap_or_else(|e| panic!("{:?}: {e}", land.caps.flavor));
        assert_eq!(listing(&out), expected(&src), "{:?}", land.caps.flavor);
        let expected_strategy = if land.caps.exclude_from {
            ResumeStrategy::SkipCompleted
        } else {
            ResumeStrategy::Restart
        };
        assert_eq!(next.strategy, expected_strategy);
        if next.strategy == ResumeStrategy::SkipCompleted {
            assert!(
                files_before > 0 && ran.stdout.len() < full.len(),
                "{:?}",
                land.caps.flavor
            );
            let resent: Vec<_> = tar::Archive::new(&ran.stdout[..])
                .entries()
                .expect("entries")
                .filter_map(Result::ok)
                .filter(|e| !e.header().entry_type().is_dir())
                .map(|e| e.path_bytes().into_owned())
                .filter(|n| {
                    summary.completed[..files_before as usize].contains(n) && !n.contains(&b'\n')
                })
                .collect();
            assert!(
                resent.is_empty(),
                "{:?} resent completed entries {resent:?}",
                land.caps.flavor
            );
        }
    }
}

#[test]
fn remote_globs_expand_in_the_container_without_injection() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let logs = tmp.path().join("logs");
    std::fs::create_dir(&logs).expect("logs");
    for name in [
        "a.log",
        "b.log",
        "c.txt",
        "x1.log",
        "x[1].log",
        "sp ace.log",
    ] {
        std::fs::write(logs.join(name), name).expect("write");
    }
    for land in userlands(tmp.path()) {
        let case = |pattern: &str, name: &str| {
            let out = tmp
                .path()
                .join(format!("glob-{:?}-{name}", land.caps.flavor));
            let plan = plan(
                &format!("p:{}/{pattern}", logs.display()),
                &out,
                LocalKind::Missing,
                &land.caps,
            );
            let ran = run(&land.bin, &plan.argv, b"", None);
            let mut summary = UnpackSummary::default();
            let unpacked = unpack_all(&ran.stdout, &plan, &mut summary).map(|()| listing(&out));
            (
                ran,
                unpacked.map(|l| {
                    l.into_keys()
                        .map(|k| String::from_utf8_lossy(&k).into_owned())
                        .collect::<Vec<_>>()
                }),
            )
        };
        let (_, names) = case("*.log", "all");
        assert_eq!(
            names.ok(),
            Some(
                vec!["a.log", "b.log", "sp ace.log", "x1.log", "x[1].log"]
                    .into_iter()
                    .map(String::from)
                    .collect()
            )
        );
        let (_, names) = case("x[1].log", "literal");
        assert_eq!(
            names.ok(),
            Some(vec!["x[1].log".to_owned()]),
            "a literal name wins over the pattern"
        );
        let (ran, _) = case("*$(touch pwned)`touch pwned2`.log", "inject");
        assert_eq!(ran.code, Some(2));
        let message = classify_line(ran.stderr.split(|b| *b == b'\n').next().unwrap_or_default());
        assert!(
            matches!(message, RemoteMessage::Vanished { .. }),
            "{message:?}"
        );
        assert!(
            !logs.join("pwned").exists()
                && !tmp.path().join("pwned").exists()
                && !Path::new("pwned2").exists()
        );
    }
}

#[test]
fn unreadable_remote_paths_are_classified_and_the_copy_is_partial() {
    let tmp = tempfile::tempdir().expect("tempdir");
    if std::fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m))
        .unwrap_or(1)
        != 0
    {
        return; // needs root to run the "container" tar as another user; see the next test's note
    }
    let base = tmp.path();
    std::fs::set_permissions(base, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    let src = build(&base.join("data/src"));
    for land in userlands(base) {
        let out = base.join(format!("denied-{:?}", land.caps.flavor));
        let plan = plan(
            &format!("p:{}", src.display()),
            &out,
            LocalKind::Missing,
            &land.caps,
        );
        let ran = run(&land.bin, &plan.argv, b"", Some(65534));
        let messages: Vec<RemoteMessage> = ran
            .stderr
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .map(classify_line)
            .collect();
        assert!(
            messages.iter().all(RemoteMessage::is_explained),
            "{:?}: {messages:?}",
            land.caps.flavor
        );
        assert!(
            messages
                .iter()
                .any(|m| matches!(m, RemoteMessage::PermissionDenied { .. })),
            "{messages:?}"
        );
        let mut summary = UnpackSummary::default();
        unpack_all(&ran.stdout, &plan, &mut summary)
            .unwrap_or_else(|e| panic!("{:?}: {e}", land.caps.flavor));
        let code = ran.code.expect("exit code");
        let flavor = land.caps.flavor;
        let outcome = classify_outcome(
            true,
            summary.skipped_count,
            RemoteExit::Code(code),
            &messages,
            flavor,
        );
        if flavor == TarFlavor::Bsd {
            // bsdtar 3.6 stops reading the directory at the unreadable entry: not "partial"
            assert_eq!(outcome, CopyOutcome::Failed(FailureCause::UnlistedLosses));
            continue;
        }
        assert_eq!(outcome, CopyOutcome::Partial, "{flavor:?} exit {code}");
        assert!(
            !out.join("sub/deep/f").exists(),
            "a root-only file cannot have been read"
        );
        let names: Vec<_> = listing(&out)
            .into_keys()
            .map(|k| String::from_utf8_lossy(&k).into_owned())
            .collect();
        assert!(
            out.join("exec.sh").exists() && !out.join("file.txt").exists(),
            "{:?}: {names:?}",
            land.caps.flavor
        );
    }
}

#[test]
fn uploads_are_extracted_by_each_real_tar() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let src = build(&tmp.path().join("local/src"));
    let nodes = |m: std::collections::BTreeMap<Vec<u8>, (super::world::Node, Option<u64>)>| {
        m.into_iter().map(|(k, (n, _))| (k, n)).collect::<Vec<_>>()
    };
    for land in userlands(tmp.path()) {
        for (existing, root) in [(true, "remote/src"), (false, "")] {
            let remote = tmp
                .path()
                .join(format!("remote-{:?}-{existing}", land.caps.flavor));
            if existing {
                std::fs::create_dir(&remote).expect("remote dir");
            }
            let CopySpecs::Upload { from, to } = parse_copy_specs(
                src.as_os_str(),
                OsStr::new(&format!("p:{}", remote.display())),
            )
            .expect("specs") else {
                panic!("not an upload")
            };
            let plan = plan_upload(&from, &to, &UploadOptions::default()).expect("plan");
            let check = plan
                .check_argv
                .as_ref()
                .map(|argv| parse_dest_check(run(&land.bin, argv, b"", None).code));
            let target = plan.target(check).expect("target");
            let mut stream = Vec::new();
            pack(
                &src,
                &target.archive_root,
                &mut stream,
                &PackOptions::default(),
                &Recording::default(),
            )
            .expect("pack");
            let ran = run(&land.bin, &target.argv, &stream, None);
            assert_eq!(
                ran.code,
                Some(0),
                "{:?}: {}",
                land.caps.flavor,
                String::from_utf8_lossy(&ran.stderr)
            );
            let landed = if root.is_empty() {
                remote.clone()
            } else {
                remote.join("src")
            };
            assert_eq!(
                nodes(listing(&landed)),
                nodes(expected(&src)),
                "{:?} existing={existing}",
                land.caps.flavor
            );
        }
    }
}

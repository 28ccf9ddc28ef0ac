//! When the local side fails (the disk fills, the stream cannot be unpacked), the exec
//! session is ended at once: the container's command sees the client go and stops, instead
//! of streaming on until the connection drops; the local error is reported with exit 2.

use std::time::{Duration, Instant};

use fake_cluster::Fault;

use super::harness::*;
use super::hostile::plant_hostile_tar;

/// How long after our exit the server may still see the exec running.
const PROMPT: Duration = Duration::from_secs(3);

/// The fake's record of the `tar cf` exec, once its connection has closed.
fn tar_record(w: &World, within: Duration) -> Option<fake_cluster::ExecRecord> {
    let deadline = Instant::now() + within;
    loop {
        let found = w.cluster.execs().into_iter().find(|e| {
            e.command.join(" ").contains("tar cf") || e.command.join(" ").contains("hostile")
        });
        if found.is_some() || Instant::now() > deadline {
            return found;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn a_full_local_disk_ends_the_remote_tar_at_once_and_exits_2() {
    require_root();
    let w = World::new("gnu", "0:0");
    let big = w.rootfs().join("data/big.bin");
    write(&big, b"");
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(&big)
        .unwrap_or_else(|e| panic!("{e}"));
    f.set_len(64 << 20).unwrap_or_else(|e| panic!("{e}"));
    // 64 MiB at 4 MiB/s: streaming on would take 16 s
    w.cluster.add_faults(vec![Fault {
        command: Some("tar cf".into()),
        throttle_bytes_per_sec: Some(4 << 20),
        ..Fault::default()
    }]);
    let small = w.local("small");
    std::fs::create_dir_all(&small).unwrap_or_else(|e| panic!("{e}"));
    // a 2 MiB tmpfs, private to the command's mount namespace
    let script = format!(
        "mount -t tmpfs -o size=2m tmpfs '{}' && exec \"$0\" cp app:/data '{}/out' --idle-timeout 60s",
        small.display(),
        small.display()
    );
    let started = Instant::now();
    let out = std::process::Command::new("unshare")
        .args([
            "-m",
            "sh",
            "-c",
            &script,
            env!("CARGO_BIN_EXE_kubectl-dfimage"),
        ])
        .env("KUBECONFIG", w.cluster.kubeconfig_path())
        .env_remove("HTTPS_PROXY")
        .env_remove("https_proxy")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let took = started.elapsed();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("No space left"), "{err}");
    assert!(took < Duration::from_secs(8), "took {took:?}: {err}");
    let rec = tar_record(&w, PROMPT).unwrap_or_else(|| panic!("tar still running: {err}"));
    assert_eq!(rec.outcome, "client-gone", "{rec:?}");
    assert!(rec.stdout_bytes < 32 << 20, "{rec:?}");
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn a_stream_that_cannot_be_unpacked_ends_the_remote_command_at_once() {
    require_root();
    let w = World::new("gnu", "0:0");
    // a header block with a bad checksum, then endless data
    plant_hostile_tar(&w.rootfs(), &[b'x'; 512]);
    let tar = w.rootfs().join("usr/bin/tar");
    write(
        &tar,
        b"#!/bin/sh\ncase \"$1\" in --help|--version) exec /usr/bin/tar.real \"$@\";; esac\ncat /hostile.tar; exec cat /dev/zero\n",
    );
    chmod(&tar, 0o755);
    let started = Instant::now();
    let out = w.cp(
        "app:/case/src",
        w.local("out"),
        &["--retries", "0", "--idle-timeout", "60s"],
    );
    let took = started.elapsed();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(took < Duration::from_secs(8), "took {took:?}: {err}");
    // our process is gone; the fake must have seen the session end before it did
    let rec = tar_record(&w, Duration::from_millis(200))
        .unwrap_or_else(|| panic!("the remote command outlived the copy: {err}"));
    assert_eq!(rec.outcome, "client-gone", "{rec:?}");
}

/// Hidden partial files in `dir` (the unpacker's temporary names).
fn part_files(dir: &std::path::Path) -> Vec<String> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".dfimage-part"))
        .collect()
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn an_interrupted_copy_removes_its_partial_file_and_leaves_only_whole_files() {
    require_root();
    for signal in ["-INT", "-TERM"] {
        let w = World::new("gnu", "0:0");
        write(&w.rootfs().join("data/a-small.txt"), b"whole\n");
        write(&w.rootfs().join("data/b-big.bin"), &vec![7u8; 8 << 20]);
        w.cluster.add_faults(vec![Fault {
            command: Some("tar cf".into()),
            throttle_bytes_per_sec: Some(1 << 20),
            ..Fault::default()
        }]);
        let out = w.local("out");
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_kubectl-dfimage"))
            .arg("cp")
            .arg("app:/data")
            .arg(&out)
            .env("KUBECONFIG", w.cluster.kubeconfig_path())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{e}"));
        // wait until the big file is being written
        let deadline = Instant::now() + Duration::from_secs(20);
        while part_files(&out).is_empty() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(!part_files(&out).is_empty(), "the copy started");
        let pid = child.id().to_string();
        let sent = std::process::Command::new("kill")
            .args([signal, pid.as_str()])
            .status()
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(sent.success());
        let done = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
        let err = String::from_utf8_lossy(&done.stderr);
        assert_eq!(done.status.code(), Some(2), "{signal}: {err}");
        assert!(err.contains("partial file(s) removed"), "{err}");
        assert_eq!(part_files(&out), Vec::<String>::new(), "{signal}: {err}");
        assert!(
            !out.join("b-big.bin").exists(),
            "never under its final name"
        );
        // the small file may or may not have come first (directory order): if it is
        // there, it is whole
        if let Ok(small) = std::fs::read(out.join("a-small.txt")) {
            assert_eq!(small, b"whole\n");
        }
    }
}

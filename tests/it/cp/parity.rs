//! The same scenarios through the real `kubectl cp` (the dispatcher's built-in 1.32.4, chosen
//! because the fake's `/version` says minor 32) and through ours, against one fake cluster:
//! the differences are the assertions. Each one names the behaviour — what kubectl loses
//! (symlinks, hardlinks, modes, mtimes, FIFOs turned into files, names with `[`), where it lies
//! (exit 0 on permission denied, on a missing source, on a stream cut without a status), where
//! it writes through a local symlink — and what we keep. Facts from
//! /work/shared/reference/kubectl-cp-behaviour.md, observed again here.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::{Command, Output};

use fake_cluster::Fault;

use super::harness::*;

/// The installed kubectl with the world's kubeconfig and a private `--cache-dir`.
struct Kubectl {
    cache: tempfile::TempDir,
}

impl Kubectl {
    fn new() -> Self {
        Self {
            cache: tempfile::tempdir().unwrap_or_else(|e| panic!("{e}")),
        }
    }

    /// `kubectl cp SRC DEST EXTRA…`, run in the world's scratch folder.
    fn cp(
        &self,
        w: &World,
        src: impl AsRef<OsStr>,
        dest: impl AsRef<OsStr>,
        extra: &[&str],
    ) -> Output {
        let mut cmd = Command::new("kubectl");
        cmd.arg("--kubeconfig")
            .arg(w.cluster.kubeconfig_path())
            .arg("--cache-dir")
            .arg(self.cache.path())
            .arg("cp")
            .arg(src)
            .arg(dest)
            .args(extra)
            .current_dir(w.local.path());
        for var in [
            "KUBECONFIG",
            "HTTPS_PROXY",
            "https_proxy",
            "HTTP_PROXY",
            "http_proxy",
            "KUBECTL_REMOTE_COMMAND_WEBSOCKETS",
        ] {
            cmd.env_remove(var);
        }
        cmd.output()
            .unwrap_or_else(|e| panic!("kubectl (needs /usr/bin/kubectl): {e}"))
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn both(o: &Output) -> String {
    format!("stdout:\n{}\nstderr:\n{}", stdout(o), stderr(o))
}

fn lexists(p: &Path) -> bool {
    std::fs::symlink_metadata(p).is_ok()
}

fn mode(p: &Path) -> u32 {
    std::fs::symlink_metadata(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .mode()
        & 0o7777
}

fn mtime(p: &Path) -> i64 {
    std::fs::symlink_metadata(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .mtime()
}

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

const LINKS: [(&str, &str); 5] = [
    ("rel-link", "a.txt"),
    ("abs-link", "/etc/passwd"),
    ("dangling", "../nowhere"),
    ("dir-link", "deep/1"),
    ("chain", "rel-link"),
];

fn long_name() -> String {
    format!("long-{}", "n".repeat(200))
}

fn non_utf8_name() -> OsString {
    OsStr::from_bytes(b"caf\xe9-latin1.txt").to_owned()
}

/// A tree with every kind of entry kubectl mishandles, under the container's `/data`.
fn plant_rich_tree(w: &World) -> std::path::PathBuf {
    let root = w.rootfs().join("data");
    write(&root.join("a.txt"), b"alpha\n");
    std::fs::hard_link(root.join("a.txt"), root.join("hard.txt")).unwrap_or_else(|e| panic!("{e}"));
    chmod(&root.join("a.txt"), 0o640);
    write(&root.join("run.sh"), b"#!/bin/sh\n");
    chmod(&root.join("run.sh"), 0o755);
    write(&root.join("setuid"), b"s");
    chmod(&root.join("setuid"), 0o4755);
    write(&root.join("private/x"), b"inner\n");
    chmod(&root.join("private"), 0o700);
    std::fs::create_dir_all(root.join("empty")).unwrap_or_else(|e| panic!("{e}"));
    write(&root.join("deep/1/2/3/4/5/6/7/8/9/leaf"), b"leaf\n");
    write(&root.join("with space/b.txt"), b"beta\n");
    write(&root.join(long_name()), b"long\n");
    write(&root.join(non_utf8_name()), b"latin1\n");
    for (name, target) in LINKS {
        symlink(target, &root.join(name));
    }
    let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_577_836_800);
    std::fs::File::options()
        .write(true)
        .open(root.join("a.txt"))
        .and_then(|f| f.set_modified(old))
        .unwrap_or_else(|e| panic!("{e}"));
    root
}

#[test]
#[ignore = "needs root for the fake cluster's chroot and /usr/bin/kubectl (run by scripts/test.sh)"]
fn a_rich_tree_kubectl_drops_links_hardlinks_modes_and_times_and_we_keep_them() {
    require_root();
    let w = World::new("gnu", "0:0");
    let src = plant_rich_tree(&w);
    let theirs = Kubectl::new().cp(&w, "app:/data", "out-kubectl", &[]);
    let ours = w.cp("app:/data", w.local("out-ours"), &[]);
    let (k, o) = (w.local("out-kubectl"), w.local("out-ours"));
    assert_eq!(theirs.status.code(), Some(0), "{}", both(&theirs));
    assert_eq!(ours.status.code(), Some(0), "{}", stderr(&ours));

    // Symlinks: kubectl skips every one (since CVE-2019-11251), with a warning; we keep them.
    for (name, target) in LINKS {
        assert!(!lexists(&k.join(name)), "kubectl drops symlink {name}");
        assert!(
            stderr(&theirs).contains(&format!("-> \"{target}\"")),
            "kubectl warns about skipping {name}: {}",
            stderr(&theirs)
        );
        assert_eq!(link_target(&o.join(name)), target, "we keep symlink {name}");
    }
    // Hardlinks: kubectl writes the link entry as an empty regular file (its body is empty);
    // we make the second name a hardlink of the first.
    let (ka, kh) = (k.join("a.txt"), k.join("hard.txt"));
    let k_meta = |p: &Path| std::fs::metadata(p).unwrap_or_else(|e| panic!("{e}"));
    assert_ne!(k_meta(&ka).ino(), k_meta(&kh).ino(), "kubectl: two inodes");
    let mut contents = [read(&ka), read(&kh)];
    contents.sort();
    assert_eq!(
        contents,
        [b"".to_vec(), b"alpha\n".to_vec()],
        "kubectl: one of the hardlinked names arrives empty"
    );
    assert_eq!(
        k_meta(&o.join("a.txt")).ino(),
        k_meta(&o.join("hard.txt")).ino()
    );
    assert_eq!(
        read(&o.join("hard.txt")),
        b"alpha\n",
        "we keep the hardlink"
    );
    // Modes: kubectl creates files 0666 & umask and directories 0755; we apply the source's
    // permission bits (setuid dropped on purpose).
    assert_ne!(
        mode(&k.join("run.sh")) & 0o111,
        0o111,
        "kubectl drops exec bits"
    );
    assert_ne!(
        mode(&k.join("private")),
        0o700,
        "kubectl drops a 0700 dir's mode"
    );
    assert_eq!(mode(&o.join("run.sh")), 0o755, "we keep exec bits");
    assert_eq!(mode(&o.join("a.txt")), 0o640, "we keep 0640");
    assert_eq!(mode(&o.join("private")), 0o700, "we keep the 0700 dir");
    assert_eq!(mode(&o.join("setuid")), 0o755, "we drop setuid by default");
    // Mtimes: kubectl never sets them; we do.
    let want = mtime(&src.join("a.txt"));
    let kh_or_ka = if read(&ka).is_empty() { &kh } else { &ka };
    assert_ne!(mtime(kh_or_ka), want, "kubectl loses the mtime");
    assert_eq!(mtime(&o.join("a.txt")), want, "we keep the mtime");
    // What both keep: contents under long, non-UTF-8, spaced and deep names; empty dirs.
    for (dir, who) in [(&k, "kubectl"), (&o, "ours")] {
        assert_eq!(read(&dir.join(long_name())), b"long\n", "{who}: long name");
        assert_eq!(
            read(&dir.join(non_utf8_name())),
            b"latin1\n",
            "{who}: non-UTF-8 name"
        );
        assert_eq!(
            read(&dir.join("with space/b.txt")),
            b"beta\n",
            "{who}: spaces"
        );
        assert_eq!(
            read(&dir.join("deep/1/2/3/4/5/6/7/8/9/leaf")),
            b"leaf\n",
            "{who}: deep"
        );
        assert!(dir.join("empty").is_dir(), "{who}: empty dir");
    }
}

#[test]
#[ignore = "needs root for the fake cluster's chroot and /usr/bin/kubectl (run by scripts/test.sh)"]
fn a_fifo_kubectl_turns_into_an_empty_file_and_we_skip_and_report_with_exit_1() {
    require_root();
    let w = World::new("gnu", "0:0");
    write(&w.rootfs().join("data/a.txt"), b"alpha\n");
    let fifo = w.rootfs().join("data/pipe");
    let made = Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    let theirs = Kubectl::new().cp(&w, "app:/data", "out-kubectl", &[]);
    let ours = w.cp("app:/data", w.local("out-ours"), &[]);
    assert_eq!(theirs.status.code(), Some(0), "{}", both(&theirs));
    let k = std::fs::symlink_metadata(w.local("out-kubectl/pipe"))
        .unwrap_or_else(|e| panic!("kubectl made something for the FIFO: {e}"));
    assert!(
        k.is_file() && k.len() == 0,
        "kubectl: an empty regular file"
    );
    assert_eq!(ours.status.code(), Some(1), "{}", stderr(&ours));
    assert!(!lexists(&w.local("out-ours/pipe")), "we create nothing");
    assert!(
        stderr(&ours).contains("data/pipe: unsupported entry type"),
        "we report it: {}",
        stderr(&ours)
    );
    assert_eq!(read(&w.local("out-ours/a.txt")), b"alpha\n");
}

#[test]
#[ignore = "needs root for the fake cluster's chroot and /usr/bin/kubectl (run by scripts/test.sh)"]
fn permission_denied_kubectl_exits_0_with_tars_complaint_on_stdout_and_we_exit_1_listing_it() {
    require_root();
    let w = World::new("gnu", "1000:1000");
    let root = w.rootfs().join("data");
    write(&root.join("ok.txt"), b"ok\n");
    write(&root.join("secret"), b"root only\n");
    chmod(&root.join("secret"), 0o600);
    write(&root.join("locked/inner"), b"x");
    chmod(&root.join("locked"), 0o700);
    let theirs = Kubectl::new().cp(&w, "app:/data", "out-kubectl", &[]);
    let ours = w.cp("app:/data", w.local("out-ours"), &[]);
    assert_eq!(
        theirs.status.code(),
        Some(0),
        "kubectl lies: {}",
        both(&theirs)
    );
    assert!(
        stdout(&theirs).contains("Permission denied") && !stderr(&theirs).contains("Permission"),
        "kubectl puts the remote tar's complaint on stdout: {}",
        both(&theirs)
    );
    assert!(!lexists(&w.local("out-kubectl/secret")));
    assert_eq!(ours.status.code(), Some(1), "{}", stderr(&ours));
    let err = stderr(&ours);
    assert!(err.contains("data/secret: permission denied"), "{err}");
    assert!(err.contains("data/locked"), "{err}");
    assert!(err.contains("copy is partial"), "{err}");
    assert!(ours.stdout.is_empty(), "nothing on our stdout");
    assert_eq!(
        read(&w.local("out-ours/ok.txt")),
        b"ok\n",
        "the rest is copied"
    );
}

#[test]
#[ignore = "needs root for the fake cluster's chroot and /usr/bin/kubectl (run by scripts/test.sh)"]
fn a_missing_source_kubectl_exits_0_and_we_report_it_non_zero() {
    require_root();
    let w = World::new("gnu", "0:0");
    let theirs = Kubectl::new().cp(&w, "app:/no/such", "out-kubectl", &[]);
    let ours = w.cp("app:/no/such", w.local("out-ours"), &[]);
    assert_eq!(
        theirs.status.code(),
        Some(0),
        "kubectl lies: {}",
        both(&theirs)
    );
    assert!(!lexists(&w.local("out-kubectl")));
    assert_eq!(ours.status.code(), Some(2), "{}", stderr(&ours));
    // The remote tar runs in `/no` (`-C /no ./such`), so that is the path it names.
    assert!(
        stderr(&ours).contains("/no: vanished"),
        "we name the missing path: {}",
        stderr(&ours)
    );
}

/// 40 files of 20 000 bytes: GNU tar writes a directory header, then 41 blocks per file.
fn plant_forty_files(w: &World) {
    for i in 0..40u32 {
        let body: Vec<u8> = (0..20_000u32)
            .map(|n| (n.wrapping_mul(2_654_435_761).wrapping_add(i) >> 13) as u8)
            .collect();
        write(&w.rootfs().join(format!("big/f{i:02}.bin")), &body);
    }
}

fn count_files(dir: &Path) -> usize {
    std::fs::read_dir(dir).map(|r| r.count()).unwrap_or(0)
}

#[test]
#[ignore = "needs root for the fake cluster's chroot and /usr/bin/kubectl (run by scripts/test.sh)"]
fn a_tar_killed_mid_stream_without_a_status_is_success_for_kubectl_and_failure_for_us() {
    require_root();
    let w = World::new("gnu", "0:0");
    plant_forty_files(&w);
    // The container's tar dies after 7 complete files (a cut on a header boundary, as an OOM
    // kill would leave it), and the exec status never arrives (close 1000 still sent).
    let cut = (1 + 41 * 7) * 512;
    let bin = w.rootfs().join("usr/bin");
    std::fs::rename(bin.join("tar"), bin.join("tar.real")).unwrap_or_else(|e| panic!("{e}"));
    let script = format!(
        "#!/bin/sh\ncase \"$1\" in --help|--version) exec /usr/bin/tar.real \"$@\";; esac\n/usr/bin/tar.real \"$@\" | head -c {cut}\nexit 137\n"
    );
    write(&bin.join("tar"), script.as_bytes());
    chmod(&bin.join("tar"), 0o755);
    w.cluster.add_faults(vec![Fault {
        command: Some("tar cf".into()),
        no_status: true,
        ..Fault::default()
    }]);
    let theirs = Kubectl::new().cp(&w, "app:/big", "out-kubectl", &[]);
    let ours = w.cp("app:/big", w.local("out-ours"), &["--retries", "0"]);
    assert_eq!(
        theirs.status.code(),
        Some(0),
        "kubectl reports the cut stream as success: {}",
        both(&theirs)
    );
    assert_eq!(
        count_files(&w.local("out-kubectl")),
        7,
        "with 33 files missing"
    );
    assert_eq!(ours.status.code(), Some(2), "{}", stderr(&ours));
    assert!(stderr(&ours).contains("ended early"), "{}", stderr(&ours));
}

/// Offsets in `lo..hi` from a seed (`CP_PARITY_SEED`, else the clock), printed on failure.
fn offsets(n: usize, lo: u64, hi: u64) -> (u64, Vec<u64>) {
    let seed = std::env::var("CP_PARITY_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
        });
    let mut x = seed | 1;
    let list = (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            lo + x % (hi - lo)
        })
        .collect();
    (seed, list)
}

#[test]
#[ignore = "needs root for the fake cluster's chroot and /usr/bin/kubectl (run by scripts/test.sh)"]
fn connection_drops_at_random_offsets_kubectl_stops_and_we_resume_to_a_byte_identical_tree() {
    require_root();
    let w = World::new("gnu", "0:0");
    plant_forty_files(&w);
    let (seed, cuts) = offsets(3, 4096, 800_000);
    for (i, at) in cuts.iter().enumerate() {
        let fault = Fault {
            command: Some("tar cf".into()),
            cut_after_bytes: Some(*at),
            nth: Some(1),
            ..Fault::default()
        };
        w.cluster.add_faults(vec![fault.clone()]);
        let kdir = format!("k{i}");
        let theirs = Kubectl::new().cp(&w, "app:/big", &kdir, &["--retries", "3"]);
        w.cluster.add_faults(vec![fault]);
        let odir = w.local(&format!("o{i}"));
        let ours = w.cp("app:/big", &odir, &["--retries", "3"]);
        let ctx = format!("seed {seed}, cut after {at} bytes");
        assert_eq!(theirs.status.code(), Some(1), "{ctx}: {}", both(&theirs));
        assert!(
            !stdout(&theirs).contains("Resuming copy"),
            "{ctx}: kubectl's --retries does not survive a dropped connection"
        );
        assert!(
            count_files(&w.local(&kdir)) < 40,
            "{ctx}: kubectl leaves a partial tree"
        );
        assert_eq!(ours.status.code(), Some(0), "{ctx}: {}", stderr(&ours));
        for n in 0..40 {
            let name = format!("f{n:02}.bin");
            assert!(
                read(&w.rootfs().join("big").join(&name)) == read(&odir.join(&name)),
                "{ctx}: {name} identical after our resume"
            );
        }
    }
}

#[test]
#[ignore = "needs root for the fake cluster's chroot and /usr/bin/kubectl (run by scripts/test.sh)"]
fn a_throttled_stream_completes_for_both() {
    require_root();
    let w = World::new("gnu", "0:0");
    plant_forty_files(&w);
    let slow = Fault {
        command: Some("tar cf".into()),
        throttle_bytes_per_sec: Some(2_000_000),
        ..Fault::default()
    };
    w.cluster.add_faults(vec![slow]);
    let theirs = Kubectl::new().cp(&w, "app:/big", "out-kubectl", &[]);
    let ours = w.cp("app:/big", w.local("out-ours"), &[]);
    assert_eq!(theirs.status.code(), Some(0), "{}", both(&theirs));
    assert_eq!(ours.status.code(), Some(0), "{}", stderr(&ours));
    for n in 0..40 {
        let name = format!("f{n:02}.bin");
        let want = read(&w.rootfs().join("big").join(&name));
        assert!(
            want == read(&w.local("out-kubectl").join(&name)),
            "kubectl {name}"
        );
        assert!(
            want == read(&w.local("out-ours").join(&name)),
            "ours {name}"
        );
    }
}

#[test]
#[ignore = "needs root for the fake cluster's chroot and /usr/bin/kubectl (run by scripts/test.sh)"]
fn an_existing_local_symlink_kubectl_writes_through_and_we_replace() {
    require_root();
    let w = World::new("gnu", "0:0");
    write(&w.rootfs().join("data/run.sh"), b"from the pod\n");
    let (k_canary, o_canary) = (w.local("canary-k"), w.local("canary-o"));
    write(&k_canary, b"canary\n");
    write(&o_canary, b"canary\n");
    // kubectl maps `data/run.sh` into an existing DEST as DEST/run.sh; we, like cp, as
    // DEST/data/run.sh. A link waits at each.
    std::fs::create_dir_all(w.local("out-kubectl")).unwrap_or_else(|e| panic!("{e}"));
    symlink("../canary-k", &w.local("out-kubectl/run.sh"));
    std::fs::create_dir_all(w.local("out-ours/data")).unwrap_or_else(|e| panic!("{e}"));
    symlink("../../canary-o", &w.local("out-ours/data/run.sh"));
    let theirs = Kubectl::new().cp(&w, "app:/data", "out-kubectl", &[]);
    let ours = w.cp("app:/data", w.local("out-ours"), &[]);
    assert_eq!(theirs.status.code(), Some(0), "{}", both(&theirs));
    assert_eq!(
        read(&k_canary),
        b"from the pod\n",
        "kubectl wrote through the link, outside its destination"
    );
    assert_eq!(ours.status.code(), Some(0), "{}", stderr(&ours));
    assert_eq!(
        read(&o_canary),
        b"canary\n",
        "we never write through a link"
    );
    let placed = w.local("out-ours/data/run.sh");
    assert!(std::fs::symlink_metadata(&placed).is_ok_and(|m| m.is_file()));
    assert_eq!(read(&placed), b"from the pod\n");
}

#[test]
#[ignore = "needs root for the fake cluster's chroot and /usr/bin/kubectl (run by scripts/test.sh)"]
fn upload_kubectl_silently_drops_bracket_names_and_directory_modes_and_we_send_them() {
    require_root();
    let w = World::new("gnu", "0:0");
    let src = w.local("src");
    write(&src.join("a[1].txt"), b"bracket\n");
    write(&src.join("plain.txt"), b"plain\n");
    chmod(&src, 0o700);
    let theirs = Kubectl::new().cp(&w, "src", "app:/tmp/by-kubectl", &[]);
    let ours = w.cp(&src, "app:/tmp/by-ours", &[]);
    let (k, o) = (
        w.rootfs().join("tmp/by-kubectl"),
        w.rootfs().join("tmp/by-ours"),
    );
    assert_eq!(theirs.status.code(), Some(0), "{}", both(&theirs));
    assert_eq!(read(&k.join("plain.txt")), b"plain\n");
    assert!(
        !lexists(&k.join("a[1].txt")),
        "kubectl globs local names: a[1].txt is not sent, and rc is 0"
    );
    assert_ne!(
        mode(&k),
        0o700,
        "kubectl sends no entry for a non-empty directory"
    );
    assert_eq!(ours.status.code(), Some(0), "{}", stderr(&ours));
    assert_eq!(
        read(&o.join("a[1].txt")),
        b"bracket\n",
        "we send names literally"
    );
    assert_eq!(mode(&o), 0o700, "we send the directory's mode");
}

#[test]
#[ignore = "needs root for the fake cluster's chroot and /usr/bin/kubectl (run by scripts/test.sh)"]
fn a_single_file_into_an_existing_directory_fails_for_kubectl_and_lands_inside_for_us() {
    require_root();
    let w = World::new("gnu", "0:0");
    write(&w.rootfs().join("etc/app.conf"), b"conf\n");
    std::fs::create_dir_all(w.local("dir-k")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir_all(w.local("dir-o")).unwrap_or_else(|e| panic!("{e}"));
    let theirs = Kubectl::new().cp(&w, "app:/etc/app.conf", "dir-k", &[]);
    let ours = w.cp("app:/etc/app.conf", w.local("dir-o"), &[]);
    assert_ne!(theirs.status.code(), Some(0), "{}", both(&theirs));
    assert!(
        stderr(&theirs).contains("is a directory"),
        "{}",
        both(&theirs)
    );
    assert_eq!(ours.status.code(), Some(0), "{}", stderr(&ours));
    assert_eq!(read(&w.local("dir-o/app.conf")), b"conf\n", "like cp");
}

//! A resumed download's summary equals an uninterrupted copy's: directories, names that
//! cannot be excluded and local skips a continuation sends again are counted once.

use fake_cluster::Fault;

use super::harness::*;

/// Nested directories (sent again by every continuation), files of several sizes, symlinks,
/// an empty directory, a name with a newline (cannot be excluded, so sent again) and a FIFO
/// (skipped locally, and met again).
fn plant(w: &World) {
    let root = w.rootfs().join("data");
    for d in 0..6 {
        for f in 0..5 {
            let size = 3_000 + 7_919 * (d * 5 + f);
            let body: Vec<u8> = (0..size).map(|n| (n * 13 + d) as u8).collect();
            write(&root.join(format!("d{d}/sub{d}/f{f}.bin")), &body);
        }
        symlink(&format!("sub{d}/f0.bin"), &root.join(format!("d{d}/link")));
    }
    std::fs::create_dir_all(root.join("empty/also")).unwrap_or_else(|e| panic!("{e}"));
    write(&root.join("d2/new\nline"), &vec![b'n'; 40_000]);
    let fifo = root.join("d4/pipe");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap_or_else(|e| panic!("mkfifo: {e}"));
    assert!(made.success());
}

/// The "N file(s), … copied; N path(s) skipped" line.
fn summary_line(err: &str) -> String {
    err.lines()
        .find(|l| l.contains(" byte(s) copied;"))
        .unwrap_or_else(|| panic!("no summary in {err}"))
        .to_owned()
}

/// A small xorshift, seeded from the clock and printed with every failure.
fn offsets(seed: u64, n: usize, below: u64) -> Vec<u64> {
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            1 + x % (below - 1)
        })
        .collect()
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn a_download_cut_at_random_offsets_reports_the_counts_of_an_uninterrupted_one() {
    require_root();
    let w = World::new("gnu", "0:0");
    plant(&w);
    let clean = w.cp("app:/data", w.local("clean"), &["--retries", "3"]);
    let clean_err = stderr(&clean);
    assert_eq!(clean.status.code(), Some(1), "{clean_err}"); // the FIFO
    let want = summary_line(&clean_err);
    let stream = w
        .cluster
        .execs()
        .into_iter()
        .filter(|e| e.command.join(" ").contains("tar cf"))
        .map(|e| e.stdout_bytes)
        .max()
        .unwrap_or_default();
    assert!(stream > 100_000, "stream of {stream} bytes");
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(42);
    for (i, at) in offsets(seed, 4, stream).into_iter().enumerate() {
        w.cluster.clear_faults();
        w.cluster.add_faults(vec![Fault {
            command: Some("tar cf".into()),
            cut_after_bytes: Some(at),
            nth: Some(1),
            ..Fault::default()
        }]);
        let dest = format!("cut{i}");
        let out = w.cp("app:/data", w.local(&dest), &["--retries", "3"]);
        let err = stderr(&out);
        let ctx = format!("seed {seed}, cut after {at} of {stream} bytes:\n{err}");
        assert_eq!(out.status.code(), Some(1), "{ctx}");
        assert!(err.contains("retry 1"), "{ctx}");
        assert_eq!(summary_line(&err), want, "{ctx}");
        assert_eq!(
            err.matches("d4/pipe").count(),
            clean_err.matches("d4/pipe").count(),
            "the skipped FIFO is reported once: {ctx}"
        );
    }
}

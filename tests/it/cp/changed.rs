//! A file the container's tar reports as changed while it read it is withdrawn: not left on
//! disk with tar's zero padding, not counted as copied, reported once.

use std::time::Duration;

use super::harness::*;

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn a_file_that_shrinks_while_gnu_tar_reads_it_is_removed_and_not_counted() {
    require_root();
    let w = World::new("gnu", "0:0");
    let root = w.rootfs().join("data");
    let big = root.join("grow/g.bin");
    write(&big, &vec![0x5a; 4 << 20]);
    for i in 0..3 {
        write(
            &root.join(format!("grow/small{i}")),
            format!("{i}\n").as_bytes(),
        );
    }
    write(&root.join("a.txt"), b"a\n");
    w.cluster.add_faults(vec![fake_cluster::Fault {
        command: Some("cf -".into()),
        throttle_bytes_per_sec: Some(1 << 20),
        chunk_bytes: Some(16 * 1024),
        ..fake_cluster::Fault::default()
    }]);
    let shrink = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(700));
        let f = std::fs::OpenOptions::new().write(true).open(&big);
        f.and_then(|f| f.set_len(1 << 20))
            .unwrap_or_else(|e| panic!("{e}"));
    });
    let out = w.cp("app:/data", w.local("out"), &[]);
    shrink.join().unwrap_or_else(|_| panic!("shrink thread"));
    let err = stderr(&out);
    assert!(
        err.contains("g.bin") && err.contains("changed"),
        "the container reported the change: {err}"
    );
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        !w.local("out/grow/g.bin").exists(),
        "the padded copy stays behind: {err}"
    );
    assert_eq!(err.matches("g.bin").count(), 1, "reported once: {err}");
    // the other files are whole and counted; the withdrawn one is not
    assert_eq!(
        std::fs::read(w.local("out/a.txt")).unwrap_or_default(),
        b"a\n"
    );
    for i in 0..3 {
        assert!(w.local(&format!("out/grow/small{i}")).exists(), "{err}");
    }
    assert!(err.contains("4 file(s)"), "{err}");
}

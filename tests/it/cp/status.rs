//! A container that reports no exit status after a complete archive: said as such, not
//! retried, and partial (exit 1): the files are whole, the remote verdict is unknown.

use fake_cluster::Fault;

use super::harness::*;

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn a_missing_status_after_a_complete_archive_is_named_and_not_retried() {
    require_root();
    let w = World::new("gnu", "0:0");
    write(&w.rootfs().join("data/a.txt"), b"a\n");
    write(&w.rootfs().join("data/sub/b.txt"), b"b\n");
    w.cluster.add_faults(vec![Fault {
        command: Some("cf -".into()),
        no_status: true,
        ..Fault::default()
    }]);
    let out = w.cp("app:/data", w.local("out"), &["--retries", "3"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("did not report an exit status"), "{err}");
    assert!(
        !err.contains("stream broke") && !err.contains("retry"),
        "{err}"
    );
    assert_eq!(w.execs_containing("cf -").len(), 1, "one attempt: {err}");
    assert_eq!(
        std::fs::read(w.local("out/a.txt")).unwrap_or_default(),
        b"a\n"
    );
    assert_eq!(
        std::fs::read(w.local("out/sub/b.txt")).unwrap_or_default(),
        b"b\n"
    );
}

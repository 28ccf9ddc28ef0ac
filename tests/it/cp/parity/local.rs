//! What is already on the local side: a symlink in the destination, local names and modes on
//! upload, a file copied into an existing directory.

use super::*;

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

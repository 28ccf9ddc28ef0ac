//! History shorter than the layers: the tool lists the layers both alignments would pair
//! with COPY/ADD steps and keeps the one whose layers hold the COPY destinations
//! (created-by-formats.md §6 P4), here through a real OCI layout on disk.

use assert_cmd::Command;

use crate::registry::fixtures::{
    Blob, Files, OCI_CONFIG, OCI_LAYER, OCI_MANIFEST, add_blob, layer_tar, write_dir,
};

/// Three layers (a base rootfs without history, the base's own ADD, the app's COPY) and
/// only two non-empty history entries: the layer without history is the oldest.
fn layout(dir: &std::path::Path) {
    let layers = [
        Blob::new(layer_tar("bin/sh", b"#!")),
        Blob::new(layer_tar("etc/os-release", b"ID=test")),
        Blob::new(layer_tar("app/main.py", b"print(1)")),
    ];
    let diff_ids: Vec<String> = layers.iter().map(|l| format!("{:?}", l.digest)).collect();
    let config = Blob::new(
        format!(
            r#"{{"architecture":"amd64","os":"linux","config":{{}},
               "rootfs":{{"type":"layers","diff_ids":[{}]}},
               "history":[
                 {{"created_by":"/bin/sh -c #(nop) ADD file:0a1b2c in / "}},
                 {{"created_by":"/bin/sh -c #(nop)  CMD [\"sh\"]","empty_layer":true}},
                 {{"created_by":"/bin/sh -c #(nop) COPY dir:3d4e5f in /app "}}]}}"#,
            diff_ids.join(",")
        )
        .into_bytes(),
    );
    let descs: Vec<String> = layers.iter().map(|l| l.descriptor(OCI_LAYER, "")).collect();
    let manifest = Blob::new(
        format!(
            r#"{{"schemaVersion":2,"mediaType":"{OCI_MANIFEST}","config":{},"layers":[{}]}}"#,
            config.descriptor(OCI_CONFIG, ""),
            descs.join(",")
        )
        .into_bytes(),
    );
    let mut files = Files::new();
    for b in layers.iter().chain([&config, &manifest]) {
        add_blob(&mut files, b);
    }
    files.insert(
        "index.json".into(),
        format!(
            r#"{{"schemaVersion":2,"manifests":[{}]}}"#,
            manifest.descriptor(OCI_MANIFEST, "")
        )
        .into_bytes(),
    );
    files.insert(
        "oci-layout".into(),
        br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec(),
    );
    write_dir(dir, &files);
}

#[test]
fn a_layer_without_history_at_the_bottom_is_paired_by_the_copy_destination() {
    let tmp = tempfile::tempdir().unwrap();
    layout(tmp.path());
    let out = Command::cargo_bin("kubectl-dfimage")
        .unwrap()
        .arg(format!("oci:{}", tmp.path().display()))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // The COPY step shows the files of the newest layer, not of the base's.
    let copy = stdout
        .find("COPY")
        .unwrap_or_else(|| panic!("no COPY in:\n{stdout}"));
    assert!(stdout[copy..].contains("app/main.py"), "{stdout}");
    assert!(!stdout[copy..].contains("etc/os-release"), "{stdout}");
    assert!(
        stderr.contains(
            "paired history with layers from the end instead: COPY/ADD steps whose layer \
             holds their destination: 1 that way, 0 the other way"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("3 layers; layer 1 has no entry (paired from the end)"),
        "{stderr}"
    );
}

#[test]
fn without_listings_the_default_start_alignment_stays_and_is_warned_about() {
    let tmp = tempfile::tempdir().unwrap();
    layout(tmp.path());
    let out = Command::cargo_bin("kubectl-dfimage")
        .unwrap()
        .args(["--files", "none"])
        .arg(format!("oci:{}", tmp.path().display()))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("paired from the start"), "{stderr}");
    assert!(!stderr.contains("from the end instead"), "{stderr}");
}

//! `extract` treats layers as untrusted: a hostile layer in a real OCI layout cannot make it
//! write outside DEST, and flattening applies whiteouts across layers.

use std::io::Write;
use std::path::Path;
use std::process::Command;

use sha2::{Digest, Sha256};

fn sha(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// A raw ustar header block for `name` (no validation: hostile names pass through).
fn header(name: &[u8], kind: u8, size: u64, link: &[u8]) -> [u8; 512] {
    let mut h = [0u8; 512];
    h[..name.len()].copy_from_slice(name);
    h[100..108].copy_from_slice(b"0000644\0");
    h[108..116].copy_from_slice(b"0000000\0");
    h[116..124].copy_from_slice(b"0000000\0");
    h[124..136].copy_from_slice(format!("{size:011o}\0").as_bytes());
    h[136..148].copy_from_slice(b"00000000000\0");
    h[156] = kind;
    h[157..157 + link.len()].copy_from_slice(link);
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|b| u32::from(*b)).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    h
}

fn entry(out: &mut Vec<u8>, name: &[u8], kind: u8, body: &[u8], link: &[u8]) {
    out.extend_from_slice(&header(name, kind, body.len() as u64, link));
    out.extend_from_slice(body);
    out.resize(out.len().div_ceil(512) * 512, 0);
}

fn finish(mut tar: Vec<u8>) -> Vec<u8> {
    tar.extend_from_slice(&[0u8; 1024]);
    tar
}

/// Writes an OCI layout holding one image with these uncompressed layers.
fn layout(dir: &Path, layers: &[Vec<u8>]) {
    let blobs = dir.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).unwrap_or_else(|e| panic!("{e}"));
    let put = |bytes: &[u8]| {
        let d = sha(bytes);
        std::fs::write(blobs.join(d.trim_start_matches("sha256:")), bytes)
            .unwrap_or_else(|e| panic!("{e}"));
        d
    };
    let descs: Vec<serde_json::Value> = layers
        .iter()
        .map(|l| serde_json::json!({"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": put(l), "size": l.len()}))
        .collect();
    let diff_ids: Vec<String> = layers.iter().map(|l| sha(l)).collect();
    let history: Vec<serde_json::Value> = layers
        .iter()
        .map(|_| serde_json::json!({"created_by": "COPY . / # buildkit"}))
        .collect();
    let config = serde_json::to_vec(&serde_json::json!({
        "architecture": "amd64", "os": "linux",
        "config": {}, "rootfs": {"type": "layers", "diff_ids": diff_ids}, "history": history
    }))
    .unwrap_or_default();
    let cdigest = put(&config);
    let manifest = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cdigest, "size": config.len()},
        "layers": descs
    }))
    .unwrap_or_default();
    let mdigest = put(&manifest);
    let index = serde_json::json!({
        "schemaVersion": 2,
        "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": mdigest, "size": manifest.len(),
                       "annotations": {"org.opencontainers.image.ref.name": "t"}}]
    });
    std::fs::write(
        dir.join("index.json"),
        serde_json::to_vec(&index).unwrap_or_default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let mut f = std::fs::File::create(dir.join("oci-layout")).unwrap_or_else(|e| panic!("{e}"));
    let _ = f.write_all(br#"{"imageLayoutVersion":"1.0.0"}"#);
}

fn extract(layout_dir: &Path, dest: &Path, extra: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kubectl-dfimage"))
        .arg("extract")
        .arg(format!("oci:{}:t", layout_dir.display()))
        .arg(dest)
        .args(extra)
        .output()
        .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn hostile_layer_entries_never_write_outside_dest() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let outside = tmp.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap_or_else(|e| panic!("{e}"));
    let mut l = Vec::new();
    entry(&mut l, b"../outside/escaped", b'0', b"x", b"");
    entry(&mut l, b"/abs-escape", b'0', b"x", b"");
    entry(
        &mut l,
        b"link",
        b'2',
        b"",
        tmp.path().join("outside").to_string_lossy().as_bytes(),
    );
    entry(&mut l, b"link/through", b'0', b"x", b"");
    entry(&mut l, b"hard", b'1', b"", b"../outside/target");
    entry(&mut l, b"ok.txt", b'0', b"fine\n", b"");
    let oci = tmp.path().join("oci");
    layout(&oci, &[finish(l)]);
    let dest = tmp.path().join("dest");
    let out = extract(&oci, &dest, &["--flatten"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "skips make it partial: {err}");
    let leaked: Vec<_> = std::fs::read_dir(&outside)
        .into_iter()
        .flatten()
        .flatten()
        .collect();
    assert!(leaked.is_empty(), "wrote outside DEST: {leaked:?}");
    assert!(!tmp.path().join("abs-escape").exists() && !Path::new("/abs-escape").exists());
    assert_eq!(
        std::fs::read(dest.join("ok.txt")).unwrap_or_default(),
        b"fine\n"
    );
}

#[test]
fn flatten_applies_whiteouts_and_opaque_dirs_across_layers() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut a = Vec::new();
    entry(&mut a, b"etc/", b'5', b"", b"");
    entry(&mut a, b"etc/gone.txt", b'0', b"old", b"");
    entry(&mut a, b"etc/kept.txt", b'0', b"kept", b"");
    entry(&mut a, b"opt/cache/", b'5', b"", b"");
    entry(&mut a, b"opt/cache/stale", b'0', b"stale", b"");
    let mut b = Vec::new();
    entry(&mut b, b"etc/.wh.gone.txt", b'0', b"", b"");
    entry(&mut b, b"opt/cache/.wh..wh..opq", b'0', b"", b"");
    entry(&mut b, b"opt/cache/fresh", b'0', b"fresh", b"");
    let oci = tmp.path().join("oci");
    layout(&oci, &[finish(a), finish(b)]);
    let dest = tmp.path().join("root");
    let out = extract(&oci, &dest, &["--flatten"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!dest.join("etc/gone.txt").exists());
    assert!(dest.join("etc/kept.txt").exists());
    assert!(!dest.join("opt/cache/stale").exists());
    assert_eq!(
        std::fs::read(dest.join("opt/cache/fresh")).unwrap_or_default(),
        b"fresh"
    );
    assert!(!dest.join("etc/.wh.gone.txt").exists());
}

#[test]
fn layer_out_of_range_and_missing_mode_are_usage_failures() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut a = Vec::new();
    entry(&mut a, b"f", b'0', b"1", b"");
    let oci = tmp.path().join("oci");
    layout(&oci, &[finish(a)]);
    let out = extract(&oci, &tmp.path().join("d"), &["--layer", "5"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 layer(s)"));
    let out = extract(&oci, &tmp.path().join("d"), &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--flatten"));
}

#[test]
fn path_never_follows_a_symlink_already_in_dest() {
    // An earlier extraction of a hostile image may have left DEST/esc -> elsewhere.
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let outside = tmp.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap_or_else(|e| panic!("{e}"));
    let dest = tmp.path().join("dest");
    std::fs::create_dir_all(&dest).unwrap_or_else(|e| panic!("{e}"));
    std::os::unix::fs::symlink(&outside, dest.join("esc")).unwrap_or_else(|e| panic!("{e}"));
    let mut l = Vec::new();
    entry(&mut l, b"esc/", b'5', b"", b"");
    entry(&mut l, b"esc/pwned.txt", b'0', b"x", b"");
    let oci = tmp.path().join("oci");
    layout(&oci, &[finish(l)]);
    for mode in [
        &["--flatten", "--path", "esc"][..],
        &["--layer", "0", "--path", "esc/"],
    ] {
        let out = extract(&oci, &dest, mode);
        let leaked: Vec<_> = std::fs::read_dir(&outside)
            .into_iter()
            .flatten()
            .flatten()
            .collect();
        assert!(
            leaked.is_empty(),
            "{mode:?} wrote outside DEST: {leaked:?}; {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn path_extracts_only_that_subtree_keeping_names_and_its_whiteouts() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut a = Vec::new();
    entry(&mut a, b"etc/os-release", b'0', b"ID=x", b"");
    entry(&mut a, b"usr/bin/old", b'0', b"old", b"");
    entry(&mut a, b"usr/bin/tool", b'0', b"v1", b"");
    let mut b = Vec::new();
    // An opaque marker on the way to the path hides everything below it from layer a.
    entry(&mut b, b"usr/.wh..wh..opq", b'0', b"", b"");
    entry(&mut b, b"usr/bin/tool", b'0', b"v2", b"");
    entry(&mut b, b"usr/lib/libx.so", b'0', b"lib", b"");
    let oci = tmp.path().join("oci");
    layout(&oci, &[finish(a), finish(b)]);
    let dest = tmp.path().join("root");
    let out = extract(&oci, &dest, &["--flatten", "--path", "/usr/bin"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(0),
        "passing over other paths is no skip: {err}"
    );
    assert!(!err.contains("outside the requested path"), "{err}");
    assert_eq!(
        std::fs::read(dest.join("usr/bin/tool")).unwrap_or_default(),
        b"v2"
    );
    assert!(!dest.join("usr/bin/old").exists(), "the opaque dir hid it");
    assert!(!dest.join("usr/lib").exists() && !dest.join("etc").exists());
}

#[test]
fn a_layer_blob_that_does_not_match_its_digest_fails_the_extraction() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut l = Vec::new();
    entry(&mut l, b"bin/tool", b'0', b"genuine", b"");
    let layer = finish(l);
    let oci = tmp.path().join("oci");
    layout(&oci, std::slice::from_ref(&layer));
    // Same size, other content: only the digest can tell.
    let blob = oci
        .join("blobs/sha256")
        .join(sha(&layer).trim_start_matches("sha256:"));
    let tampered = String::from_utf8_lossy(&layer).replace("genuine", "TAMPERD");
    std::fs::write(&blob, tampered.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    let dest = tmp.path().join("dest");
    let out = extract(&oci, &dest, &["--flatten"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("digest"), "{err}");
}

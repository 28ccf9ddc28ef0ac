//! Layers made by a real builder: buildah builds a tiny busybox image (symlinks, a hard
//! link, a setuid file, `COPY --chown`, odd names, file and directory deletions), pushes it
//! to OCI layouts with gzip and zstd, and every layer is listed and checked against the
//! config's diff_ids. Opt-in: needs buildah and root (chroot isolation).

use std::path::Path;
use std::process::Command;

use super::*;
use kubectl_dfimage::image::layer::{EntryPath, LayerEntry};

const DOCKERFILE: &str = "FROM scratch
COPY R/ /
COPY --chown=1000:1000 app/ /app/
RUN rm /etc/gone.txt && rm -rf /opt/cache && mkdir /opt/cache && echo c > /opt/cache/c && chmod 4755 /bin/su
";

fn run(command: &mut Command) {
    let output = command
        .output()
        .expect("run builder tool (is buildah installed?)");
    assert!(
        output.status.success(),
        "{command:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The build context: a busybox rootfs `R/` and an `app/` tree.
fn write_context(ctx: &Path) {
    use std::fs;
    use std::os::unix::fs::{PermissionsExt, symlink};
    let r = ctx.join("R");
    for dir in ["bin", "etc", "tmp", "opt/cache/sub"] {
        fs::create_dir_all(r.join(dir)).expect("mkdir");
    }
    fs::copy("/bin/busybox", r.join("bin/busybox"))
        .expect("busybox (apt-get install busybox-static)");
    for applet in ["sh", "rm", "mkdir", "echo", "chmod"] {
        symlink("busybox", r.join("bin").join(applet)).expect("symlink");
    }
    fs::set_permissions(r.join("tmp"), fs::Permissions::from_mode(0o1777)).expect("chmod");
    fs::write(r.join("etc/gone.txt"), "gone\n").expect("write");
    fs::write(r.join("opt/cache/a"), "a\n").expect("write");
    fs::write(r.join("opt/cache/sub/b"), "b\n").expect("write");
    let app = ctx.join("app");
    fs::create_dir_all(&app).expect("mkdir");
    fs::write(app.join("run.sh"), "#!/bin/sh\necho hi\n").expect("write");
    fs::set_permissions(app.join("run.sh"), fs::Permissions::from_mode(0o755)).expect("chmod");
    fs::hard_link(app.join("run.sh"), app.join("run-hard.sh")).expect("hard link");
    symlink("run.sh", app.join("run-link")).expect("symlink");
    fs::write(app.join("file with spaces.txt"), "x\n").expect("write");
    fs::write(app.join(OsStr::from_bytes(b"bad-\xff-name")), "y\n").expect("write");
    // buildah's COPY drops setuid bits; the RUN step sets it.
    fs::write(r.join("bin/su"), "s\n").expect("write");
    fs::write(ctx.join("Dockerfile"), DOCKERFILE).expect("write");
}

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).expect("read")).expect("json")
}

fn blob(layout: &Path, digest: &str) -> std::path::PathBuf {
    layout
        .join("blobs/sha256")
        .join(digest.trim_start_matches("sha256:"))
}

/// Lists every layer of the single image in an OCI layout, checking each diff_id.
fn list_layout(layout: &Path) -> Vec<(String, LayerListing)> {
    let index = read_json(&layout.join("index.json"));
    let manifest = read_json(&blob(
        layout,
        index["manifests"][0]["digest"].as_str().expect("digest"),
    ));
    let config = read_json(&blob(
        layout,
        manifest["config"]["digest"].as_str().expect("config"),
    ));
    let diff_ids = config["rootfs"]["diff_ids"].as_array().expect("diff_ids");
    let layers = manifest["layers"].as_array().expect("layers");
    assert_eq!(layers.len(), diff_ids.len());
    layers
        .iter()
        .zip(diff_ids)
        .map(|(layer, diff_id)| {
            let media_type = layer["mediaType"].as_str().expect("media type").to_owned();
            let file = std::fs::File::open(blob(layout, layer["digest"].as_str().expect("digest")))
                .expect("open blob");
            let listing = list_layer(file, &media_type, &ListOptions::all()).expect("list");
            assert_eq!(
                Some(listing.diff_id.as_str()),
                diff_id.as_str(),
                "{media_type}"
            );
            assert!(listing.notes.is_empty(), "{:?}", listing.notes);
            (media_type, listing)
        })
        .collect()
}

fn find<'a>(listing: &'a LayerListing, path: &[u8]) -> Vec<&'a LayerEntry> {
    listing
        .entries
        .iter()
        .filter(|e| e.path.as_bytes() == path)
        .collect()
}

#[test]
#[ignore = "needs buildah (apt-get install -y buildah busybox-static) and root"]
fn buildah_layers_list_with_links_owners_setuid_and_whiteouts() {
    let state = tempfile::tempdir().expect("tempdir");
    let s = state.path();
    let storage = s.join("storage.conf");
    std::fs::write(
        &storage,
        format!(
            "[storage]\ndriver = \"vfs\"\nrunroot = \"{0}/run\"\ngraphroot = \"{0}/graph\"\n",
            s.display()
        ),
    )
    .expect("storage.conf");
    let ctx = s.join("ctx");
    write_context(&ctx);
    let buildah = || {
        let mut c = Command::new("buildah");
        c.env("CONTAINERS_STORAGE_CONF", &storage)
            .env("BUILDAH_ISOLATION", "chroot");
        c
    };
    let tag = "localhost/dfimage-layers-test:1";
    run(buildah()
        .args([
            "bud",
            "--layers",
            "--format",
            "oci",
            "--timestamp",
            "1700000000",
            "-t",
            tag,
        ])
        .arg(&ctx));
    let gz = s.join("gz");
    let zst = s.join("zst");
    run(buildah()
        .args(["push", tag])
        .arg(format!("oci:{}:t", gz.display())));
    run(buildah()
        .args(["push", "--compression-format", "zstd", tag])
        .arg(format!("oci:{}:t", zst.display())));

    let gzip_layers = list_layout(&gz);
    let zstd_layers = list_layout(&zst);
    assert_eq!(gzip_layers.len(), 3);
    for ((_, g), (media_type, z)) in gzip_layers.iter().zip(&zstd_layers) {
        assert_eq!(z.compression, Compression::Zstd, "{media_type}");
        assert_eq!(
            (&g.diff_id, &g.entries),
            (&z.diff_id, &z.entries),
            "same layers, other compression"
        );
    }

    let (_, rootfs) = &gzip_layers[0];
    assert_eq!(
        find(rootfs, b"bin/sh")[0].kind,
        EntryKind::Symlink {
            target: EntryPath::from_bytes(&b"busybox"[..])
        }
    );
    assert_eq!(find(rootfs, b"tmp")[0].mode, 0o1777);

    let (_, app) = &gzip_layers[1];
    let owned: Vec<(u64, u64)> = app
        .entries
        .iter()
        .filter(|e| e.path.as_bytes().starts_with(b"app/"))
        .map(|e| (e.uid, e.gid))
        .collect();
    assert!(
        owned.len() >= 5 && owned.iter().all(|o| *o == (1000, 1000)),
        "{owned:?}"
    );
    let hard: Vec<&LayerEntry> = app
        .entries
        .iter()
        .filter(|e| matches!(e.kind, EntryKind::Hardlink { .. }))
        .collect();
    assert_eq!(hard.len(), 1, "one of run.sh / run-hard.sh is the link");
    assert_eq!(
        find(app, b"app/run-link")[0].kind,
        EntryKind::Symlink {
            target: EntryPath::from_bytes(&b"run.sh"[..])
        }
    );
    assert_eq!(find(app, b"app/bad-\xff-name").len(), 1);
    let copy = ListingStyle {
        copy_without_chown: true,
        ..ListingStyle::default()
    };
    let lines = render_listing(app, &copy);
    assert!(
        lines.iter().any(|l| l.contains("--chown=1000:1000")),
        "{lines:#?}"
    );
    assert!(
        lines.iter().any(|l| l == "  app/bad-\\xff-name  (2 B)"),
        "{lines:#?}"
    );

    // test-components.md §11.1: buildah whites out each old child of a re-created directory.
    let (_, run_layer) = &gzip_layers[2];
    let deleted: Vec<String> = run_layer
        .entries
        .iter()
        .filter(|e| e.kind == EntryKind::Deleted)
        .map(|e| e.path.escaped())
        .collect();
    for path in ["etc/gone.txt", "opt/cache/a", "opt/cache/sub"] {
        assert!(
            deleted.iter().any(|d| d == path),
            "{path} not deleted in {deleted:?}"
        );
    }
    assert_eq!(find(run_layer, b"opt/cache/c")[0].kind, EntryKind::File);
    assert_eq!(find(run_layer, b"bin/su")[0].mode, 0o4755);
    let shown = render_listing(run_layer, &ListingStyle::default());
    assert!(
        shown
            .iter()
            .all(|l| !l.starts_with("  proc/") && !l.starts_with("  dev/")),
        "{shown:#?}"
    );
    assert!(
        shown.iter().any(|l| l.contains("build mount points")),
        "{shown:#?}"
    );
    assert!(
        shown.iter().any(|l| l == "  bin/su  (2 B, 04755 setuid)"),
        "{shown:#?}"
    );
}

//! Broken and slow streams: a tar killed mid-stream without a status, connections dropped at
//! random offsets, throttling.

use std::path::Path;

use fake_cluster::Fault;

use super::*;

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
    let script = format!(
        "#!/bin/sh\ncase \"$1\" in --help|--version) exec /usr/bin/tar.real \"$@\";; esac\n/usr/bin/tar.real \"$@\" | head -c {cut}\nexit 137\n"
    );
    wrap_tar(&w.rootfs(), script.as_bytes());
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

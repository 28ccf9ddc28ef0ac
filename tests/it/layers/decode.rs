//! Decoding: compressions, the lying manifest, diff_ids, damaged streams, memory bounds.

use super::*;

#[test]
fn diff_id_is_the_sha256_of_the_whole_uncompressed_stream_in_every_compression() {
    let tar = app_layer();
    let expected = sha256(&tar);
    let half = tar.len() / 2;
    let multi_gzip = [gzip(&tar[..half]), gzip(&tar[half..])].concat();
    let zstd = zstd::encode_all(&tar[..], 3).expect("zstd");
    let multi_zstd = [
        zstd::encode_all(&tar[..half], 3).expect("zstd"),
        zstd::encode_all(&tar[half..], 1).expect("zstd"),
    ]
    .concat();
    let plain = list(&tar, TAR, ListOptions::all());
    for (name, blob, media_type, compression) in [
        ("gzip", gzip(&tar), GZIP, Compression::Gzip),
        ("multi-member gzip", multi_gzip, GZIP, Compression::Gzip),
        ("zstd", zstd, ZSTD, Compression::Zstd),
        ("multi-frame zstd", multi_zstd, ZSTD, Compression::Zstd),
    ] {
        let listing = list(&blob, media_type, ListOptions::all());
        assert_eq!(listing.diff_id, expected, "{name}");
        assert_eq!(listing.uncompressed_size, tar.len() as u64, "{name}");
        assert_eq!(listing.compression, compression, "{name}");
        assert_eq!(listing.entries, plain.entries, "{name}");
        assert!(listing.notes.is_empty(), "{name}: {:?}", listing.notes);
    }
    assert_eq!(plain.diff_id, expected);
}

/// test-components.md §11.4: buildah publishes plain tars labelled `tar+gzip`.
#[test]
fn a_plain_tar_labelled_gzip_is_read_as_tar_and_the_lie_is_noted() {
    let tar = app_layer();
    let listing = list(&tar, GZIP, ListOptions::all());
    assert_eq!(listing.compression, Compression::None);
    assert_eq!(listing.entries.len(), 7);
    assert_eq!(
        listing.notes,
        vec![LayerNote::CompressionMismatch {
            declared: Compression::Gzip,
            detected: Compression::None
        }]
    );
    let zstd_as_tar = list(
        &zstd::encode_all(&tar[..], 3).expect("zstd"),
        TAR,
        ListOptions::all(),
    );
    assert_eq!(zstd_as_tar.entries.len(), 7);
    assert_eq!(zstd_as_tar.notes.len(), 1);
    let unlabelled = list(&gzip(&tar), "", ListOptions::all());
    assert!(
        unlabelled.notes.is_empty(),
        "an empty media type (docker-archive) claims nothing"
    );
    let lines = render_listing(&listing, &ListingStyle::default());
    assert_eq!(
        lines.last().map(String::as_str),
        Some(
            "  note: the media type says gzip but the bytes are uncompressed; read as uncompressed"
        )
    );
}

#[test]
fn truncated_and_corrupt_layers_fail_with_the_right_error() {
    let tar = app_layer();
    // Cut inside the last file's data, and exactly after its last data block (no end marker).
    let cut_in_data = &tar[..tar.len() - 1024 - 100];
    assert!(matches!(
        list_layer(cut_in_data, TAR, &ListOptions::all()),
        Err(LayerError::Tar { .. })
    ));
    let end_of_entries = tar.len() - tar.iter().rev().take_while(|b| **b == 0).count();
    let on_boundary = &tar[..end_of_entries.div_ceil(512) * 512];
    assert!(
        matches!(
            list_layer(on_boundary, TAR, &ListOptions::all()),
            Err(LayerError::Truncated { entries: 7, .. })
        ),
        "a stream ending on a block boundary without the end marker is truncated"
    );
    let gz = gzip(&tar);
    assert!(matches!(
        list_layer(&gz[..gz.len() / 2], GZIP, &ListOptions::all()),
        Err(LayerError::Decompress {
            compression: Compression::Gzip,
            ..
        })
    ));
    let mut bad_checksum = tar.clone();
    bad_checksum[0] ^= 0x55;
    assert!(matches!(
        list_layer(&bad_checksum[..], TAR, &ListOptions::all()),
        Err(LayerError::Tar { entry: 0, .. })
    ));
}

#[test]
fn an_empty_archive_lists_as_an_empty_layer() {
    let tar = LayerTar::new().finish();
    let listing = list(&tar, TAR, ListOptions::for_text(50, true));
    assert_eq!(listing.stats.entries, 0);
    assert_eq!(listing.diff_id, sha256(&tar));
    assert_eq!(
        render_listing(&listing, &ListingStyle::default()),
        vec!["  (empty layer)"]
    );
}

#[test]
fn keep_first_bounds_memory_but_totals_cover_every_entry() {
    let mut layer = LayerTar::new();
    for i in 0..5000 {
        layer = layer.file(&format!("f/{i}"), b"data");
    }
    let listing = list(
        &layer.finish(),
        TAR,
        ListOptions {
            keep: Keep::First(10),
            ..ListOptions::all()
        },
    );
    assert_eq!(
        (
            listing.entries.len(),
            listing.stats.entries,
            listing.stats.file_bytes
        ),
        (10, 5000, 20000)
    );
}

#[test]
fn pax_records_set_the_path_and_owner_of_the_next_entry() {
    let long = format!("opt/{}/bin/tool", "p".repeat(300));
    let records = [pax_record("path", &long), pax_record("uid", "70000")].concat();
    let (header, data) = pax_header(&records);
    let tar = LayerTar::new()
        .add(header, b"PaxHeaders/tool", &data)
        .file_as(b"short-name", b"#!/bin/sh\n", 0o755, (0, 0))
        .finish();
    let listing = list(&tar, TAR, ListOptions::all());
    assert_eq!(listing.entries.len(), 1);
    assert_eq!(listing.entries[0].path.escaped(), long);
    assert_eq!(listing.entries[0].uid, 70000);
}

/// A PAX record set is read whole into memory by tar; a hostile layer must not make that
/// unbounded (see ../shared/reference/tar-attack-corpus.md, huge headers).
#[test]
fn header_records_over_the_limit_fail_instead_of_filling_memory() {
    let records = pax_record("comment", &"a".repeat(2 * 1024 * 1024));
    let (header, data) = pax_header(&records);
    let tar = LayerTar::new()
        .file("before", b"1")
        .add(header, b"PaxHeaders/big", &data)
        .file("after", b"2")
        .finish();
    let result = list_layer(&gzip(&tar)[..], GZIP, &ListOptions::all());
    assert!(
        matches!(
            result,
            Err(LayerError::HeaderTooLarge {
                entry: 1,
                limit: 1_048_576
            })
        ),
        "{result:?}"
    );
    // Big file data is fine: only header records are limited.
    let big_file = LayerTar::new()
        .file("big", &vec![7u8; 3 * 1024 * 1024])
        .finish();
    assert_eq!(
        list(&big_file, TAR, ListOptions::all()).stats.file_bytes,
        3 * 1024 * 1024
    );
}

/// Peak and current resident set of this process, in KiB, from `/proc/self/status`.
fn memory_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").expect("status");
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches(" kB").parse().ok())
            .expect("field")
    };
    (field("VmHWM:"), field("VmRSS:"))
}

#[test]
#[ignore = "slow: streams a 200 MB layer; run with --ignored, in release for throughput"]
fn a_200_mb_layer_is_listed_in_bounded_memory() {
    const FILE: usize = 100 * 1024;
    const FILES: usize = 2000;
    let chunk: Vec<u8> = (0..FILE).map(|i| ((i * 31) % 251) as u8).collect();
    let encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut builder = tar::Builder::new(encoder);
    for i in 0..FILES {
        let mut header = LayerTar::header(tar::EntryType::Regular, 0o644, (0, 0));
        header.set_size(FILE as u64);
        builder
            .append_data(&mut header, format!("data/{i:05}"), &chunk[..])
            .expect("append");
    }
    let blob = builder.into_inner().expect("tar").finish().expect("gzip");
    // Reset the peak so it measures the listing alone (Linux: "5" clears VmHWM).
    std::fs::write("/proc/self/clear_refs", "5").expect("clear_refs");
    let (_, rss_before) = memory_kib();
    let started = std::time::Instant::now();
    let listing = list_layer(&blob[..], GZIP, &ListOptions::for_text(50, true)).expect("list");
    let elapsed = started.elapsed();
    let (peak, _) = memory_kib();
    assert_eq!(listing.stats.file_bytes, (FILE * FILES) as u64);
    let growth_mib = peak.saturating_sub(rss_before) / 1024;
    let mb_per_s = listing.uncompressed_size as f64 / elapsed.as_secs_f64() / 1e6;
    assert!(
        growth_mib <= 16,
        "listing grew the resident set by {growth_mib} MiB ({mb_per_s:.0} MB/s)"
    );
}

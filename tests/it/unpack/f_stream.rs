//! Corpus group F: sizes and stream damage. A damaged stream is an error, never success.

use std::io::Read;

use kubectl_dfimage::report::Noop;
use kubectl_dfimage::transfer::{TransferError, unpack};

use super::craft::{Hdr, Tar};
use super::world::{World, file, src_opts};

fn no_temp_files(w: &World) -> bool {
    w.tree().keys().all(|k| !k.contains(".dfimage-part"))
}

#[test]
fn f1_huge_declared_size_with_a_short_body_is_truncated_and_removed() {
    let w = World::new();
    let mut h = Hdr::new("src/big", b'0');
    h.size = 1 << 40;
    let mut stream = Tar::new().file("src/before", b"b").raw(h, b"").cut();
    stream.extend_from_slice(&[7u8; 10 * 1024]);
    let run = w.run(&stream, &src_opts());
    assert!(matches!(run.err(), TransferError::Truncated { .. }));
    assert!(!w.d("big").exists());
    assert!(no_temp_files(&w));
    assert_eq!(w.tree().get("before"), Some(&file(b"b", 0o644)));
}

#[test]
fn f1_truncated_entry_is_named_as_partial_for_resume() {
    let w = World::new();
    let mut h = Hdr::new("src/big", b'0');
    h.size = 100_000;
    let mut stream = Tar::new().file("src/done", b"d").raw(h, b"").cut();
    stream.extend_from_slice(&[1u8; 5000]);
    let rec = kubectl_dfimage::report::Recording::default();
    let mut summary = kubectl_dfimage::transfer::UnpackSummary::default();
    let result = kubectl_dfimage::transfer::unpack_into(
        &stream[..],
        &w.dest,
        &src_opts(),
        &rec,
        &mut summary,
    );
    assert!(matches!(result, Err(TransferError::Truncated { .. })));
    assert_eq!(summary.completed, vec![b"src/done".to_vec()]);
    assert_eq!(summary.partial, Some(b"src/big".to_vec()));
}

#[test]
fn f3_malformed_size_fields_are_errors() {
    for raw in [
        *b"12z4567\0\0\0\0\0",
        *b"-1\0\0\0\0\0\0\0\0\0\0",
        *b"1 2 3 4 5 6 ",
    ] {
        let w = World::new();
        let mut h = Hdr::new("src/bad", b'0');
        h.raw_size = Some(raw);
        let run = w.run(
            &Tar::new().raw(h, b"").file("src/after", b"a").end(),
            &src_opts(),
        );
        assert!(
            matches!(run.err(), TransferError::Archive { .. }),
            "{raw:?}"
        );
        assert!(!w.d("after").exists());
    }
}

#[test]
fn f4_base256_size_within_limits_is_read() {
    let w = World::new();
    let mut h = Hdr::new("src/b256", b'0');
    let mut raw = [0u8; 12];
    raw[0] = 0x80;
    raw[11] = 5;
    h.raw_size = Some(raw);
    w.run(
        &Tar::new().raw(h, b"12345").file("src/after", b"a").end(),
        &src_opts(),
    )
    .ok();
    assert_eq!(w.tree().get("b256"), Some(&file(b"12345", 0o644)));
    assert_eq!(w.tree().get("after"), Some(&file(b"a", 0o644)));
}

#[test]
fn f5_wrong_checksum_is_an_error() {
    let w = World::new();
    let mut h = Hdr::new("src/f", b'0');
    h.bad_checksum = true;
    let run = w.run(&Tar::new().raw(h, b"").end(), &src_opts());
    assert!(matches!(run.err(), TransferError::Archive { .. }));
}

#[test]
fn f6_stream_cut_on_a_header_boundary_is_truncated_not_success() {
    let w = World::new();
    let run = w.run(
        &Tar::new()
            .file("src/a", b"a")
            .file("src/b", &[b'b'; 512])
            .cut(),
        &src_opts(),
    );
    assert!(
        matches!(run.err(), TransferError::Truncated { offset: 2048 }),
        "{:?}",
        run.result
    );
    assert_eq!(w.tree().get("b"), Some(&file(&[b'b'; 512], 0o644)));
}

#[test]
fn f6_empty_stream_is_truncated() {
    let w = World::new();
    assert!(matches!(
        w.run(b"", &src_opts()).err(),
        TransferError::Truncated { offset: 0 }
    ));
}

#[test]
fn f7_stream_cut_mid_header_or_mid_body_is_truncated() {
    let full = Tar::new()
        .file("src/a", b"a")
        .file("src/b", &[b'b'; 3000])
        .end();
    for cut in [1024 + 100, 1024 + 512 + 1000, 1024 + 512 + 2999] {
        let w = World::new();
        let run = w.run(&full[..cut], &src_opts());
        assert!(
            matches!(run.err(), TransferError::Truncated { .. }),
            "cut at {cut}: {:?}",
            run.result
        );
        assert!(
            !w.d("b").exists(),
            "cut at {cut}: a short file was left under its name"
        );
        assert!(no_temp_files(&w));
    }
}

#[test]
fn f8_single_zero_block_is_accepted_as_the_end() {
    let w = World::new();
    let mut stream = Tar::new().file("src/a", b"a").cut();
    stream.extend_from_slice(&[0u8; 512]);
    let run = w.run(&stream, &src_opts());
    run.ok();
    assert_eq!(run.warnings.len(), 1);
}

#[test]
fn f9_data_after_the_marker_is_drained_never_extracted() {
    let w = World::new();
    let mut stream = Tar::new().file("src/a", b"a").end();
    stream.extend(Tar::new().file("src/hidden", b"h").end());
    stream.resize(10240 * 2, 0);
    let run = w.run(&stream, &src_opts());
    assert!(run.ok().trailing_bytes > 0);
    assert!(!w.d("hidden").exists());
}

#[test]
fn f9_record_padding_is_silent() {
    let w = World::new();
    let mut stream = Tar::new().file("src/a", b"a").end();
    stream.resize(10240, 0);
    let run = w.run(&stream, &src_opts());
    assert_eq!(run.ok().trailing_bytes, 0);
    assert!(run.warnings.is_empty());
}

#[test]
fn f12_oversized_pax_header_is_rejected_with_bounded_memory() {
    let w = World::new();
    let big = vec![b'p'; 5 << 20];
    let run = w.run(
        &Tar::new()
            .pax(b'x', &[("comment", &big)])
            .file("src/f", b"f")
            .end(),
        &src_opts(),
    );
    assert!(matches!(run.err(), TransferError::MetadataTooLarge { .. }));
}

#[test]
fn f12_malformed_pax_record_never_renames_a_member() {
    let w = World::new();
    let mut body = b"999999999 path=src/../../x\n".to_vec();
    body.resize(100, b'\n');
    let mut h = Hdr::new("././@PaxHeader", b'x');
    h.size = body.len() as u64;
    let run = w.run(
        &Tar::new().raw(h, &body).file("src/ustar-name", b"u").end(),
        &src_opts(),
    );
    run.ok();
    assert_eq!(
        w.tree().into_keys().collect::<Vec<_>>(),
        vec!["ustar-name".to_owned()]
    );
}

/// A GNU long-name record declaring 1 GiB, generated lazily so the test itself stays small.
struct HugeLongName {
    header: Vec<u8>,
    sent: u64,
}

impl Read for HugeLongName {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let start = usize::try_from(self.sent).unwrap_or(usize::MAX);
        let n = if start < self.header.len() {
            let n = buf.len().min(self.header.len() - start);
            buf[..n].copy_from_slice(&self.header[start..start + n]);
            n
        } else if self.sent < (1 << 30) + 512 {
            buf.fill(b'a');
            buf.len()
        } else {
            0
        };
        self.sent += n as u64;
        Ok(n)
    }
}

#[test]
fn f13_gigantic_long_name_is_cut_off_at_the_cap() {
    let w = World::new();
    let mut h = Hdr::new("././@LongLink", b'L');
    h.magic = super::craft::Magic::Gnu;
    h.size = 1 << 30;
    let mut reader = HugeLongName {
        header: h.bytes().to_vec(),
        sent: 0,
    };
    let result = unpack(&mut reader, &w.dest, &src_opts(), &Noop);
    assert!(
        matches!(result, Err(TransferError::MetadataTooLarge { .. })),
        "{result:?}"
    );
    assert!(
        reader.sent < 8 << 20,
        "read {} bytes before giving up",
        reader.sent
    );
}

#[test]
fn f14_pax_size_overrides_the_ustar_size() {
    let w = World::new();
    let mut h = Hdr::new("src/f", b'0');
    h.size = 10;
    let tar = Tar::new()
        .pax(b'x', &[("size", b"3")])
        .raw(h, b"abc")
        .file("src/next", b"n")
        .end();
    w.run(&tar, &src_opts()).ok();
    assert_eq!(w.tree().get("f"), Some(&file(b"abc", 0o644)));
    assert_eq!(w.tree().get("next"), Some(&file(b"n", 0o644)));
}

#[test]
fn f15_header_only_types_with_a_size_have_that_body_skipped() {
    let w = World::new();
    let mut d = Hdr::new("src/d/", b'5');
    d.size = 513;
    let tar = Tar::new()
        .raw(d, &[b'D'; 513])
        .file("src/after", b"a")
        .end();
    w.run(&tar, &src_opts()).ok();
    assert_eq!(w.tree().get("after"), Some(&file(b"a", 0o644)));
}

#[test]
fn a_resumed_attempt_still_gives_the_root_it_created_its_mode_and_time() {
    use std::os::unix::fs::MetadataExt;
    let w = World::new();
    let mut root = Hdr::new("src/", b'5');
    (root.mode, root.mtime) = (0o750, 1_234_567_890);
    let full = Tar::new()
        .raw(root, b"")
        .file("src/a", b"a")
        .file("src/b", &[b'b'; 2000])
        .end();
    let mut summary = kubectl_dfimage::transfer::UnpackSummary::default();
    let rec = kubectl_dfimage::report::Recording::default();
    let cut = kubectl_dfimage::transfer::unpack_into(
        &full[..2000],
        &w.dest,
        &src_opts(),
        &rec,
        &mut summary,
    );
    assert!(matches!(cut, Err(TransferError::Truncated { .. })));
    kubectl_dfimage::transfer::unpack_into(&full[..], &w.dest, &src_opts(), &rec, &mut summary)
        .expect("resumed");
    let meta = std::fs::metadata(&w.dest).expect("root");
    assert_eq!((meta.mode() & 0o7777, meta.mtime()), (0o750, 1_234_567_890));
}

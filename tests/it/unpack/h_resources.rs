//! Corpus group H: resource exhaustion (bounded memory and time, capped records).

use kubectl_dfimage::transfer::unpack::MAX_RECORDED_SKIPS;

use super::craft::Tar;
use super::world::{World, file, src_opts};

#[test]
fn h2_the_same_name_many_times_ends_with_the_last_in_linear_time() {
    let w = World::new();
    let mut tar = Tar::new();
    for i in 0..5_000u32 {
        tar = tar.file("src/same", i.to_string().as_bytes());
    }
    let started = std::time::Instant::now();
    let run = w.run(&tar.end(), &src_opts());
    assert_eq!(run.ok().replaced, 4_999);
    assert_eq!(w.tree().get("same"), Some(&file(b"4999", 0o644)));
    assert!(started.elapsed().as_secs() < 60);
}

#[test]
fn h3_many_skipped_entries_are_all_reported_but_only_the_first_recorded() {
    let w = World::new();
    let total = MAX_RECORDED_SKIPS + 500;
    let mut tar = Tar::new();
    for i in 0..total {
        tar = tar.special(format!("src/fifo{i}"), b'6');
    }
    let run = w.run(&tar.end(), &src_opts());
    let summary = run.ok();
    assert_eq!(summary.skipped.len(), MAX_RECORDED_SKIPS);
    assert_eq!(summary.skipped_count, total as u64);
    assert_eq!(run.skipped.len(), total);
}

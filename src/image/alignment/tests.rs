use std::collections::BTreeMap;

use super::*;
use crate::image::layer::{EntryKind, EntryPath};
use crate::image::recover::{RecoverInput, recover_aligned};
use crate::image::{ImageConfig, parse_config};

/// A classic-builder config: a base ADD and a COPY into /app, over `layers` diff_ids.
fn config(layers: usize, history: &[(&str, bool)]) -> ImageConfig {
    let diff_ids: Vec<String> = (0..layers)
        .map(|i| format!("\"sha256:{}\"", format!("{i}").repeat(64)))
        .collect();
    let history: Vec<String> = history
        .iter()
        .map(|(c, empty)| format!(r#"{{"created_by":{c:?},"empty_layer":{empty}}}"#))
        .collect();
    let json = format!(
        r#"{{"architecture":"amd64","os":"linux","config":{{}},
            "rootfs":{{"type":"layers","diff_ids":[{}]}},"history":[{}]}}"#,
        diff_ids.join(","),
        history.join(",")
    );
    parse_config(json.as_bytes()).unwrap()
}

fn files(list: &[&str]) -> Vec<LayerEntry> {
    list.iter()
        .map(|p| LayerEntry {
            path: EntryPath::from_tar(p.as_bytes()),
            kind: EntryKind::File,
            size: 1,
            mode: 0o644,
            uid: 0,
            gid: 0,
            mtime: 0,
            noise: None,
        })
        .collect()
}

/// The recovery under each alignment.
fn both(cfg: &ImageConfig) -> (Recovery, Recovery) {
    let input = RecoverInput {
        config: cfg,
        layers: &[],
        annotations: &BTreeMap::new(),
        has_layers: false,
    };
    (
        recover_aligned(&input, Some(Alignment::Start)),
        recover_aligned(&input, Some(Alignment::End)),
    )
}

const ADD: &str = "/bin/sh -c #(nop) ADD file:0123abcd in / ";
const COPY: &str = "/bin/sh -c #(nop) COPY dir:4567cdef in /app ";

#[test]
fn a_layer_without_history_at_the_start_is_found_by_the_copy_destination() {
    let cfg = config(3, &[(ADD, false), (COPY, false)]);
    let (start, end) = both(&cfg);
    assert!(is_ambiguous(&start) && is_ambiguous(&end));
    let listed: BTreeMap<usize, Vec<LayerEntry>> = [
        (0, files(&["bin/", "bin/sh"])),
        (1, files(&["etc/", "etc/os-release"])),
        (2, files(&["app/", "app/main.py"])),
    ]
    .into();
    let get = |i: usize| listed.get(&i).map(Vec::as_slice);
    let (fs, fe) = (fit(&start, get), fit(&end, get));
    assert_eq!(
        fs,
        Fit {
            matched: 0,
            missed: 1
        }
    );
    assert_eq!(
        fe,
        Fit {
            matched: 1,
            missed: 0
        }
    );
    assert!(prefer_alternative(fs, fe));
    assert!(!prefer_alternative(fe, fs));
}

#[test]
fn a_tie_keeps_the_default_and_unlisted_layers_are_neutral() {
    let cfg = config(3, &[(ADD, false), (COPY, false)]);
    let (start, end) = both(&cfg);
    let none = |_: usize| None;
    assert_eq!(fit(&start, none), Fit::default());
    assert!(!prefer_alternative(fit(&start, none), fit(&end, none)));
}

#[test]
fn a_destination_prefix_is_not_a_match() {
    // `/application` is not under `/app`.
    assert!(!under(b"application/x", b"app"));
    assert!(under(b"app/x", b"app"));
    assert!(under(b"app", b"app"));
}

#[test]
fn windows_defaults_to_the_end() {
    assert_eq!(default_alignment(true), Alignment::End);
    assert_eq!(other(default_alignment(false)), Alignment::End);
}

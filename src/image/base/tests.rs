//! Base detection from literal histories.

use super::*;
use crate::image::instruction::{CommandForm, CopyArgs};

fn e(created: &str, empty: bool) -> HistoryEntry {
    HistoryEntry {
        created: Some(created.to_owned()),
        empty_layer: empty,
        ..HistoryEntry::default()
    }
}

fn copy() -> Instruction {
    Instruction::Copy(CopyArgs {
        flags: vec![],
        sources: vec!["a".into()],
        dest: "/a".into(),
    })
}

#[test]
fn rfc3339_with_offsets_and_fractions() {
    assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
    assert_eq!(parse_rfc3339("2021-01-01T00:00:00Z"), Some(1_609_459_200));
    assert_eq!(
        parse_rfc3339("2025-01-26T22:54:00.500849935+01:00"),
        parse_rfc3339("2025-01-26T21:54:00Z")
    );
    assert_eq!(parse_rfc3339("yesterday"), None);
}

#[test]
fn annotations_name_the_base_and_win_over_labels() {
    let mut config = ImageConfig::default();
    config
        .runtime
        .labels
        .insert(ANNOTATION_NAME.into(), "label/base".into());
    let ann: BTreeMap<String, String> = [(
        ANNOTATION_NAME.to_owned(),
        "docker.io/library/alpine:3.19".to_owned(),
    )]
    .into_iter()
    .collect();
    let b = detect(&config, &[], &ann);
    assert_eq!(b.from_argument(), "docker.io/library/alpine:3.19");
    assert_eq!(b.confidence, Confidence::Declared);
    assert!(b.evidence.iter().any(|ev| ev.source == "label"));
    let b = detect(&config, &[], &BTreeMap::new());
    assert_eq!(
        (b.code, b.from_argument().as_str()),
        ("label", "label/base")
    );
}

#[test]
fn buildah_from_comments_name_the_base_but_hex_ids_do_not() {
    let h = [
        HistoryEntry {
            comment: Some("FROM 0123456789ab".into()),
            ..e("2024-01-01T00:00:00Z", false)
        },
        HistoryEntry {
            comment: Some("FROM registry.example.org/ubi8@sha256:abcd".into()),
            ..e("2024-01-01T00:00:00Z", false)
        },
        e("2024-01-01T00:00:00Z", true),
    ];
    let views: Vec<EntryView<'_>> = h
        .iter()
        .map(|entry| EntryView {
            entry,
            builder: Builder::Buildah,
            instruction: None,
            owns_layer_copy: false,
        })
        .collect();
    let b = detect(&ImageConfig::default(), &views, &BTreeMap::new());
    assert_eq!(
        b.name.as_deref(),
        Some("registry.example.org/ubi8@sha256:abcd")
    );
    assert_eq!(b.digest.as_deref(), Some("sha256:abcd"));
    assert_eq!(b.boundary, Some(0));
}

#[test]
fn buildinfo_sources_name_the_base_without_the_frontend_image() {
    let info = r#"{"frontend":"dockerfile.v0","sources":[{"type":"docker-image","ref":"docker.io/docker/dockerfile:1.4","pin":"sha256:11"},{"type":"docker-image","ref":"docker.io/library/alpine:3.13","pin":"sha256:22"}]}"#;
    let config = ImageConfig {
        buildinfo: Some(base64::engine::general_purpose::STANDARD.encode(info)),
        ..ImageConfig::default()
    };
    let b = detect(&config, &[], &BTreeMap::new());
    assert_eq!(b.from_argument(), "docker.io/library/alpine:3.13@sha256:22");
    assert_eq!(b.code, "buildinfo");
}

#[test]
fn a_first_run_without_any_signal_is_an_unknown_base_not_scratch() {
    let h = [e("2024-01-01T00:00:00Z", false)];
    let run = Instruction::Run(CommandForm::Shell("make".into()));
    let views = [EntryView {
        entry: &h[0],
        builder: Builder::Buildkit,
        instruction: Some(&run),
        owns_layer_copy: false,
    }];
    let b = detect(&ImageConfig::default(), &views, &BTreeMap::new());
    assert_eq!(
        (b.code, b.confidence, b.boundary),
        ("unknown", Confidence::Unknown, None)
    );
    let c = copy();
    let views = [EntryView {
        entry: &h[0],
        builder: Builder::Buildkit,
        instruction: Some(&c),
        owns_layer_copy: false,
    }];
    assert_eq!(
        detect(&ImageConfig::default(), &views, &BTreeMap::new()).code,
        "scratch"
    );
}

#[test]
fn equal_timestamps_never_make_a_boundary() {
    let h = [
        e("2015-10-21T07:28:00Z", false),
        e("2015-10-21T07:28:00Z", false),
    ];
    let c = copy();
    let views: Vec<EntryView<'_>> = h
        .iter()
        .map(|entry| EntryView {
            entry,
            builder: Builder::Buildkit,
            instruction: Some(&c),
            owns_layer_copy: false,
        })
        .collect();
    assert_eq!(
        detect(&ImageConfig::default(), &views, &BTreeMap::new()).boundary,
        None
    );
}

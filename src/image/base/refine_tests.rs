//! Refining the FROM line over regclient's testrepo v3 (its b1 base, a copy of b1 with other
//! history) and the provenance shapes: what wins, the boundary, and the rendered comment.

use std::collections::BTreeMap;

use super::*;
use crate::image::base::candidates::{Candidate, compare};
use crate::image::config::{ImageConfig, parse_config};
use crate::image::recover::{RecoverInput, recover};
use crate::image::render::{RenderOptions, render_dockerfile};

fn fixture(name: &str) -> ImageConfig {
    let path = format!(
        "{}/tests/fixtures/configs/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    parse_config(&std::fs::read(&path).unwrap()).unwrap()
}

fn recovery_of(config: &ImageConfig, annotations: &BTreeMap<String, String>) -> Recovery {
    recover(&RecoverInput {
        config,
        layers: &[],
        annotations,
        has_layers: false,
    })
}

fn text(r: &Recovery) -> String {
    render_dockerfile(
        r,
        &RenderOptions {
            listings: &BTreeMap::new(),
        },
    )
}

fn prov(name: Option<&str>, digest: Option<&str>, from_dockerfile: bool) -> ProvenanceBase {
    ProvenanceBase {
        name: name.map(str::to_owned),
        digest: digest.map(str::to_owned),
        from_dockerfile,
        candidates: Vec::new(),
        detail: "mode=min: material pkg:docker/testrepo@b1".into(),
    }
}

#[test]
fn a_confirmed_candidate_becomes_from_with_its_digest_and_marks_the_base_entries() {
    let (image, b1) = (
        fixture("regclient_regclient_testrepo-v3-amd64.json"),
        fixture("regclient_regclient_testrepo-b1-amd64.json"),
    );
    let mut other = b1.clone();
    other.diff_ids = vec!["sha256:1234".into()];
    other.history[0].created_by = Some("ADD x /".into());
    let m = [
        compare(
            &image,
            &Candidate {
                reference: "reg/testrepo:b1",
                digest: Some("sha256:b1"),
                config: &b1,
            },
        ),
        compare(
            &image,
            &Candidate {
                reference: "reg/other:1",
                digest: Some("sha256:o"),
                config: &other,
            },
        ),
    ];
    let mut r = recovery_of(&image, &BTreeMap::new());
    let unopened = [("reg/gone:1".to_owned(), "manifest unknown".to_owned())];
    refine(
        &mut r,
        &BaseFindings {
            provenance: None,
            candidates: &m,
            unopened: &unopened,
        },
    );
    assert_eq!(r.base.from_argument(), "reg/testrepo:b1@sha256:b1");
    assert_eq!(r.base.confidence, Confidence::Confirmed);
    assert_eq!(r.base.boundary, Some(1));
    let in_base: Vec<usize> = r
        .steps
        .iter()
        .filter(|s| s.in_base)
        .map(|s| s.index)
        .collect();
    assert_eq!(in_base, vec![0, 1]);
    let t = text(&r);
    assert!(t.contains("FROM reg/testrepo:b1@sha256:b1\n"), "{t}");
    assert!(t.contains("(confirmed)"), "{t}");
    assert!(t.contains("# dfimage: base-candidate: reg/other:1@sha256:o not the base: layers: 0/1 are the image's first"), "{t}");
    assert!(
        t.contains("# dfimage: base-candidate: reg/gone:1 could not be opened: manifest unknown"),
        "{t}"
    );
}

#[test]
fn a_layer_match_beats_a_declared_name_and_a_history_match_does_not() {
    let (image, b1) = (
        fixture("regclient_regclient_testrepo-v3-amd64.json"),
        fixture("regclient_regclient_testrepo-b1-amd64.json"),
    );
    // regclient's v3 index names b3 while its digest is b1's (§2.1): the layers decide.
    let annotations = BTreeMap::from([
        (
            "org.opencontainers.image.base.name".to_owned(),
            "reg/testrepo:b3".to_owned(),
        ),
        (
            "org.opencontainers.image.base.digest".to_owned(),
            "sha256:b3".to_owned(),
        ),
    ]);
    let m = [compare(
        &image,
        &Candidate {
            reference: "reg/testrepo:b1",
            digest: Some("sha256:b1"),
            config: &b1,
        },
    )];
    let mut r = recovery_of(&image, &annotations);
    refine(
        &mut r,
        &BaseFindings {
            provenance: None,
            candidates: &m,
            unopened: &[],
        },
    );
    assert_eq!(r.base.from_argument(), "reg/testrepo:b1@sha256:b1");
    assert_eq!(r.base.code, "layers");

    let mut rebuilt = b1.clone();
    rebuilt.diff_ids = vec!["sha256:0000".into()];
    let m = [compare(
        &image,
        &Candidate {
            reference: "reg/testrepo:b1-new",
            digest: Some("sha256:n"),
            config: &rebuilt,
        },
    )];
    let mut r = recovery_of(&image, &annotations);
    refine(
        &mut r,
        &BaseFindings {
            provenance: None,
            candidates: &m,
            unopened: &[],
        },
    );
    assert_eq!(r.base.from_argument(), "reg/testrepo:b3@sha256:b3");
    assert!(r.base.evidence.iter().any(|e| e.source == "candidate"));
}

#[test]
fn provenance_min_names_the_base_unless_an_annotation_does_and_max_always_does() {
    let image = fixture("regclient_regclient_testrepo-v3-amd64.json");
    let p = prov(Some("reg/testrepo:b1"), Some("sha256:b1"), false);
    let mut r = recovery_of(&image, &BTreeMap::new());
    refine(
        &mut r,
        &BaseFindings {
            provenance: Some(&p),
            ..BaseFindings::default()
        },
    );
    assert_eq!(r.base.from_argument(), "reg/testrepo:b1@sha256:b1");
    assert_eq!(
        (r.base.code, r.base.confidence),
        ("provenance", Confidence::Declared)
    );
    let t = text(&r);
    assert!(
        t.contains("# dfimage: from-evidence: mode=min: material pkg:docker/testrepo@b1"),
        "{t}"
    );

    let annotations = BTreeMap::from([(
        "org.opencontainers.image.base.name".to_owned(),
        "reg/annotated:1".to_owned(),
    )]);
    let mut r = recovery_of(&image, &annotations);
    refine(
        &mut r,
        &BaseFindings {
            provenance: Some(&p),
            ..BaseFindings::default()
        },
    );
    assert_eq!(r.base.from_argument(), "reg/annotated:1");

    let max = prov(Some("scratch"), None, true);
    let mut r = recovery_of(&image, &annotations);
    refine(
        &mut r,
        &BaseFindings {
            provenance: Some(&max),
            ..BaseFindings::default()
        },
    );
    assert_eq!(r.base.from_argument(), "scratch");
    assert_eq!(r.base.boundary, None);
    assert!(r.steps.iter().all(|s| !s.in_base));
}

#[test]
fn several_provenance_images_are_alternatives_not_a_from() {
    let image = fixture("regclient_regclient_testrepo-v3-amd64.json");
    let mut p = prov(None, None, false);
    p.candidates = vec!["a:1@sha256:a".into(), "b:2@sha256:b".into()];
    let mut r = recovery_of(&image, &BTreeMap::new());
    refine(
        &mut r,
        &BaseFindings {
            provenance: Some(&p),
            ..BaseFindings::default()
        },
    );
    assert_eq!(r.base.confidence, Confidence::Ambiguous);
    assert_eq!(r.base.from_argument(), "<unknown>");
    let t = text(&r);
    assert!(
        t.contains("# dfimage: from-alternatives: one of a:1@sha256:a, b:2@sha256:b"),
        "{t}"
    );
}

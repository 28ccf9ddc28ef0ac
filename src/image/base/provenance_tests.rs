//! Provenance parsing over the e2e world's statements (written in BuildKit's shapes by
//! tests/e2e/world/attested.py) and over hostile or malformed ones.

use std::collections::BTreeMap;

use super::*;

const MIN_V02: &str = include_str!("testdata/slsa-v02-min.json");
const MAX_V1: &str = include_str!("testdata/slsa-v1-max.json");
const AMD64: &str = "sha256:444913a367d3072d6d1c56adc5a66afd9479e98e7d1ea8edc701e6e760ed7149";
const ARM64: &str = "sha256:19b266b5f2b92d9fcf88df8608b8934f034b56a8d1465d167c3925e04351997f";

fn statement(predicate_type: &str, subject: &str, predicate: Value) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "_type": "https://in-toto.io/Statement/v0.1",
        "predicateType": predicate_type,
        "subject": [{"name": "pkg:docker/x@1", "digest": {"sha256": subject.trim_start_matches("sha256:")}}],
        "predicate": predicate,
    }))
    .unwrap()
}

#[test]
fn min_v02_names_the_busybox_base_and_drops_the_frontend_image() {
    let p = parse_provenance(MIN_V02.as_bytes(), "sha256:s", Some(AMD64)).unwrap();
    assert_eq!(p.mode, Mode::Min);
    assert_eq!(p.predicate_type, SLSA_V02);
    assert_eq!(p.images.len(), 2);
    assert_eq!(p.frontend.as_deref(), Some("gateway.v0"));
    assert_eq!(p.frontend_image.as_deref(), Some("docker/dockerfile:1"));
    assert!(p.dockerfiles.is_empty());
    let b = provenance_base(&p, Some("linux/amd64"));
    assert_eq!(
        b.name.as_deref(),
        Some("127.0.0.1:47175/test/busybox:latest")
    );
    assert_eq!(
        b.digest.as_deref(),
        Some("sha256:17d13ada0b00ea3ef1714de87a86de0c7c256925b7882ec146406e73c1c7c345")
    );
    assert!(!b.from_dockerfile);
    assert!(b.detail.contains("mode=min"), "{}", b.detail);
}

#[test]
fn max_v1_carries_the_original_dockerfile_and_its_from() {
    let p = parse_provenance(MAX_V1.as_bytes(), "sha256:s", Some(ARM64)).unwrap();
    assert_eq!(p.mode, Mode::Max);
    assert_eq!(p.predicate_type, SLSA_V1);
    assert_eq!(p.dockerfiles.len(), 1);
    let df = &p.dockerfiles[0];
    assert_eq!(df.filename, "Dockerfile");
    assert_eq!(
        df.text,
        include_str!("../../../tests/e2e/dockerfiles/multi/Dockerfile")
    );
    let b = provenance_base(&p, Some("linux/arm64"));
    assert_eq!(b.name.as_deref(), Some("scratch"));
    assert!(b.from_dockerfile);
}

#[test]
fn a_statement_for_another_manifest_is_refused() {
    let e = parse_provenance(MIN_V02.as_bytes(), "sha256:s", Some(ARM64)).unwrap_err();
    assert!(matches!(e, ProvenanceError::SubjectMismatch { .. }), "{e}");
}

#[test]
fn wrong_predicates_and_non_statements_are_errors_not_panics() {
    let sbom = statement("https://spdx.dev/Document", AMD64, serde_json::json!({}));
    assert!(matches!(
        parse_provenance(&sbom, "d", Some(AMD64)),
        Err(ProvenanceError::WrongPredicate { .. })
    ));
    for bad in [
        &b"not json"[..],
        b"[]",
        b"{}",
        b"{\"predicateType\": 7}",
        b"{\"predicateType\": \"https://slsa.dev/provenance/v1\"}",
        b"{\"predicateType\": \"https://slsa.dev/provenance/v1\", \"predicate\": []}",
    ] {
        assert!(
            matches!(
                parse_provenance(bad, "d", None),
                Err(ProvenanceError::NotAStatement { .. })
            ),
            "{}",
            String::from_utf8_lossy(bad)
        );
    }
    // Nesting deeper than serde_json's limit is an error too.
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    assert!(parse_provenance(deep.as_bytes(), "d", None).is_err());
}

#[test]
fn fields_of_the_wrong_shape_are_ignored_and_never_name_a_base() {
    let weird = statement(
        SLSA_V02,
        AMD64,
        serde_json::json!({
            "materials": [
                {"uri": 5},
                {"uri": "pkg:docker/al pine@1", "digest": {"sha256": "zz"}},
                {"uri": "https://example.com/x.tar.gz", "digest": {"sha256": "00"}},
                "a string",
            ],
            "invocation": {"parameters": {"args": {"target": 3, "build-arg:X": ["y"]}}},
            "metadata": {V02_METADATA: {"source": {"infos": [
                {"filename": "Dockerfile", "language": "Dockerfile", "data": "!!!"},
                {"filename": "bin", "language": "Dockerfile", "data": "//79"},
                {"filename": "other.txt", "language": "text", "data": "RlJPTSBldmls"},
            ]}}},
        }),
    );
    let p = parse_provenance(&weird, "d", Some(AMD64)).unwrap();
    assert!(p.images.is_empty());
    // A docker URL that does not parse is kept as a plain material, never as an image.
    assert_eq!(
        p.other_materials,
        vec!["pkg:docker/al pine@1", "https://example.com/x.tar.gz"]
    );
    assert!(p.dockerfiles.is_empty());
    assert_eq!(p.notes.len(), 2, "{:?}", p.notes);
    assert_eq!(p.target, None);
    let b = provenance_base(&p, Some("linux/amd64"));
    assert_eq!((b.name, b.digest), (None, None));
}

#[test]
fn several_images_are_candidates_and_other_platforms_are_build_stages() {
    let sha = |c: char| c.to_string().repeat(64);
    let s = statement(
        SLSA_V1,
        AMD64,
        serde_json::json!({"buildDefinition": {"resolvedDependencies": [
            {"uri": "pkg:docker/golang@1.22?platform=linux%2Farm64", "digest": {"sha256": sha('a')}},
            {"uri": "pkg:docker/alpine@3.19?platform=linux%2Famd64", "digest": {"sha256": sha('b')}},
            {"uri": "pkg:docker/debian@12?platform=linux%2Famd64", "digest": {"sha256": sha('c')}},
        ]}}),
    );
    let p = parse_provenance(&s, "d", Some(AMD64)).unwrap();
    let b = provenance_base(&p, Some("linux/amd64"));
    assert_eq!(b.name, None);
    assert_eq!(
        b.candidates,
        vec![
            format!("alpine:3.19@sha256:{}", sha('b')),
            format!("debian:12@sha256:{}", sha('c'))
        ]
    );
    let b = provenance_base(&p, Some("linux/arm64"));
    assert_eq!(b.name.as_deref(), Some("golang:1.22"));
}

#[test]
fn max_dockerfile_picks_its_from_among_materials_with_args_and_target() {
    let text = "ARG V=3.18\nFROM golang:1.22 AS build\nFROM alpine:${V} AS app\nFROM debian:12\n";
    let data = base64::engine::general_purpose::STANDARD.encode(text);
    let sha = |c: char| c.to_string().repeat(64);
    let s = statement(
        SLSA_V1,
        AMD64,
        serde_json::json!({
            "buildDefinition": {
                "externalParameters": {"request": {"args": {"target": "app", "build-arg:V": "3.19"}}},
                "resolvedDependencies": [
                    {"uri": "pkg:docker/golang@1.22?platform=linux%2Famd64", "digest": {"sha256": sha('a')}},
                    {"uri": "pkg:docker/alpine@3.19?platform=linux%2Famd64", "digest": {"sha256": sha('b')}},
                ],
            },
            "runDetails": {"metadata": {"buildkit_metadata": {"source": {"infos": [
                {"filename": "Dockerfile", "language": "Dockerfile", "data": data}
            ]}}}},
        }),
    );
    let p = parse_provenance(&s, "d", Some(AMD64)).unwrap();
    assert_eq!(p.mode, Mode::Max);
    assert_eq!(p.build_args, BTreeMap::from([("V".into(), "3.19".into())]));
    let b = provenance_base(&p, Some("linux/amd64"));
    assert_eq!(b.name.as_deref(), Some("alpine:3.19"));
    assert_eq!(b.digest, Some(format!("sha256:{}", sha('b'))));
    assert!(b.from_dockerfile);
}

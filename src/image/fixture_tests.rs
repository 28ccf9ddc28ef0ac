//! Every real config fixture (`tests/fixtures/configs/`, provenance in its INDEX.md) rendered
//! in full as an insta snapshot, and, where the source Dockerfile is known
//! (`tests/fixtures/dockerfiles/`), the recovered instructions compared with it one by one.

use std::collections::BTreeMap;

use super::descriptor::LayerDescriptor;
use super::history::KEYWORDS;
use super::recover::Recovery;
use super::{RecoverInput, RenderOptions, parse_config, recover, render_dockerfile};

macro_rules! fixture {
    ($name:literal) => {
        include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/configs/",
            $name
        ))
    };
}
macro_rules! truth {
    ($name:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/dockerfiles/",
            $name
        ))
    };
}

fn recover_raw(bytes: &[u8]) -> Recovery {
    let config = parse_config(bytes).expect("fixture parses");
    recover(&RecoverInput {
        config: &config,
        layers: &[],
        annotations: &BTreeMap::new(),
        has_layers: false,
    })
}

fn render(r: &Recovery) -> String {
    render_dockerfile(
        r,
        &RenderOptions {
            listings: &BTreeMap::new(),
        },
    )
}

// ---- a small Dockerfile reader for the comparison (not the product's renderer) ----

/// Joins `\` continuations, drops comments and blank lines, keeps heredoc bodies, and
/// returns `(KEYWORD, args)` per instruction.
fn instructions(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let mut full = trimmed.to_owned();
        while full.ends_with('\\') {
            full.pop();
            match lines.next() {
                Some(next) => full.push_str(next),
                None => break,
            }
        }
        if let Some(pos) = full.find("<<") {
            let term = full[pos + 2..]
                .trim_matches(|c| c == '\'' || c == '"')
                .to_owned();
            for body in lines.by_ref() {
                if body == term {
                    break;
                }
                full.push('\n');
                full.push_str(body);
            }
        }
        let (k, a) = full.split_once(' ').unwrap_or((&full, ""));
        out.push((k.to_ascii_uppercase(), a.trim().to_owned()));
    }
    out
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether a recovered instruction is the source instruction, allowing the documented lossy
/// spots (tests/fixtures/dockerfiles/INDEX.md).
fn same_instruction(truth: &(String, String), got: &(String, String)) -> bool {
    if truth.0 != got.0 {
        return false;
    }
    let list = |s: &str| -> Vec<String> {
        serde_json::from_str::<Vec<String>>(s)
            .unwrap_or_else(|_| s.split_whitespace().map(str::to_owned).collect())
    };
    match truth.0.as_str() {
        // L9: the value may be the declared default or a build-arg; compare names.
        "ARG" => {
            let names = |s: &str| {
                s.split_whitespace()
                    .map(|w| w.split('=').next().unwrap_or("").to_owned())
                    .collect::<Vec<_>>()
            };
            names(&truth.1) == names(&got.1)
        }
        // L14: variables are recorded expanded.
        "LABEL" | "ENV" => {
            let (tk, tv) = truth.1.split_once('=').unwrap_or((&truth.1, ""));
            let (gk, gv) = got.1.split_once('=').unwrap_or((&got.1, ""));
            tk == gk && (tv.contains('$') || tv.trim_matches('"') == gv.trim_matches('"'))
        }
        "VOLUME" | "EXPOSE" | "CMD" | "ENTRYPOINT" => list(&truth.1) == list(&got.1),
        _ => collapse(&truth.1) == collapse(&got.1),
    }
}

fn assert_matches_source(recovered: &[String], source: &str) {
    let truth: Vec<(String, String)> = instructions(source)
        .into_iter()
        .filter(|(k, _)| k != "FROM")
        .collect();
    let got: Vec<(String, String)> = recovered.iter().flat_map(|i| instructions(i)).collect();
    assert_eq!(
        got.len(),
        truth.len(),
        "instruction count differs:\n got {got:#?}\n want {truth:#?}"
    );
    for (t, g) in truth.iter().zip(&got) {
        assert!(
            same_instruction(t, g),
            "recovered {g:?} does not match source {t:?}"
        );
    }
}

/// The instructions of the build itself (not the base, not config-only trailers).
fn build_steps(r: &Recovery) -> Vec<String> {
    r.steps
        .iter()
        .filter(|s| !s.in_base)
        .filter_map(|s| s.instruction.as_ref())
        .map(ToString::to_string)
        .collect()
}

fn base_steps(r: &Recovery) -> Vec<String> {
    r.steps
        .iter()
        .filter(|s| s.in_base)
        .filter_map(|s| s.instruction.as_ref())
        .map(ToString::to_string)
        .collect()
}

#[test]
fn regclient_b1_matches_its_dockerfile() {
    let r = recover_raw(fixture!("regclient_regclient_testrepo-b1-amd64.json"));
    assert_eq!(r.base.from_argument(), "scratch");
    assert_matches_source(&build_steps(&r), truth!("regclient_Dockerfile.b1"));
    assert!(r.trailing.is_empty(), "{:?}", r.trailing);
}

#[test]
fn regclient_v3_matches_its_dockerfile_and_its_base_matches_b1() {
    let r = recover_raw(fixture!("regclient_regclient_testrepo-v3-amd64.json"));
    assert_matches_source(&build_steps(&r), truth!("regclient_Dockerfile.v3"));
    assert_matches_source(&base_steps(&r), truth!("regclient_Dockerfile.b1"));
    // The rebase trap: config.Cmd comes from busybox, not from any history entry.
    let trailing: Vec<String> = r
        .trailing
        .iter()
        .map(|t| t.instruction.to_string())
        .collect();
    assert_eq!(trailing, [r#"CMD ["sh"]"#]);
}

#[test]
fn regclient_v3_with_its_manifest_and_index_annotations_names_the_declared_base() {
    #[derive(serde::Deserialize)]
    struct Manifest {
        layers: Vec<Layer>,
    }
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Layer {
        media_type: String,
        digest: String,
        size: u64,
    }
    let m: Manifest = serde_json::from_slice(fixture!(
        "regclient_regclient_testrepo-v3-amd64.manifest.json"
    ))
    .unwrap();
    let layers: Vec<LayerDescriptor> = m
        .layers
        .into_iter()
        .map(|l| LayerDescriptor {
            digest: l.digest,
            size: l.size,
            media_type: l.media_type,
        })
        .collect();
    let annotations: BTreeMap<String, String> = [
        (
            "org.opencontainers.image.base.name",
            "registry.example.org/testrepo:b3",
        ),
        (
            "org.opencontainers.image.base.digest",
            "sha256:119b4a63feeda91d4874578e7883994fc45772dd912aa49ba380f87507f6ad07",
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let config = parse_config(fixture!("regclient_regclient_testrepo-v3-amd64.json")).unwrap();
    let r = recover(&RecoverInput {
        config: &config,
        layers: &layers,
        annotations: &annotations,
        has_layers: true,
    });
    assert_eq!(
        r.base.from_argument(),
        "registry.example.org/testrepo:b3@sha256:119b4a63feeda91d4874578e7883994fc45772dd912aa49ba380f87507f6ad07"
    );
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    let first = r.steps.iter().find(|s| !s.in_base).unwrap();
    assert_eq!(first.layer, Some(1));
    assert_eq!(
        first.descriptor.as_ref().map(|d| d.digest.as_str()),
        Some("sha256:5fcd3f90f6c7214b2f48d998385f38dd9f047fd219f03255f3c823c0e93f630a")
    );
    let listings: BTreeMap<usize, Vec<String>> =
        [(1, vec!["/layer1".to_owned()])].into_iter().collect();
    let text = render_dockerfile(
        &r,
        &RenderOptions {
            listings: &listings,
        },
    );
    insta::assert_snapshot!("regclient_v3_with_manifest", text);
}

#[test]
fn dive_minimal_matches_its_dockerfile() {
    let r = recover_raw(fixture!("wagoodman_dive_test-oci-gzip-image.json"));
    assert_eq!(r.base.from_argument(), "scratch");
    assert_matches_source(&build_steps(&r), truth!("dive_Dockerfile.minimal"));
}

#[test]
fn hello_world_matches_its_dockerfile() {
    let r = recover_raw(fixture!("google_go-containerregistry_hello-world-v25.json"));
    assert_eq!(r.base.from_argument(), "scratch");
    assert_matches_source(&build_steps(&r), truth!("hello-world_arm64v8_Dockerfile"));
    assert!(r.trailing.is_empty(), "{:?}", r.trailing);
}

macro_rules! snapshot_fixture {
    ($test:ident, $file:literal) => {
        #[test]
        fn $test() {
            let r = recover_raw(fixture!($file));
            let text = render(&r);
            assert_every_line_is_an_instruction_or_a_comment(&text);
            insta::assert_snapshot!(stringify!($test), text);
        }
    };
}

/// The output contract: a Dockerfile whose non-instruction lines are all comments.
pub(super) fn assert_every_line_is_an_instruction_or_a_comment(text: &str) {
    let mut continued = false;
    let mut heredoc: Option<String> = None;
    let escape = if text.starts_with("# escape=`") {
        '`'
    } else {
        '\\'
    };
    for line in text.lines() {
        if let Some(term) = &heredoc {
            if line.trim_start_matches('\t') == term {
                heredoc = None;
            }
            continue;
        }
        if !continued && !line.is_empty() && !line.starts_with('#') {
            let keyword = line.split(' ').next().unwrap_or("");
            assert!(
                keyword == "FROM" || KEYWORDS.contains(&keyword),
                "not an instruction: {line:?}"
            );
        }
        if let Some(word) = crate::image::runtext::heredoc_word(line)
            .filter(|_| !line.starts_with('#') && !continued)
        {
            heredoc = Some(word.to_owned());
        }
        continued = (continued || !line.starts_with('#')) && line.ends_with(escape);
    }
}

snapshot_fixture!(
    buildkit_llb_exporter_on_classic_busybox,
    "moby_buildkit_compat-default-gzip-v30.json"
);
snapshot_fixture!(
    buildkit_hello_world,
    "google_go-containerregistry_hello-world-v25.json"
);
snapshot_fixture!(
    bazel_with_empty_cmd_first,
    "google_go-containerregistry_empty-layer-history.json"
);
snapshot_fixture!(
    bazel_under_classic_add,
    "google_go-containerregistry_test-link.json"
);
snapshot_fixture!(
    buildkit_regclient_v3,
    "regclient_regclient_testrepo-v3-amd64.json"
);
snapshot_fixture!(
    buildkit_regclient_b1,
    "regclient_regclient_testrepo-b1-amd64.json"
);
snapshot_fixture!(
    buildkit_dive_minimal,
    "wagoodman_dive_test-oci-gzip-image.json"
);
snapshot_fixture!(classic_httpd_1_12, "containers_image_schema2-config.json");
snapshot_fixture!(classic_nginx_18_06, "goodwithtech_dockle_nginx.json");
snapshot_fixture!(
    classic_ubuntu_base_then_buildkit,
    "goodwithtech_dockle_add_with_arg_statement.json"
);

#[test]
fn hello_world_json_record_format() {
    let r = recover_raw(fixture!("google_go-containerregistry_hello-world-v25.json"));
    let text = serde_json::to_string_pretty(&super::render_json(&r)).unwrap();
    insta::assert_snapshot!("buildkit_hello_world_json", text);
}

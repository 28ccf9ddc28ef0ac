//! Histories on a base that a non-Dockerfile tool made (a buildah `--created-by` free-text
//! rootfs entry, an inherited `io.buildah.version` label): where the base ends, how the free
//! text reads, buildah's unexpanded ENV/LABEL text, empty base annotations, one layer for
//! several steps. Literal strings as the real builders write them; no I/O.

use std::collections::BTreeMap;

use serde_json::json;

use super::tests::{dockerfile, image, run};
use super::*;
use crate::image::config::parse_config;

const ROOTFS: &str = "busybox-static rootfs";

/// `(created, created_by, author, empty_layer)` rows with real times.
fn timed(rows: &[(&str, &str, &str, bool)], config: serde_json::Value) -> ImageConfig {
    let h: Vec<serde_json::Value> = rows
        .iter()
        .map(|(t, c, a, e)| {
            let mut v = json!({ "created": t, "created_by": c, "empty_layer": e });
            if !a.is_empty() {
                v["author"] = json!(a);
            }
            v
        })
        .collect();
    let n = rows.iter().filter(|r| !r.3).count();
    let diff_ids: Vec<String> = (0..n).map(|i| format!("sha256:{i:064x}")).collect();
    let doc = json!({ "architecture": "amd64", "os": "linux", "config": config,
        "rootfs": { "type": "layers", "diff_ids": diff_ids }, "history": h });
    parse_config(doc.to_string().as_bytes()).unwrap()
}

/// What the classic builder writes for a short build on the buildah-made busybox base.
fn classic_on_buildah_base(base_time: &str) -> ImageConfig {
    let t = "2026-12-03T19:26:40Z";
    let copy = format!("/bin/sh -c #(nop) COPY file:{} in /app/ ", "a".repeat(64));
    timed(
        &[
            (base_time, ROOTFS, "tester", false),
            (t, "/bin/sh -c #(nop)  ENV APP_HOME=/app", "", true),
            (t, "/bin/sh -c #(nop) WORKDIR /app", "", false),
            (t, copy.as_str(), "", false),
            (t, "|1 V=1 /bin/sh -c echo a > /app/a", "", false),
            (t, "/bin/sh -e -c #(nop)  SHELL [/bin/sh -e -c]", "", true),
            (t, "|1 V=1 /bin/sh -e -c echo b > /app/b", "", false),
            (t, "/bin/sh -e -c #(nop)  USER 1000:1000", "", true),
            (t, "/bin/sh -e -c #(nop)  CMD [\"x\"]", "", true),
        ],
        json!({ "Env": ["APP_HOME=/app"], "WorkingDir": "/app", "User": "1000:1000",
                "Cmd": ["x"], "Shell": ["/bin/sh", "-e", "-c"],
                "Labels": { "io.buildah.version": "1.28.2" } }),
    )
}

#[test]
fn an_inherited_buildah_label_does_not_pull_classic_steps_into_the_base() {
    for base_time in ["2023-11-14T22:13:20Z", "2026-12-03T19:26:40Z"] {
        let r = run(&classic_on_buildah_base(base_time));
        assert!(
            r.base.boundary.is_none_or(|b| b == 0),
            "base must end at the rootfs entry at the latest ({base_time}): {:?}",
            r.base
        );
        assert!(r.steps[1..].iter().all(|s| !s.in_base));
        let text = dockerfile(&r);
        assert_eq!(text.matches("\nWORKDIR /app\n").count(), 1, "{text}");
        let copy = format!("\nCOPY file:{} /app/\n", "a".repeat(64));
        assert!(text.contains(&copy), "{text}");
    }
    let r = run(&classic_on_buildah_base("2023-11-14T22:13:20Z"));
    assert_eq!(r.base.boundary, Some(0));
}

#[test]
fn free_text_on_the_first_layer_is_a_comment_not_a_run() {
    // With an author (it reads like `docker commit`) and without (like an exec-form RUN).
    for author in ["tester", ""] {
        let r = run(&image(
            &[
                (ROOTFS, "", author, false),
                ("/bin/sh -c echo a > /a", "", "", false),
            ],
            json!({}),
            None,
            "linux",
        ));
        assert_eq!(r.steps[0].instruction, None);
        assert_eq!(r.steps[0].flags[0].code, FlagCode::FreeText);
        assert_eq!(r.steps[0].flags[0].detail.as_deref(), Some(ROOTFS));
        let text = dockerfile(&r);
        assert!(!text.contains("busybox-static\""), "{text}");
        assert!(text.contains(ROOTFS), "{text}");
    }
    // Later in the history the same words may be an exec-form RUN: left alone.
    let r = run(&image(
        &[
            ("/bin/sh -c #(nop) ADD file:ab in / ", "", "", false),
            ("make all", "", "", false),
        ],
        json!({}),
        None,
        "linux",
    ));
    assert!(matches!(r.steps[1].instruction, Some(Instruction::Run(_))));
}

fn buildah(rows: &[(&str, bool)], config: serde_json::Value) -> Recovery {
    let rows: Vec<(&str, &str, &str, bool)> = rows.iter().map(|(c, e)| (*c, "", "", *e)).collect();
    run(&image(&rows, config, None, "linux"))
}

#[test]
fn unexpanded_buildah_env_and_label_values_come_from_the_config() {
    let r = buildah(
        &[
            ("/bin/sh -c #(nop) ARG TARGETPLATFORM", true),
            ("/bin/sh -c #(nop) ENV BUILT_FOR=${TARGETPLATFORM}", true),
            (
                "/bin/sh -c #(nop) LABEL a.title=\"x y\" a.version=\"${V}\"",
                true,
            ),
            ("/bin/sh -c #(nop) COPY file:ab in /p ", false),
        ],
        json!({ "Env": ["BUILT_FOR=linux/arm64"],
                "Labels": { "a.title": "x y", "a.version": "1.2.3", "io.buildah.version": "1.28.2" } }),
    );
    let text = dockerfile(&r);
    assert!(text.contains("\nENV BUILT_FOR=linux/arm64\n"), "{text}");
    assert!(
        text.contains("${TARGETPLATFORM}"),
        "the original text stays in a note: {text}"
    );
    assert_eq!(
        r.steps[2].instruction,
        Some(Instruction::Label(vec![
            ("a.title".into(), "x y".into()),
            ("a.version".into(), "1.2.3".into()),
        ]))
    );
    assert!(r.trailing.is_empty(), "{:?}", r.trailing);
}

#[test]
fn an_unexpanded_value_a_later_step_overrides_keeps_its_text() {
    let r = buildah(
        &[
            ("/bin/sh -c #(nop) ENV A=${X}", true),
            ("/bin/sh -c #(nop) ENV A=2", true),
            ("/bin/sh -c #(nop) COPY file:ab in /p ", false),
        ],
        json!({ "Env": ["A=2"], "Labels": { "io.buildah.version": "1.28.2" } }),
    );
    assert!(matches!(
        &r.steps[0].instruction,
        Some(Instruction::Verbatim { text, .. }) if text == "A=${X}"
    ));
}

#[test]
fn empty_base_annotations_name_nothing() {
    let config = image(
        &[("/bin/sh -c #(nop) COPY file:ab in /p ", "", "", false)],
        json!({}),
        None,
        "linux",
    );
    let annotations: BTreeMap<String, String> = [
        (
            "org.opencontainers.image.base.name".to_owned(),
            String::new(),
        ),
        (
            "org.opencontainers.image.base.digest".to_owned(),
            String::new(),
        ),
    ]
    .into_iter()
    .collect();
    let r = recover(&RecoverInput {
        config: &config,
        layers: &[],
        annotations: &annotations,
        has_layers: false,
    });
    assert_ne!(r.base.code, "annotation");
    assert!(!r.base.from_argument().contains('@'), "{:?}", r.base);
}

#[test]
fn a_base_workdir_buildah_kept_verbatim_is_not_repeated_from_the_config() {
    let r = buildah(
        &[
            ("/bin/sh -c #(nop) ADD file:ab in / ", false),
            ("/bin/sh -c #(nop) WORKDIR /srv", true),
            ("/bin/sh -c #(nop) CMD [\"sh\"]", true),
            ("/bin/sh -c echo a > /a", false),
        ],
        json!({ "WorkingDir": "/srv", "Cmd": ["sh"], "Labels": { "io.buildah.version": "1.28.2" } }),
    );
    assert!(r.steps[1].in_base, "{:?}", r.base);
    assert!(
        r.trailing
            .iter()
            .all(|t| t.instruction.keyword() != "WORKDIR"),
        "{:?}",
        r.trailing
    );
}

#[test]
fn the_one_layer_note_does_not_promise_a_listing() {
    let r = buildah(
        &[
            ("/bin/sh -c #(nop) COPY file:ab in /p ", true),
            ("/bin/sh -c #(nop) CMD [\"x\"]", false),
        ],
        json!({ "Cmd": ["x"], "Labels": { "io.buildah.version": "1.28.2" } }),
    );
    let text = dockerfile(&r);
    assert!(text.contains("one-layer-for-steps"), "{text}");
    assert!(!text.contains("files below"), "{text}");
}

//! `recover` end to end on small literal configs: final values from the config, ARG
//! evidence, pairing mismatches, and the renderings that depend on them.

use std::collections::BTreeMap;

use serde_json::json;

use super::*;
use crate::image::config::parse_config;
use crate::image::render::{
    HeaderMeta, RenderOptions, render_dockerfile, render_header, render_json,
};

/// A config with `history` as `(created_by, comment, author, empty_layer)` and the given
/// `config` object; one diff_id per non-empty entry unless `layers` says otherwise.
pub(super) fn image(
    history: &[(&str, &str, &str, bool)],
    config: serde_json::Value,
    layers: Option<usize>,
    os: &str,
) -> ImageConfig {
    let h: Vec<serde_json::Value> = history
        .iter()
        .map(|(c, m, a, e)| {
            let mut v =
                json!({ "created": "2024-01-01T00:00:00Z", "created_by": c, "empty_layer": e });
            if !m.is_empty() {
                v["comment"] = json!(m);
            }
            if !a.is_empty() {
                v["author"] = json!(a);
            }
            v
        })
        .collect();
    let n = layers.unwrap_or_else(|| history.iter().filter(|x| !x.3).count());
    let diff_ids: Vec<String> = (0..n).map(|i| format!("sha256:{i:064x}")).collect();
    let doc = json!({ "architecture": "amd64", "os": os, "config": config,
        "rootfs": { "type": "layers", "diff_ids": diff_ids }, "history": h });
    parse_config(doc.to_string().as_bytes()).unwrap()
}

pub(super) fn run(config: &ImageConfig) -> Recovery {
    recover(&RecoverInput {
        config,
        layers: &[],
        annotations: &BTreeMap::new(),
        has_layers: false,
    })
}

pub(super) fn dockerfile(r: &Recovery) -> String {
    render_dockerfile(
        r,
        &RenderOptions {
            listings: &BTreeMap::new(),
        },
    )
}

fn codes(s: &Step) -> Vec<FlagCode> {
    s.flags.iter().map(|f| f.code).collect()
}

fn instr(s: &Step) -> String {
    s.instruction
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default()
}

pub(super) const BK: &str = "buildkit.dockerfile.v0";
pub(super) const BASE_ADD: &str = "/bin/sh -c #(nop) ADD file:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa in / ";
pub(super) const BASE_CMD: &str = "/bin/sh -c #(nop)  CMD [\"sh\"]";

#[test]
fn the_final_cmd_comes_from_the_config_when_history_disagrees() {
    let c = image(
        &[
            ("COPY a /a # buildkit", BK, "", false),
            ("CMD [\"a\" \"b c\"]", BK, "", true),
        ],
        json!({"Cmd": ["a", "b  c"]}),
        None,
        "linux",
    );
    let r = run(&c);
    assert_eq!(instr(&r.steps[1]), r#"CMD ["a", "b  c"]"#);
    assert!(codes(&r.steps[1]).contains(&FlagCode::QuotingFromConfig));
    assert!(r.trailing.is_empty());
}

#[test]
fn a_shell_form_cmd_equal_to_the_config_is_kept_as_written() {
    let c = image(
        &[
            ("COPY a /a # buildkit", BK, "", false),
            ("/bin/sh -c #(nop) CMD /app --serve", "", "", true),
        ],
        json!({"Cmd": ["/bin/sh", "-c", "/app --serve"], "Labels": {"io.buildah.version": "1.28.2"}}),
        None,
        "linux",
    );
    let r = run(&c);
    assert_eq!(instr(&r.steps[1]), "CMD /app --serve");
    assert!(r.trailing.is_empty(), "{:?}", r.trailing);
}

#[test]
fn the_healthcheck_of_the_config_fixes_lost_argument_boundaries() {
    let c = image(
        &[
            ("COPY a /a # buildkit", BK, "", false),
            (
                "HEALTHCHECK {Test:[CMD /bin/check a b] Interval:30s Timeout:0s StartPeriod:0s StartInterval:0s Retries:0}",
                BK,
                "",
                true,
            ),
        ],
        json!({"Healthcheck": {"Test": ["CMD", "/bin/check", "a b"], "Interval": 30_000_000_000u64}}),
        None,
        "linux",
    );
    let r = run(&c);
    assert_eq!(
        instr(&r.steps[1]),
        r#"HEALTHCHECK --interval=30s CMD ["/bin/check", "a b"]"#
    );
    assert!(!codes(&r.steps[1]).contains(&FlagCode::ArgvBoundariesGuessed));
}

#[test]
fn onbuild_and_shell_come_from_the_config() {
    let ps = ["powershell", "-Command", "$ErrorActionPreference = 'Stop';"];
    let c = image(
        &[
            ("COPY a /a # buildkit", BK, "", false),
            (
                "SHELL [powershell -Command $ErrorActionPreference = 'Stop';]",
                BK,
                "",
                true,
            ),
        ],
        json!({"OnBuild": ["RUN make"], "Shell": ps}),
        None,
        "linux",
    );
    let r = run(&c);
    assert_eq!(
        instr(&r.steps[1]),
        r#"SHELL ["powershell", "-Command", "$ErrorActionPreference = 'Stop';"]"#
    );
    assert_eq!(r.trailing.len(), 1);
    assert_eq!(r.trailing[0].instruction.to_string(), "ONBUILD RUN make");
    assert_eq!(r.trailing[0].flags[0].code, FlagCode::OnbuildFromConfig);
}

#[test]
fn kaniko_metadata_is_rebuilt_from_the_config_and_says_so() {
    let c = image(
        &[("RUN make install", "", "kaniko", false)],
        json!({"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "MODE=prod"], "Cmd": ["/app"], "User": "app", "ExposedPorts": {"8080/tcp": {}}, "WorkingDir": "/srv"}),
        None,
        "linux",
    );
    let r = run(&c);
    let trailing: Vec<String> = r
        .trailing
        .iter()
        .map(|t| t.instruction.to_string())
        .collect();
    assert_eq!(
        trailing,
        [
            r#"CMD ["/app"]"#,
            "USER app",
            "WORKDIR /srv",
            "ENV MODE=prod",
            "EXPOSE 8080/tcp"
        ]
    );
    assert!(
        r.trailing
            .iter()
            .all(|t| t.flags[0].code == FlagCode::KanikoMetadata)
    );
}

#[test]
fn arg_values_come_from_later_run_prefixes() {
    let c = image(
        &[
            ("COPY a /a # buildkit", BK, "", false),
            ("ARG pkg", BK, "", true),
            ("ARG ver=1", BK, "", true),
            (
                "RUN |2 pkg=curl ver=2 /bin/sh -c apk add $pkg # buildkit",
                BK,
                "",
                false,
            ),
        ],
        json!({}),
        None,
        "linux",
    );
    let r = run(&c);
    assert_eq!(instr(&r.steps[1]), "ARG pkg=curl");
    assert_eq!(codes(&r.steps[1]), [FlagCode::ArgValueFromRunPrefix]);
    assert_eq!(instr(&r.steps[2]), "ARG ver=1");
    assert!(r.steps[2].flags[0].to_string().contains("ver=2"));
    assert_eq!(instr(&r.steps[3]), "RUN apk add $pkg");
    assert!(codes(&r.steps[3]).contains(&FlagCode::RunFlagsNotRecorded));
}

#[test]
fn more_entries_than_layers_warns_and_leaves_the_newest_without_a_layer() {
    let c = image(
        &[
            ("COPY a /a # buildkit", BK, "", false),
            ("COPY b /b # buildkit", BK, "", false),
        ],
        json!({}),
        Some(1),
        "linux",
    );
    let r = run(&c);
    assert_eq!(r.steps[0].layer, Some(0));
    assert_eq!(r.steps[1].layer, None);
    assert_eq!(r.warnings.len(), 1);
    assert!(
        r.warnings[0]
            .to_string()
            .contains("entries 2 have no layer")
    );
    assert!(
        dockerfile(&r)
            .contains("# dfimage: warning: history lists 2 non-empty entries for 1 layers")
    );
}

#[test]
fn no_history_still_renders_every_layer_and_the_config() {
    let c = image(&[], json!({"Cmd": ["/bin/app"]}), Some(2), "linux");
    let r = run(&c);
    assert_eq!(r.warnings, [Warning::NoHistory { layers: 2 }]);
    let listings: BTreeMap<usize, Vec<String>> =
        [(1, vec!["/bin/app".to_owned()])].into_iter().collect();
    let text = render_dockerfile(
        &r,
        &RenderOptions {
            listings: &listings,
        },
    );
    assert!(text.contains("# layer 1 (no history entry)"), "{text}");
    assert!(
        text.contains("# layer 2 (no history entry) sha256:"),
        "{text}"
    );
    assert!(text.contains("# /bin/app\n"), "{text}");
    assert!(text.ends_with("CMD [\"/bin/app\"]\n"), "{text}");
    assert!(text.contains("FROM <unknown>\n"));
}

#[test]
fn windows_base_layers_without_entries_are_paired_from_the_end() {
    let c = image(
        &[
            ("Apply image 10.0.20348.1787", "", "", false),
            (
                "cmd /S /C #(nop)  CMD [\"cmd\" \"/C\" \"type C:\\\\hello.txt\"]",
                "",
                "",
                false,
            ),
        ],
        json!({"Cmd": ["cmd", "/C", "type C:\\hello.txt"]}),
        Some(3),
        "windows",
    );
    let r = run(&c);
    assert_eq!((r.steps[0].layer, r.steps[1].layer), (Some(1), Some(2)));
    assert_eq!(
        r.unpaired_layers
            .iter()
            .map(|u| u.index)
            .collect::<Vec<_>>(),
        [0]
    );
    assert_eq!(
        instr(&r.steps[1]),
        r#"CMD ["cmd", "/C", "type C:\\hello.txt"]"#
    );
    assert!(
        r.steps[0].in_base,
        "the Windows base OS entry ends the base"
    );
}

#[test]
fn buildah_default_builds_note_the_one_layer_for_the_stage() {
    let c = image(
        &[
            (
                "/bin/sh -c #(nop) ADD file:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa in / ",
                "",
                "",
                false,
            ),
            ("/bin/sh -c #(nop)  CMD [\"sh\"]", "", "", true),
            (
                "/bin/sh -c #(nop) COPY file:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb in /app ",
                "",
                "",
                true,
            ),
            ("/bin/sh -c make", "", "", true),
            (
                "/bin/sh -c #(nop) CMD [\"/app/run\"]",
                "FROM docker.io/library/busybox:latest",
                "",
                false,
            ),
        ],
        json!({"Cmd": ["/app/run"], "Labels": {"io.buildah.version": "1.28.2"}}),
        None,
        "linux",
    );
    let r = run(&c);
    assert_eq!(r.base.from_argument(), "docker.io/library/busybox:latest");
    assert_eq!(
        r.base.boundary,
        Some(1),
        "the base's CMD ends it (buildah <= 1.37 comments the last entry)"
    );
    let last = r.steps.last().unwrap();
    assert!(codes(last).contains(&FlagCode::OneLayerForSteps));
    assert_eq!(last.layer, Some(1));
}

#[test]
fn exposed_ports_lost_by_dockerfile_1_18_are_filled_from_the_config() {
    let c = image(
        &[
            ("COPY a /a # buildkit", BK, "", false),
            ("EXPOSE &{[{{3 0} {3 0}}] 0xc00012}", BK, "", true),
        ],
        json!({"ExposedPorts": {"80/tcp": {}}}),
        None,
        "linux",
    );
    let r = run(&c);
    assert_eq!(instr(&r.steps[1]), "EXPOSE 80/tcp");
    assert!(r.trailing.is_empty());
}

#[test]
fn a_volume_with_a_space_gets_its_boundaries_from_the_config() {
    let c = image(
        &[
            ("COPY a /a # buildkit", BK, "", false),
            ("VOLUME [/data dir]", BK, "", true),
        ],
        json!({"Volumes": {"/data dir": {}}}),
        None,
        "linux",
    );
    assert_eq!(instr(&run(&c).steps[1]), r#"VOLUME ["/data dir"]"#);
}

#[test]
fn docker_import_is_from_scratch_with_an_add_of_the_layer() {
    let c = image(
        &[("", "Imported from -", "", false)],
        json!({}),
        None,
        "linux",
    );
    let r = run(&c);
    assert_eq!(r.base.from_argument(), "scratch");
    assert_eq!(instr(&r.steps[0]), "ADD layer-1/ /");
}

#[test]
fn json_records_carry_raw_entries_layers_builders_and_instructions() {
    let c = image(
        &[
            ("COPY a /a # buildkit", BK, "", false),
            ("CMD [\"/a\"]", BK, "", true),
        ],
        json!({"Cmd": ["/a"]}),
        None,
        "linux",
    );
    let layers = [LayerDescriptor {
        digest: "sha256:aa".into(),
        size: 7,
        media_type: "application/vnd.oci.image.layer.v1.tar+gzip".into(),
    }];
    let r = recover(&RecoverInput {
        config: &c,
        layers: &layers,
        annotations: &BTreeMap::new(),
        has_layers: true,
    });
    let v = render_json(&r);
    let s0 = &v["steps"][0];
    assert_eq!(s0["created_by"], "COPY a /a # buildkit");
    assert_eq!(s0["comment"], BK);
    assert_eq!(s0["empty_layer"], false);
    assert_eq!(s0["layer"]["digest"], "sha256:aa");
    assert_eq!(s0["layer"]["size"], 7);
    assert_eq!(
        s0["layer"]["media_type"],
        "application/vnd.oci.image.layer.v1.tar+gzip"
    );
    assert_eq!(s0["builder"], "buildkit");
    assert_eq!(s0["instruction"], "COPY a /a");
    assert_eq!(s0["flags"][0]["code"], "copy-flags-not-recorded");
    assert!(v["steps"][1]["layer"].is_null());
    assert_eq!(v["base"]["from"], "scratch");
    assert_eq!(v["builders"][0]["entries"], 2);
}

#[test]
fn the_header_names_image_digest_platform_builder_env_ports_and_user() {
    let c = image(
        &[("COPY a /a # buildkit", BK, "", false)],
        json!({"Env": ["A=1", "B=2"], "ExposedPorts": {"80/tcp": {}}}),
        None,
        "linux",
    );
    let r = run(&c);
    let h = render_header(
        &r,
        &HeaderMeta {
            image: "example.org/app:1",
            digest: Some("sha256:abc"),
            platform: None,
        },
    );
    insta::assert_snapshot!(h, @r"
    image:    example.org/app:1
    digest:   sha256:abc
    platform: linux/amd64
    builder:  BuildKit (1 entry)
    base:     scratch (matched)
    env:      A=1
              B=2
    ports:    80/tcp
    user:     root (not set)
    ");
}

#[test]
fn windows_images_render_with_the_backtick_escape() {
    let ps = "powershell -Command $ErrorActionPreference = 'Stop'; $ProgressPreference = 'SilentlyContinue';";
    let c = image(
        &[
            ("Apply image 10.0.20348.1787", "", "", false),
            ("cmd /S /C #(nop)  ENV APP_HOME=C:\\app\\", "", "", false),
            ("cmd /S /C #(nop) WORKDIR C:\\app\\", "", "", false),
            (
                "cmd /S /C #(nop) COPY file:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa in C:\\app\\ ",
                "",
                "",
                false,
            ),
            (&format!("cmd /S /C #(nop)  SHELL [{ps}]"), "", "", false),
            (
                &format!(
                    "{ps} Invoke-WebRequest -Uri https://example.com/tool.zip -OutFile tool.zip; Expand-Archive tool.zip -DestinationPath C:\\tools\\"
                ),
                "",
                "",
                false,
            ),
            (
                &format!("{ps} #(nop)  CMD [\"C:\\\\app\\\\run.exe\"]"),
                "",
                "",
                false,
            ),
        ],
        json!({"Env": ["APP_HOME=C:\\app\\"], "WorkingDir": "C:\\app\\", "Cmd": ["C:\\app\\run.exe"],
               "Shell": ["powershell", "-Command", "$ErrorActionPreference = 'Stop'; $ProgressPreference = 'SilentlyContinue';"]}),
        None,
        "windows",
    );
    let text = dockerfile(&run(&c));
    crate::image::fixture_tests::assert_every_line_is_an_instruction_or_a_comment(&text);
    insta::assert_snapshot!("windows_backtick_escape", text);
}

/// The history BuildKit (dockerfile frontend < 1.6, as in Docker 20.10) writes for
/// tests/e2e/dockerfiles/app/Dockerfile on a classic busybox base, written out by hand from
/// created-by-formats.md §3.3; the e2e tier checks the same against real builds.
#[test]
fn a_full_buildkit_sample_renders_every_instruction() {
    let hc = r#"HEALTHCHECK &{["CMD-SHELL" "wget -q -O /dev/null http://127.0.0.1:8080/ || exit 1"] "30s" "5s" "10s" '\x03'}"#;
    let args = "|2 BUILD_VERSION=1.2.3 UNUSED_ARG=nothing";
    let run1 = format!(
        "RUN {args} /bin/sh -c set -e && mkdir -p /app/logs /data   &&   echo \"two  spaces   kept\" > /app/spaces.txt     && chown -R 1000:1000 /app/logs # buildkit"
    );
    let run2 = format!("RUN {args} /bin/sh -c echo exec-form > /app/exec.txt # buildkit");
    let run3 = format!(
        "RUN {args} /bin/sh -e -c echo \"after shell $BUILD_VERSION\" > /app/after-shell.txt # buildkit"
    );
    let c = image(
        &[
            (
                "/bin/sh -c #(nop) ADD file:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa in / ",
                "",
                "",
                false,
            ),
            ("/bin/sh -c #(nop)  CMD [\"sh\"]", "", "", true),
            ("ARG BUILD_VERSION=1.2.3", BK, "", true),
            ("ARG UNUSED_ARG=nothing", BK, "", true),
            (
                "ENV APP_HOME=/app APP_MODE=production mode GREETING=hello \"quoted\" world",
                BK,
                "",
                true,
            ),
            (
                "LABEL org.example.title=dfimage e2e org.example.version=1.2.3 maintainer=tester <tester@example.com>",
                BK,
                "",
                true,
            ),
            ("WORKDIR /app", BK, "", false),
            ("COPY hello.txt /app/ # buildkit", BK, "", false),
            ("COPY conf/ /app/conf/ # buildkit", BK, "", false),
            ("ADD vendored.tar.gz /opt/ # buildkit", BK, "", false),
            ("COPY /out/ /app/bin/ # buildkit", BK, "", false),
            (&run1, BK, "", false),
            (&run2, BK, "", false),
            ("SHELL [/bin/sh -e -c]", BK, "", true),
            (&run3, BK, "", false),
            (
                "EXPOSE map[8080/tcp:{} 8443/tcp:{} 9090/udp:{}]",
                BK,
                "",
                true,
            ),
            ("VOLUME [/data /app/logs]", BK, "", true),
            ("USER 1000:1000", BK, "", true),
            (hc, BK, "", true),
            ("STOPSIGNAL SIGTERM", BK, "", true),
            ("ENTRYPOINT [\"/app/bin/tool\"]", BK, "", true),
            ("CMD [\"--serve\" \"--port=8080\"]", BK, "", true),
        ],
        json!({
            "User": "1000:1000",
            "ExposedPorts": {"8080/tcp": {}, "8443/tcp": {}, "9090/udp": {}},
            "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "APP_HOME=/app",
                    "APP_MODE=production mode", "GREETING=hello \"quoted\" world"],
            "Entrypoint": ["/app/bin/tool"], "Cmd": ["--serve", "--port=8080"],
            "Volumes": {"/data": {}, "/app/logs": {}}, "WorkingDir": "/app",
            "Labels": {"maintainer": "tester <tester@example.com>", "org.example.title": "dfimage e2e", "org.example.version": "1.2.3"},
            "StopSignal": "SIGTERM", "OnBuild": ["RUN echo onbuild-trigger"], "Shell": ["/bin/sh", "-e", "-c"],
            "Healthcheck": {"Test": ["CMD-SHELL", "wget -q -O /dev/null http://127.0.0.1:8080/ || exit 1"],
                            "Interval": 30_000_000_000u64, "Timeout": 5_000_000_000u64, "StartPeriod": 10_000_000_000u64, "Retries": 3}
        }),
        None,
        "linux",
    );
    let text = dockerfile(&run(&c));
    crate::image::fixture_tests::assert_every_line_is_an_instruction_or_a_comment(&text);
    insta::assert_snapshot!("buildkit_full_sample", text);
}

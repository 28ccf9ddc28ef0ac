//! One test per dialect, with literal `created_by` strings from created-by-formats.md.

use super::*;
use crate::image::builder::{ImageHints, detect};
use crate::image::config::ImageConfig;
use crate::image::instruction::{CopyArgs, Health};

fn entry(created_by: &str, comment: &str, author: &str) -> HistoryEntry {
    let opt = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    HistoryEntry {
        created_by: opt(created_by),
        comment: opt(comment),
        author: opt(author),
        ..HistoryEntry::default()
    }
}

/// Parses entries in order, as one image's history, and returns what each became.
fn walk(config: &ImageConfig, entries: &[HistoryEntry]) -> Vec<Parsed> {
    let hints = ImageHints::of(config);
    let mut state = State::new(config);
    entries
        .iter()
        .map(|e| parse_entry(e, detect(e, hints), &mut state))
        .collect()
}

fn one(created_by: &str, comment: &str) -> Parsed {
    walk(&ImageConfig::default(), &[entry(created_by, comment, "")]).remove(0)
}

fn text(p: &Parsed) -> String {
    p.instruction
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default()
}

fn codes(p: &Parsed) -> Vec<FlagCode> {
    p.flags.iter().map(|f| f.code).collect()
}

const BK: &str = "buildkit.dockerfile.v0";

#[test]
fn classic_metadata_with_two_spaces_is_go_decoded() {
    assert_eq!(
        text(&one(
            "/bin/sh -c #(nop)  CMD [\"nginx\" \"-g\" \"daemon off;\"]",
            ""
        )),
        r#"CMD ["nginx", "-g", "daemon off;"]"#
    );
    assert_eq!(
        text(&one("/bin/sh -c #(nop)  EXPOSE 80/tcp", "")),
        "EXPOSE 80/tcp"
    );
    assert_eq!(
        text(&one("/bin/sh -c #(nop)  ARG RELEASE", "")),
        "ARG RELEASE"
    );
    assert_eq!(
        text(&one("/bin/sh -c #(nop)  VOLUME [/var/lib/db /cache]", "")),
        r#"VOLUME ["/var/lib/db", "/cache"]"#
    );
    assert_eq!(
        text(&one("/bin/sh -c #(nop)  STOPSIGNAL SIGTERM", "")),
        "STOPSIGNAL SIGTERM"
    );
    assert_eq!(
        text(&one("/bin/sh -c #(nop)  ONBUILD RUN make", "")),
        "ONBUILD RUN make"
    );
    assert_eq!(
        text(&one("/bin/sh -c #(nop)  MAINTAINER Jane <j@x>", "")),
        "MAINTAINER Jane <j@x>"
    );
    assert_eq!(
        text(&one("/bin/sh -c #(nop) WORKDIR /usr/src/app", "")),
        "WORKDIR /usr/src/app"
    );
    let h = one(
        r#"/bin/sh -c #(nop)  HEALTHCHECK &{["CMD-SHELL" "curl -f x"] "30s" "5s" "0s" '\x03'}"#,
        "",
    );
    assert_eq!(
        text(&h),
        "HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD curl -f x"
    );
}

#[test]
fn classic_copy_hash_sources_keep_the_destination_and_flag_the_sources() {
    let p = one(
        "/bin/sh -c #(nop) COPY file:761e313354b918b6cd7ea99975a4f6b53ff5381ba689bab2984aec4dab597215 in /usr/local/bin/ ",
        "",
    );
    assert!(
        matches!(&p.instruction, Some(Instruction::Copy(CopyArgs { dest, .. })) if dest == "/usr/local/bin/")
    );
    assert!(codes(&p).contains(&FlagCode::CopySourcesFromLayer));
    let rel = one(
        "/bin/sh -c #(nop) COPY file:761e313354b918b6cd7ea99975a4f6b53ff5381ba689bab2984aec4dab597215 in app.conf ",
        "",
    );
    assert!(text(&rel).ends_with(" app.conf"));
}

#[test]
fn classic_chown_glued_to_the_hash_before_docker_25_is_split() {
    let hex = "a".repeat(64);
    for created_by in [
        format!("/bin/sh -c #(nop) COPY --chown=101:101file:{hex} in /x "),
        format!("/bin/sh -c #(nop) COPY --chown=101:101 file:{hex} in /x "),
    ] {
        let p = one(&created_by, "");
        assert_eq!(
            text(&p),
            format!("COPY --chown=101:101 file:{hex} /x"),
            "{created_by}"
        );
    }
}

#[test]
fn classic_run_strips_the_shell_and_keeps_tabs() {
    let p = one("/bin/sh -c apt-get update \t&& apt-get install -y curl", "");
    assert_eq!(
        p.instruction,
        Some(Instruction::Run(CommandForm::Shell(
            "apt-get update \t&& apt-get install -y curl".into()
        )))
    );
}

#[test]
fn classic_run_build_arg_prefix_becomes_run_args() {
    let p = one("|2 A=1 B=x /bin/sh -c make", "");
    assert_eq!(text(&p), "RUN make");
    assert_eq!(
        p.run_args,
        [("A".into(), "1".into()), ("B".into(), "x".into())]
    );
}

#[test]
fn classic_exec_form_run_is_exec_with_guessed_boundaries() {
    let p = one("ls -l", "");
    assert_eq!(text(&p), r#"RUN ["ls", "-l"]"#);
    assert!(codes(&p).contains(&FlagCode::ArgvBoundariesGuessed));
}

#[test]
fn a_custom_shell_becomes_the_prefix_of_later_entries() {
    let entries = [
        entry(
            "/bin/sh -c #(nop)  SHELL [/bin/bash -o pipefail -c]",
            "",
            "",
        ),
        entry("/bin/bash -o pipefail -c #(nop)  EXPOSE 80", "", ""),
        entry("/bin/bash -o pipefail -c curl -s x | sh", "", ""),
    ];
    let p = walk(&ImageConfig::default(), &entries);
    assert_eq!(
        text(&p[0]),
        r#"SHELL ["/bin/bash", "-o", "pipefail", "-c"]"#
    );
    assert_eq!(text(&p[1]), "EXPOSE 80");
    assert_eq!(text(&p[2]), "RUN curl -s x | sh");
}

#[test]
fn windows_cmd_and_powershell_prefixes_are_stripped() {
    let config = ImageConfig {
        os: "windows".into(),
        ..ImageConfig::default()
    };
    let ps = "powershell -Command $ErrorActionPreference = 'Stop'; $ProgressPreference = 'SilentlyContinue';";
    let entries = [
        entry("cmd /S /C #(nop)  ENV X=1", "", ""),
        entry(
            r"cmd /S /C #(nop) COPY file:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa in C:\app.exe ",
            "",
            "",
        ),
        entry("cmd /S /C dir C:\\", "", ""),
        entry(&format!("{ps} #(nop)  EXPOSE 80"), "", ""),
        entry(
            &format!("{ps} Invoke-WebRequest -Uri https://x -OutFile y"),
            "",
            "",
        ),
    ];
    let p = walk(&config, &entries);
    assert_eq!(text(&p[0]), "ENV X=1");
    assert!(text(&p[1]).ends_with(r" C:\app.exe"));
    // A trailing backslash needs the backtick escape that render uses for Windows.
    assert_eq!(
        p[2].instruction.as_ref().unwrap().to_dockerfile('`'),
        "RUN dir C:\\"
    );
    assert_eq!(text(&p[3]), "EXPOSE 80");
    assert_eq!(
        text(&p[4]),
        "RUN Invoke-WebRequest -Uri https://x -OutFile y"
    );
}

#[test]
fn buildkit_run_strips_keyword_suffix_prefix_and_shell() {
    let p = one("RUN |1 pkg=curl /bin/sh -c apk add $pkg # buildkit", BK);
    assert_eq!(text(&p), "RUN apk add $pkg");
    assert_eq!(p.run_args, [("pkg".into(), "curl".into())]);
    assert_eq!(text(&one("RUN ls # buildkit", BK)), r#"RUN ["ls"]"#);
    assert_eq!(
        text(&one("COPY app.py /srv/ # buildkit", BK)),
        "COPY app.py /srv/"
    );
    assert_eq!(
        text(&one(
            "COPY --chown=1000:1000 --chmod=644 a b /dst/ # buildkit",
            BK
        )),
        "COPY --chown=1000:1000 --chmod=644 a b /dst/"
    );
}

#[test]
fn buildkit_heredocs_are_flagged() {
    let inline = one("RUN /bin/sh -c set -e\necho hi\n # buildkit", BK);
    assert_eq!(text(&inline), "RUN <<EOF\nset -e\necho hi\nEOF");
    assert!(codes(&inline).contains(&FlagCode::Heredoc));
    let shebang = one("RUN /bin/sh -c /dev/pipes/EOF # buildkit", BK);
    assert!(codes(&shebang).contains(&FlagCode::HeredocBodyNotRecorded));
}

#[test]
fn buildkit_expose_in_all_three_versions() {
    assert_eq!(
        text(&one("EXPOSE map[53/udp:{} 80/tcp:{}]", BK)),
        "EXPOSE 53/udp 80/tcp"
    );
    assert_eq!(
        text(&one("EXPOSE [53/udp 80/tcp]", BK)),
        "EXPOSE 53/udp 80/tcp"
    );
    let broken = one("EXPOSE &{[{{3 0} {3 0}}] 0xc000123456}", BK);
    assert!(codes(&broken).contains(&FlagCode::ExposeFromConfig));
}

#[test]
fn buildkit_healthcheck_in_all_versions() {
    let want = Health {
        test: vec!["CMD-SHELL".into(), "x".into()],
        interval: Some("30s".into()),
        timeout: Some("5s".into()),
        start_period: Some("10s".into()),
        retries: Some(3),
        ..Health::default()
    };
    for created_by in [
        r#"HEALTHCHECK &{["CMD-SHELL" "x"] "30s" "5s" "10s" '\x03'}"#,
        r#"HEALTHCHECK &{["CMD-SHELL" "x"] "30s" "5s" "10s" "0s" '\x03'}"#,
        "HEALTHCHECK {Test:[CMD-SHELL x] Interval:30s Timeout:5s StartPeriod:10s StartInterval:0s Retries:3}",
    ] {
        assert_eq!(
            one(created_by, BK).instruction,
            Some(Instruction::Healthcheck(want.clone())),
            "{created_by}"
        );
    }
}

#[test]
fn buildkit_metadata_entries_decode() {
    assert_eq!(text(&one("ENV A=1 B=x y", BK)), r#"ENV A=1 B="x y""#);
    assert_eq!(text(&one("LABEL base=a", BK)), "LABEL base=a");
    assert_eq!(text(&one("ARG arg=value", BK)), "ARG arg=value");
    assert_eq!(text(&one("VOLUME [/volume]", BK)), r#"VOLUME ["/volume"]"#);
    assert_eq!(
        text(&one(r#"CMD ["/bin/sh" "-c" "echo \"$X\""]"#, BK)),
        r#"CMD ["/bin/sh", "-c", "echo \"$X\""]"#
    );
    assert_eq!(text(&one("USER 1000", BK)), "USER 1000");
    assert_eq!(text(&one("WORKDIR /app", BK)), "WORKDIR /app");
}

#[test]
fn buildkit_run_after_shell_strips_the_new_shell() {
    let entries = [
        entry("SHELL [/bin/bash -o pipefail -c]", BK, ""),
        entry(
            "RUN /bin/bash -o pipefail -c wget x | tar x # buildkit",
            BK,
            "",
        ),
    ];
    assert_eq!(
        text(&walk(&ImageConfig::default(), &entries)[1]),
        "RUN wget x | tar x"
    );
}

#[test]
fn env_pairs_split_at_keys_the_config_knows() {
    let mut config = ImageConfig::default();
    config.runtime.env = vec!["MSG=a B=c".into(), "Z=1".into()];
    let p = walk(&config, &[entry("ENV MSG=a B=c Z=1", BK, "")]);
    assert_eq!(
        p[0].instruction,
        Some(Instruction::Env(vec![
            ("MSG".into(), "a B=c".into()),
            ("Z".into(), "1".into())
        ]))
    );
}

#[test]
fn buildah_metadata_is_kept_verbatim_with_options_stripped() {
    let mut config = ImageConfig::default();
    config
        .runtime
        .labels
        .insert("io.buildah.version".into(), "1.42.0".into());
    let entries = [
        entry(
            "/bin/sh -c #(nop) ENV A=\"x y\"   B=${A} |inheritLabels=false",
            "",
            "",
        ),
        entry("/bin/sh -c #(nop) ARG V", "", ""),
        entry("/bin/sh -c #(nop) ARG V W", "", ""),
        entry("|2 V=1 W=2 /bin/sh -c make $V", "", ""),
        entry("/bin/sh -c [\"ls\", \"-l\"]", "", ""),
        entry(
            "/bin/sh -c #(nop) COPY --link file:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa in /dst       ",
            "",
            "",
        ),
        entry(
            "/bin/sh -c #(nop) CMD [\"/app\", \"--serve\"]",
            "FROM docker.io/library/alpine:3.19",
            "",
        ),
        entry(
            "/bin/sh -c #(nop) healthcheck --interval=5m CMD curl -f x",
            "",
            "",
        ),
    ];
    let p = walk(&config, &entries);
    assert_eq!(text(&p[0]), "ENV A=\"x y\"   B=${A}");
    assert!(codes(&p[0]).contains(&FlagCode::BuildOptions));
    assert_eq!(text(&p[1]), "ARG V");
    assert_eq!(text(&p[2]), "ARG W");
    assert_eq!(text(&p[3]), "RUN make $V");
    assert_eq!(text(&p[4]), r#"RUN ["ls", "-l"]"#);
    assert!(text(&p[5]).ends_with(" /dst"), "{}", text(&p[5]));
    assert_eq!(text(&p[6]), r#"CMD ["/app", "--serve"]"#);
    assert_eq!(text(&p[7]), "HEALTHCHECK --interval=5m CMD curl -f x");
}

#[test]
fn kaniko_entries_are_dockerfile_text() {
    let entries = [
        entry("RUN make install", "", "kaniko"),
        entry("COPY --from=build /out /app", "", "kaniko"),
    ];
    let p = walk(&ImageConfig::default(), &entries);
    assert_eq!(text(&p[0]), "RUN make install");
    assert_eq!(text(&p[1]), "COPY --from=build /out /app");
}

#[test]
fn llb_exporter_exec_ops_become_runs_and_file_ops_notes() {
    let exec = one(
        "mount / from exec sh -eux -c \nmkdir -p /g\n",
        "buildkit.exporter.image.v0",
    );
    assert_eq!(
        exec.instruction,
        Some(Instruction::Run(CommandForm::Exec(vec![
            "sh".into(),
            "-eux".into(),
            "-c".into(),
            "\nmkdir -p /g\n".into()
        ])))
    );
    let file = one(
        "mkdir /proc, mkfile /base/base.txt",
        "buildkit.exporter.image.v0",
    );
    assert_eq!(file.instruction, None);
    assert_eq!(codes(&file), [FlagCode::LlbFileOp]);
}

#[test]
fn non_dockerfile_producers_become_notes_and_layer_copies() {
    let cases = [
        (
            entry("jib-maven-plugin:3.4.0", "classes", "Jib"),
            FlagCode::BuiltBy,
            "/",
        ),
        (
            entry(
                "ko build example.com/cmd/app",
                "go build output, at /ko-app/app",
                "ko",
            ),
            FlagCode::BuiltBy,
            "/ko-app/app",
        ),
        (
            entry("apko", "This is an apko single-layer image", "apko"),
            FlagCode::BuiltBy,
            "/",
        ),
        (
            entry("bazel build ...", "", "Bazel"),
            FlagCode::BuiltBy,
            "/",
        ),
        (
            entry("", "store paths: ['/nix/store/abc-glibc']", ""),
            FlagCode::BuiltBy,
            "/",
        ),
        (
            entry("", "Imported from -", ""),
            FlagCode::DockerImport,
            "/",
        ),
        (entry("", "regclient", ""), FlagCode::Rewritten, "/"),
    ];
    for (e, code, dest) in cases {
        let p = walk(&ImageConfig::default(), std::slice::from_ref(&e)).remove(0);
        assert_eq!(codes(&p), [code], "{e:?}");
        assert_eq!(
            p.layer_copy.as_ref().map(|c| c.dest.as_str()),
            Some(dest),
            "{e:?}"
        );
    }
    let commit = walk(
        &ImageConfig::default(),
        &[entry("bash", "install tools", "me")],
    )
    .remove(0);
    assert_eq!(codes(&commit), [FlagCode::DockerCommit]);
    assert!(commit.flags[0].to_string().contains("\"bash\""));
    let squash = walk(
        &ImageConfig::default(),
        &[entry("", "merge sha256:aa to sha256:bb", "")],
    )
    .remove(0);
    assert_eq!(codes(&squash), [FlagCode::Squash]);
}

#[test]
fn buildkit_copy_flags_absolute_sources_and_heredocs() {
    let from = one("COPY /out/ /app/bin/ # buildkit", BK);
    assert_eq!(text(&from), "COPY /out/ /app/bin/");
    assert!(from.flags[0].to_string().contains("--from"));
    assert!(one("COPY hello.txt /app/ # buildkit", BK).flags.is_empty());
    let heredoc = one("COPY <<EOF /etc/motd # buildkit", BK);
    assert_eq!(heredoc.instruction, None);
    assert_eq!(codes(&heredoc), [FlagCode::HeredocBodyNotRecorded]);
}

#[test]
fn a_heredoc_fed_to_a_command_renders_as_the_source_wrote_it() {
    let p = one(
        "RUN /bin/sh -c cat <<EOF > /etc/motd\nwelcome\nEOF\n # buildkit",
        BK,
    );
    assert_eq!(text(&p), "RUN cat <<EOF > /etc/motd\nwelcome\nEOF");
}

#[test]
fn crane_flatten_lists_the_history_it_replaced() {
    let old = r#"[{"created_by":"/bin/sh -c #(nop) ADD file:ab in / "},{"created_by":"COPY app /app # buildkit"}]"#;
    let p = walk(
        &ImageConfig::default(),
        &[entry("crane flatten sha256:abc", old, "")],
    )
    .remove(0);
    let note = p.flags[0].to_string();
    assert!(note.contains("the flattened history was:\n  /bin/sh -c #(nop) ADD file:ab in / \n  COPY app /app # buildkit"), "{note}");
}

//! Checks of the comparison itself (no world needed): every fixture Dockerfile matches itself,
//! a faithful rendering in the style a recovery tool prints is accepted, and each kind of
//! corruption a recovery tool could make is rejected.

use std::panic::catch_unwind;

use crate::compare::{Base, Expect, assert_recovers, source_text};
use crate::recover::{BUILDAH_APP, DOCKER_APP, SHELLFORM_ARGS};

/// The app image as a careful tool would render it from the classic builder's history.
const CLASSIC_APP_RENDERED: &str = r#"# base image unknown: its steps are listed as comments
FROM unknown
#   busybox-static rootfs
ARG BUILD_VERSION=1.2.3
ARG UNUSED_ARG=nothing
ENV APP_HOME=/app APP_MODE="production mode" GREETING="hello \"quoted\" world"
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
LABEL io.buildah.version=1.28.2 org.example.title="dfimage e2e" org.example.version=1.2.3 \
      maintainer="tester <tester@example.com>"
WORKDIR /app
COPY file:f86dcc0db1d9b4f3e63c0a9b1a334b29c1212c6bee8ae23f391b97dfee73afb4 /app/
COPY --chown=1000:1000 dir:a87ba15212c60c863992b4e2361ef9faae13da8a6dd94e2e5b857c14b6abf05c /app/conf/
ADD file:d065864a1bd285580c5007ae85485bb38106f786d59259817344b7c9cc893f6c /opt/
# this COPY may have been --from a build stage
COPY dir:d8750ceefccb32b921137fa33cbc4b2a0a1d3eb4576c3efce9599eed20b2ba02 /app/bin/
RUN set -e && mkdir -p /app/logs /data \
    && echo "two  spaces   kept" > /app/spaces.txt \
    && chown -R 1000:1000 /app/logs
RUN echo exec-form > /app/exec.txt
SHELL ["/bin/sh", "-e", "-c"]
RUN echo "after shell $BUILD_VERSION" > /app/after-shell.txt
EXPOSE 8080/tcp 8443/tcp 9090/udp
VOLUME ["/app/logs", "/data"]
USER 1000:1000
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["CMD-SHELL", "wget -q -O /dev/null http://127.0.0.1:8080/ || exit 1"]
STOPSIGNAL SIGTERM
ONBUILD RUN echo onbuild-trigger
ENTRYPOINT ["/app/bin/tool"]
CMD ["--serve", "--port=8080"]
"#;

fn rejected(expect: &Expect, text: &str) -> bool {
    catch_unwind(|| assert_recovers(expect, text, "corrupted rendering")).is_err()
}

#[test]
fn every_fixture_dockerfile_matches_itself() {
    assert_recovers(&BUILDAH_APP, &source_text("app"), "app");
    let shellform = Expect {
        build_args: SHELLFORM_ARGS,
        ..Expect::new("shellform", Base::Known)
    };
    assert_recovers(&shellform, &source_text("shellform"), "shellform");
    assert_recovers(
        &Expect::new("files", Base::Known),
        &source_text("files"),
        "files",
    );
    let multi = Expect {
        build_args: &[("TARGETPLATFORM", "linux/arm64")],
        ..Expect::new("multi", Base::Scratch)
    };
    assert_recovers(&multi, &source_text("multi"), "multi");
    let demo = Expect::new("examples/demo", Base::Known);
    assert_recovers(&demo, &source_text("examples/demo"), "examples/demo");
}

#[test]
fn a_faithful_rendering_of_the_classic_history_is_accepted() {
    assert_recovers(&DOCKER_APP, CLASSIC_APP_RENDERED, "classic rendering");
}

#[test]
fn an_invented_base_is_rejected() {
    let text = CLASSIC_APP_RENDERED.replace("FROM unknown", "FROM alpine:3.20");
    assert!(rejected(
        &DOCKER_APP,
        &text.replace("# base image unknown", "#")
    ));
}

#[test]
fn collapsed_whitespace_inside_quotes_is_rejected() {
    let text = CLASSIC_APP_RENDERED.replace("two  spaces   kept", "two spaces kept");
    assert!(rejected(&DOCKER_APP, &text));
}

#[test]
fn go_printed_metadata_is_rejected() {
    let expose = CLASSIC_APP_RENDERED.replace(
        "EXPOSE 8080/tcp 8443/tcp 9090/udp",
        "EXPOSE map[8080/tcp:{} 8443/tcp:{} 9090/udp:{}]",
    );
    assert!(rejected(&DOCKER_APP, &expose));
    let env =
        CLASSIC_APP_RENDERED.replace(r#"APP_MODE="production mode""#, "APP_MODE=production mode");
    assert!(rejected(&DOCKER_APP, &env));
    let cmd = CLASSIC_APP_RENDERED.replace(
        r#"CMD ["--serve", "--port=8080"]"#,
        r#"CMD ["--serve" "--port=8080"]"#,
    );
    assert!(rejected(&DOCKER_APP, &cmd));
}

#[test]
fn unflagged_copy_from_a_stage_is_rejected() {
    let text = CLASSIC_APP_RENDERED.replace("# this COPY may have been --from a build stage\n", "");
    assert!(rejected(&DOCKER_APP, &text));
}

#[test]
fn missing_or_reordered_instructions_are_rejected() {
    let missing = CLASSIC_APP_RENDERED.replace("STOPSIGNAL SIGTERM\n", "");
    assert!(rejected(&DOCKER_APP, &missing));
    let reordered = CLASSIC_APP_RENDERED
        .replace("USER 1000:1000\n", "")
        .replace(
            "STOPSIGNAL SIGTERM\n",
            "STOPSIGNAL SIGTERM\nUSER 1000:1000\n",
        );
    assert!(rejected(&DOCKER_APP, &reordered));
    let no_onbuild = CLASSIC_APP_RENDERED.replace("ONBUILD RUN echo onbuild-trigger\n", "");
    assert!(rejected(&DOCKER_APP, &no_onbuild));
}

#[test]
fn wrong_arg_values_and_chown_are_rejected() {
    let arg = CLASSIC_APP_RENDERED.replace("ARG BUILD_VERSION=1.2.3", "ARG BUILD_VERSION=9.9");
    assert!(rejected(&DOCKER_APP, &arg));
    let chown = CLASSIC_APP_RENDERED.replace("--chown=1000:1000", "--chown=0:0");
    assert!(rejected(&DOCKER_APP, &chown));
}

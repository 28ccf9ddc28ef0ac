//! Whole histories, written by hand from created-by-formats.md §3.1 and §3.4, that the
//! classic builder (Docker 20.10) and buildah (1.28, default build: one layer on the last
//! entry) write for tests/e2e/dockerfiles/app/Dockerfile on a classic busybox base. The e2e
//! tier checks the same against real builds; these pin the rendering.

use serde_json::json;

use super::tests::{BASE_ADD, BASE_CMD, dockerfile, image, run};

const HC: &str = r#"HEALTHCHECK &{["CMD-SHELL" "wget -q -O /dev/null http://127.0.0.1:8080/ || exit 1"] "30s" "5s" "10s" '\x03'}"#;

fn config(buildah: bool) -> serde_json::Value {
    let mut c = json!({
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
    });
    if buildah {
        c["Labels"]["io.buildah.version"] = json!("1.28.2");
    }
    c
}

fn hash(c: char) -> String {
    c.to_string().repeat(64)
}

#[test]
fn classic_builder_sample() {
    let sh = "/bin/sh -c";
    let she = "/bin/sh -e -c";
    let args = "|2 BUILD_VERSION=1.2.3 UNUSED_ARG=nothing";
    let lines = [
        format!("{sh} #(nop)  ARG BUILD_VERSION=1.2.3"),
        format!("{sh} #(nop)  ARG UNUSED_ARG=nothing"),
        format!(
            "{sh} #(nop)  ENV APP_HOME=/app APP_MODE=production mode GREETING=hello \"quoted\" world"
        ),
        format!(
            "{sh} #(nop)  LABEL org.example.title=dfimage e2e org.example.version=1.2.3 maintainer=tester <tester@example.com>"
        ),
        format!("{sh} #(nop) WORKDIR /app"),
        format!("{sh} #(nop) COPY file:{} in /app/ ", hash('1')),
        format!(
            "{sh} #(nop) COPY --chown=1000:1000dir:{} in /app/conf/ ",
            hash('2')
        ),
        format!("{sh} #(nop) ADD file:{} in /opt/ ", hash('3')),
        format!("{sh} #(nop) COPY dir:{} in /app/bin/ ", hash('4')),
        format!(
            "{args} {sh} set -e && mkdir -p /app/logs /data   &&   echo \"two  spaces   kept\" > /app/spaces.txt     && chown -R 1000:1000 /app/logs"
        ),
        format!("{args} {sh} echo exec-form > /app/exec.txt"),
        format!("{sh} #(nop)  SHELL [/bin/sh -e -c]"),
        format!("{args} {she} echo \"after shell $BUILD_VERSION\" > /app/after-shell.txt"),
        format!("{she} #(nop)  EXPOSE 8080/tcp 8443 9090/udp"),
        format!("{she} #(nop)  VOLUME [/data /app/logs]"),
        format!("{she} #(nop)  USER 1000:1000"),
        format!("{she} #(nop)  {HC}"),
        format!("{she} #(nop)  STOPSIGNAL SIGTERM"),
        format!("{she} #(nop)  ONBUILD RUN echo onbuild-trigger"),
        format!("{she} #(nop)  ENTRYPOINT [\"/app/bin/tool\"]"),
        format!("{she} #(nop)  CMD [\"--serve\" \"--port=8080\"]"),
    ];
    let layered = [4, 5, 6, 7, 8, 9, 10, 12];
    let mut history = vec![(BASE_ADD, "", "", false), (BASE_CMD, "", "", true)];
    history.extend(
        lines
            .iter()
            .enumerate()
            .map(|(i, l)| (l.as_str(), "", "", !layered.contains(&i))),
    );
    let text = dockerfile(&run(&image(&history, config(false), None, "linux")));
    crate::image::fixture_tests::assert_every_line_is_an_instruction_or_a_comment(&text);
    insta::assert_snapshot!("classic_app_sample", text);
}

#[test]
fn buildah_default_build_sample() {
    let nop = "/bin/sh -c #(nop)";
    let lines = [
        format!("{nop} ARG BUILD_VERSION"),
        format!("{nop} ARG BUILD_VERSION UNUSED_ARG"),
        format!("{nop} ENV APP_HOME=/app     APP_MODE=\"production mode\"     GREETING='hello \"quoted\" world'"),
        format!("{nop} LABEL org.example.title=\"dfimage e2e\"       org.example.version=\"${{BUILD_VERSION}}\"     maintainer=\"tester <tester@example.com>\""),
        format!("{nop} WORKDIR ${{APP_HOME}}"),
        format!("{nop} COPY file:{} in /app/ ", hash('1')),
        format!("{nop} COPY dir:{} in /app/conf/ ", hash('2')),
        format!("{nop} ADD file:{} in /opt/ ", hash('3')),
        format!("{nop} COPY dir:{} in /app/bin/ ", hash('4')),
        "|2 BUILD_VERSION=1.2.3 UNUSED_ARG=nothing /bin/sh -c set -e && mkdir -p /app/logs /data   &&   echo \"two  spaces   kept\" > /app/spaces.txt     && chown -R 1000:1000 /app/logs".to_owned(),
        "|2 BUILD_VERSION=1.2.3 UNUSED_ARG=nothing /bin/sh -c [\"/bin/sh\", \"-c\", \"echo exec-form > /app/exec.txt\"]".to_owned(),
        format!("{nop} SHELL [\"/bin/sh\", \"-e\", \"-c\"]"),
        "|2 BUILD_VERSION=1.2.3 UNUSED_ARG=nothing /bin/sh -c echo \"after shell $BUILD_VERSION\" > /app/after-shell.txt".to_owned(),
        format!("{nop} EXPOSE 8080/tcp 8443 9090/udp"),
        format!("{nop} VOLUME [\"/data\", \"/app/logs\"]"),
        format!("{nop} USER 1000:1000"),
        format!("{nop} HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 CMD wget -q -O /dev/null http://127.0.0.1:8080/ || exit 1"),
        format!("{nop} STOPSIGNAL SIGTERM"),
        format!("{nop} ONBUILD RUN echo onbuild-trigger"),
        format!("{nop} ENTRYPOINT [\"/app/bin/tool\"]"),
        format!("{nop} CMD [\"--serve\", \"--port=8080\"]"),
    ];
    let last = lines.len() - 1;
    let mut history = vec![(BASE_ADD, "", "", false), (BASE_CMD, "", "", true)];
    history.extend(lines.iter().enumerate().map(|(i, l)| {
        let comment = if i == last {
            "FROM localhost/test/busybox:latest"
        } else {
            ""
        };
        (l.as_str(), comment, "", i != last)
    }));
    let r = run(&image(&history, config(true), None, "linux"));
    assert_eq!(r.base.from_argument(), "localhost/test/busybox:latest");
    let text = dockerfile(&r);
    crate::image::fixture_tests::assert_every_line_is_an_instruction_or_a_comment(&text);
    insta::assert_snapshot!("buildah_app_sample", text);
}

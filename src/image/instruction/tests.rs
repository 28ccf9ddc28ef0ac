//! Canonical text of each instruction.

use super::*;

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| (*x).to_owned()).collect()
}

#[test]
fn exec_forms_render_as_json_arrays() {
    let cmd = Instruction::Cmd(CommandForm::Exec(s(&["nginx", "-g", "daemon off;"])));
    assert_eq!(cmd.to_string(), r#"CMD ["nginx", "-g", "daemon off;"]"#);
    let win = Instruction::Cmd(CommandForm::Exec(s(&["cmd", "/C", "type C:\\hello.txt"])));
    assert_eq!(
        win.to_string(),
        r#"CMD ["cmd", "/C", "type C:\\hello.txt"]"#
    );
    assert_eq!(
        Instruction::Volume(s(&["/a b"])).to_string(),
        r#"VOLUME ["/a b"]"#
    );
}

#[test]
fn env_and_label_values_are_requoted_only_when_needed() {
    let label = Instruction::Label(vec![(
        "maintainer".into(),
        "NGINX Docker Maintainers <docker-maint@nginx.com>".into(),
    )]);
    assert_eq!(
        label.to_string(),
        r#"LABEL maintainer="NGINX Docker Maintainers <docker-maint@nginx.com>""#
    );
    let env = Instruction::Env(vec![
        ("A".into(), "1".into()),
        ("B".into(), r#"say "hi" $HOME"#.into()),
    ]);
    assert_eq!(env.to_string(), r#"ENV A=1 B="say \"hi\" \$HOME""#);
    let url = Instruction::Env(vec![("U".into(), "https://x/?a=1&b=2".into())]);
    assert_eq!(url.to_string(), "ENV U=https://x/?a=1&b=2");
    assert_eq!(
        Instruction::Env(vec![("E".into(), String::new())]).to_string(),
        r#"ENV E="""#
    );
}

#[test]
fn healthcheck_renders_options_and_both_forms() {
    let h = Health {
        test: s(&["CMD-SHELL", "curl -f http://localhost/ || exit 1"]),
        interval: Some("30s".into()),
        retries: Some(3),
        ..Health::default()
    };
    assert_eq!(
        Instruction::Healthcheck(h).to_string(),
        "HEALTHCHECK --interval=30s --retries=3 CMD curl -f http://localhost/ || exit 1"
    );
    let exec = Health {
        test: s(&["CMD", "/bin/check", "-q"]),
        ..Health::default()
    };
    assert_eq!(
        Instruction::Healthcheck(exec).to_string(),
        r#"HEALTHCHECK CMD ["/bin/check", "-q"]"#
    );
    let none = Health {
        test: s(&["NONE"]),
        ..Health::default()
    };
    assert_eq!(
        Instruction::Healthcheck(none).to_string(),
        "HEALTHCHECK NONE"
    );
}

#[test]
fn copy_keeps_flags_sources_and_destination() {
    let c = Instruction::Copy(CopyArgs {
        flags: s(&["--chown=101:101"]),
        sources: s(&["file:761e4b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a"]),
        dest: "/usr/local/bin/".into(),
    });
    assert!(matches!(&c, Instruction::Copy(a) if a.sources_are_hash()));
    assert!(c.to_string().starts_with("COPY --chown=101:101 file:761e"));
    assert!(!is_source_hash("README.md"));
    assert!(!is_source_hash("http://example.com/a:b"));
}

#[test]
fn multi_line_run_text_becomes_a_heredoc() {
    let run = Instruction::Run(CommandForm::Shell("set -e\necho hi\n".into()));
    assert_eq!(run.to_string(), "RUN <<EOF\nset -e\necho hi\nEOF");
}

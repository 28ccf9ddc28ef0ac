//! Payload decoders on their own.

use super::*;

#[test]
fn arg_lists_keep_names_and_values() {
    assert_eq!(split_args("RELEASE"), [("RELEASE".to_owned(), None)]);
    assert_eq!(
        split_args("a=1 b=x y"),
        [
            ("a".to_owned(), Some("1".to_owned())),
            ("b".to_owned(), Some("x y".to_owned()))
        ]
    );
    assert_eq!(
        split_args("A B"),
        [("A".to_owned(), None), ("B".to_owned(), None)]
    );
}

#[test]
fn label_keys_may_contain_dots_and_dashes() {
    assert_eq!(
        split_kv(
            "org.opencontainers.image.version=22.04 my-key=v",
            &HashSet::new(),
            true
        ),
        [
            (
                "org.opencontainers.image.version".to_owned(),
                "22.04".to_owned()
            ),
            ("my-key".to_owned(), "v".to_owned())
        ]
    );
}

#[test]
fn unknown_keys_split_at_every_key_like_token() {
    assert_eq!(
        split_kv("A=1 B=2", &HashSet::new(), false),
        [
            ("A".to_owned(), "1".to_owned()),
            ("B".to_owned(), "2".to_owned())
        ]
    );
    assert_eq!(
        split_kv("A=x y", &HashSet::new(), false),
        [("A".to_owned(), "x y".to_owned())]
    );
}

#[test]
fn command_forms_accept_json_and_go_lists() {
    assert_eq!(
        command_form(r#"["a", "b"]"#),
        CommandForm::Exec(vec!["a".into(), "b".into()])
    );
    assert_eq!(
        command_form(r#"["a" "b"]"#),
        CommandForm::Exec(vec!["a".into(), "b".into()])
    );
    assert_eq!(
        command_form("echo [x]"),
        CommandForm::Shell("echo [x]".into())
    );
}

#[test]
fn copy_without_a_hash_is_parsed_as_names() {
    let d = copy("COPY", "--chown=1:1 a b /dst/");
    assert_eq!(
        d.instruction,
        Some(Instruction::Copy(CopyArgs {
            flags: vec!["--chown=1:1".into()],
            sources: vec!["a".into(), "b".into()],
            dest: "/dst/".into()
        }))
    );
    assert!(d.flags.is_empty());
}

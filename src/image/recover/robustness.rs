//! Odd and hostile histories: recovery never panics, renders only instructions and comments,
//! and stays fast on pathological inputs.

use serde_json::json;

use super::tests::{BK, dockerfile, image, run};
use crate::image::render::render_json;

#[test]
fn odd_entries_never_panic_and_render_only_instructions_and_comments() {
    let weird = [
        "",
        "#(nop) ",
        "|",
        "|3 ",
        "|2 A=1",
        "RUN",
        "RUN  # buildkit",
        "HEALTHCHECK &{",
        "EXPOSE map[",
        "/bin/sh -c #(nop)  ",
        "/bin/sh -c #(nop) COPY --chown= in ",
        "ENV",
        "ARG =",
        "CMD [\"unterminated",
        "ünïcödé  \t&& x",
        "a\nb\nc",
        "COPY # buildkit",
        "/bin/sh -c #(nop)  HEALTHCHECK {Test:[] Interval:",
        "\\",
        "RUN /bin/sh -c x \\",
        "/bin/sh -c cat <<EOF > f\nbody\nEOF",
        "RUN x <<A\nA # buildkit",
        "COPY <<EOF /x # buildkit",
    ];
    for (i, w) in weird.iter().enumerate() {
        for os in ["linux", "windows"] {
            for comment in ["", BK, "buildkit.exporter.image.v0"] {
                let c = image(
                    &[(w, comment, "", i % 2 == 0), (w, comment, "", false)],
                    json!({}),
                    Some(1),
                    os,
                );
                let r = run(&c);
                let text = dockerfile(&r);
                let _ = render_json(&r);
                crate::image::fixture_tests::assert_every_line_is_an_instruction_or_a_comment(
                    &text,
                );
            }
        }
    }
}

#[test]
fn hostile_entries_stay_linear_enough_to_finish() {
    let repeated_shell = format!("|2 A=1 {}", " /bin/sh -c x".repeat(50_000));
    let terminators: String =
        (0..20_000).map(|i| format!("EOF{i}\n")).collect::<String>() + "EOF\n";
    let run_text = format!("RUN /bin/sh -c {terminators} # buildkit");
    let chain = format!("RUN /bin/sh -c {} # buildkit", "a && ".repeat(50_000));
    let env: Vec<String> = (0..20_000).map(|i| format!("K{i}=v")).collect();
    let env_entry = format!("ENV {}", env.join(" "));
    let c = image(
        &[
            (&repeated_shell, "", "", false),
            (&run_text, BK, "", false),
            (&chain, BK, "", false),
            (&env_entry, BK, "", true),
        ],
        json!({ "Env": env }),
        None,
        "linux",
    );
    let r = run(&c);
    assert_eq!(r.steps.len(), 4);
    let text = dockerfile(&r);
    assert!(text.len() > 500_000);
}

//! The `-v` header (like Whaler's): image, digest, platform, builder, base, env, ports, user.
//! Returned as text; the lead prints it on stderr. Never includes credentials (it only
//! sees the config and the names it is given).

use std::fmt::Write as _;

use super::recover::Recovery;

/// What the header names that the config does not know.
#[derive(Debug, Clone, Copy, Default)]
pub struct HeaderMeta<'a> {
    /// The image as the user named it (reference or path).
    pub image: &'a str,
    /// The manifest digest, when there was a manifest.
    pub digest: Option<&'a str>,
    /// The platform chosen from an index, when there was one (else the config's is shown).
    pub platform: Option<&'a str>,
}

fn row(out: &mut String, key: &str, values: &[String]) {
    let label = format!("{key}:");
    match values.split_first() {
        None => {
            let _ = writeln!(out, "{label:<10}(none)");
        }
        Some((first, rest)) => {
            let _ = writeln!(out, "{label:<10}{first}");
            for v in rest {
                let _ = writeln!(out, "{:<10}{v}", "");
            }
        }
    }
}

/// Renders the header lines (newline-terminated).
pub fn render_header(recovery: &Recovery, meta: &HeaderMeta<'_>) -> String {
    let mut out = String::new();
    let rt = &recovery.runtime;
    row(&mut out, "image", &[meta.image.to_owned()]);
    row(
        &mut out,
        "digest",
        &meta
            .digest
            .map(str::to_owned)
            .into_iter()
            .collect::<Vec<_>>(),
    );
    row(
        &mut out,
        "platform",
        &[meta
            .platform
            .map_or_else(|| recovery.platform.clone(), str::to_owned)],
    );
    row(&mut out, "builder", &[recovery.builders.to_string()]);
    let b = &recovery.base;
    row(
        &mut out,
        "base",
        &[format!("{} ({})", b.from_argument(), b.confidence.word())],
    );
    row(&mut out, "env", &rt.env);
    row(&mut out, "ports", &rt.exposed_ports);
    let user = match rt.user.as_deref() {
        Some(u) if !u.is_empty() => u.to_owned(),
        _ => "root (not set)".to_owned(),
    };
    row(&mut out, "user", &[user]);
    out
}

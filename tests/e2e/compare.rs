//! Compares a recovered Dockerfile with the Dockerfile an image was built from, instruction by
//! instruction, allowing exactly the documented lossy spots: the FROM of images whose builder
//! does not record the base (must then say it is unknown), `COPY --from` (must be flagged),
//! `--chown` that BuildKit and buildah drop (if present it must be right), ARG positions and
//! values (names must match, a value must be the default or the build argument), ONBUILD
//! position (BuildKit keeps it only in the config), and config-added extras (`PATH` from the
//! base, buildah's `io.buildah.version` label).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use crate::dockerfile::{Instruction, final_stage, parse, words};
use crate::items::{Item, Scope, item};

/// What the recovered FROM may say.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Base {
    /// The builder records the base: FROM must name it (a `@digest` may follow).
    Known,
    /// The builder does not record it: FROM names it or says it is unknown.
    KnownOrUnknown,
    /// `FROM scratch`: FROM says scratch or unknown.
    Scratch,
}

/// The source Dockerfile of a fixture and how it was built.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Expect {
    /// Folder under tests/e2e/dockerfiles (or repo-relative, see [`source_text`]).
    pub dockerfile: &'static str,
    /// `--build-arg` values given to the build.
    pub build_args: &'static [(&'static str, &'static str)],
    /// FROM expectations.
    pub base: Base,
}

impl Expect {
    pub(crate) const fn new(dockerfile: &'static str, base: Base) -> Self {
        Expect {
            dockerfile,
            build_args: &[],
            base,
        }
    }
}

/// The source text of a fixture Dockerfile: a folder under tests/e2e/dockerfiles, or a folder
/// relative to the repository when the name holds a `/` (`examples/demo`).
pub(crate) fn source_text(name: &str) -> String {
    let dir = if name.contains('/') {
        name.to_string()
    } else {
        format!("tests/e2e/dockerfiles/{name}")
    };
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), &dir, "Dockerfile"]
        .iter()
        .collect();
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// Variables of the source Dockerfile: ARG defaults (build args win), then ENV values.
fn source_scope(expect: &Expect, source: &[Instruction]) -> Scope {
    let mut scope = Scope::new(BTreeMap::new());
    for ins in source {
        let pairs: Vec<(String, String)> = match ins.keyword.as_str() {
            "ARG" => words(&ins.args)
                .into_iter()
                .filter_map(|w| w.split_once('=').map(|(k, v)| (k.into(), v.into())))
                .collect(),
            "ENV" => match item(ins, &mut scope.clone()) {
                Item::Env(m) => m.into_iter().collect(),
                _ => Vec::new(),
            },
            _ => Vec::new(),
        };
        for (k, v) in pairs {
            let v = scope.expand(&v);
            scope.vars.insert(k, v);
        }
    }
    for (k, v) in expect.build_args {
        scope.vars.insert((*k).into(), (*v).into());
    }
    // ENV values that used a build argument see its value.
    let vars = scope.vars.clone();
    for v in scope.vars.values_mut() {
        *v = Scope::new(vars.clone()).expand(v);
    }
    scope
}

struct Parts<'a> {
    args: BTreeMap<String, Option<String>>,
    onbuild: BTreeSet<String>,
    ordered: Vec<(Item, &'a Instruction)>,
}

fn split<'a>(
    ins: &'a [Instruction],
    scope: &Scope,
    recovered: bool,
    source_env: &BTreeSet<String>,
) -> Parts<'a> {
    let mut scope = scope.clone();
    let mut parts = Parts {
        args: BTreeMap::new(),
        onbuild: BTreeSet::new(),
        ordered: Vec::new(),
    };
    for i in ins {
        let mut it = item(i, &mut scope);
        if recovered {
            match &mut it {
                Item::Env(m) => m.retain(|k, _| k != "PATH" || source_env.contains(k)),
                Item::Label(m) => m.retain(|k, _| !k.starts_with("io.buildah.")),
                _ => {}
            }
        }
        match it {
            Item::Arg(m) => parts.args.extend(m),
            Item::Onbuild(inner) => {
                parts.onbuild.insert(format!("{inner:?}"));
            }
            Item::Env(m) | Item::Label(m) if m.is_empty() => {}
            Item::Env(m) => match parts.ordered.last_mut() {
                Some((Item::Env(prev), _)) => prev.extend(m),
                _ => parts.ordered.push((Item::Env(m), i)),
            },
            Item::Label(m) => match parts.ordered.last_mut() {
                Some((Item::Label(prev), _)) => prev.extend(m),
                _ => parts.ordered.push((Item::Label(m), i)),
            },
            other => parts.ordered.push((other, i)),
        }
    }
    parts
}

fn check_from(
    expect: &Expect,
    scope: &Scope,
    source_from: Option<&Instruction>,
    got: Option<&Instruction>,
    errors: &mut Vec<String>,
) {
    let Some(got) = got else {
        errors.push("the recovered Dockerfile has no FROM line".into());
        return;
    };
    let base = source_from
        .map(|f| scope.expand(f.args.split_whitespace().next().unwrap_or("")))
        .unwrap_or_default();
    let named = scope.expand(got.args.split_whitespace().next().unwrap_or(""));
    let named = named.as_str();
    let names_base = named == base || named.starts_with(&format!("{base}@"));
    let says_unknown =
        got.args.to_lowercase().contains("unknown") || got.nearby_comments().contains("unknown");
    let ok = match expect.base {
        Base::Known => names_base,
        Base::KnownOrUnknown => names_base || says_unknown,
        Base::Scratch => named == "scratch" || says_unknown,
    };
    if !ok {
        errors.push(format!(
            "FROM {:?} does not match the base {base:?} ({:?} expected)",
            got.args, expect.base
        ));
    }
}

/// Comments a reader has seen by the time they reach `ins`: every comment above it in the
/// recovered file (a file-wide note such as "any COPY may come from another stage" counts),
/// plus the ones right below it.
fn notes_up_to(all: &[Instruction], ins: &Instruction) -> String {
    let end = all
        .iter()
        .position(|i| std::ptr::eq(i, ins))
        .map_or(all.len(), |p| p + 1);
    let mut notes: Vec<String> = all[..end]
        .iter()
        .flat_map(|i| i.comments_before.iter().cloned())
        .collect();
    notes.extend(ins.comments_after.iter().cloned());
    notes.join("\n").to_lowercase()
}

fn same(
    want: &(Item, &Instruction),
    got: &(Item, &Instruction),
    all_got: &[Instruction],
) -> Result<(), String> {
    match (&want.0, &got.0) {
        (
            Item::Copy {
                keyword: wk,
                dest: wd,
                chown: wc,
                from: wf,
            },
            Item::Copy {
                keyword: gk,
                dest: gd,
                chown: gc,
                from: gf,
            },
        ) => {
            if wk != gk || wd != gd {
                return Err(format!("{wk} to {wd:?} recovered as {gk} to {gd:?}"));
            }
            if gc.is_some() && gc != wc {
                return Err(format!("{wk} --chown {wc:?} recovered as {gc:?}"));
            }
            if wf.is_some() && gf.is_none() {
                let note = notes_up_to(all_got, got.1);
                if !(note.contains("--from") || note.contains("stage")) {
                    return Err(format!(
                        "{wk} --from to {wd:?} is not flagged as possibly from a build stage"
                    ));
                }
            }
            Ok(())
        }
        (w, g) if w == g => Ok(()),
        (w, g) => Err(format!("expected {w:?}\n           got {g:?}")),
    }
}

/// Asserts that `recovered` is the Dockerfile `expect` names, allowing only the documented
/// lossy spots. `what` names the image/source in failure messages.
pub(crate) fn assert_recovers(expect: &Expect, recovered: &str, what: &str) {
    let source_all = parse(&source_text(expect.dockerfile));
    let scope = source_scope(expect, &source_all);
    let (source_from, source) = final_stage(&source_all);
    let got_all = parse(recovered);
    let (got_from, got) = final_stage(&got_all);
    let mut errors = Vec::new();
    check_from(expect, &scope, source_from, got_from, &mut errors);

    let source_env: BTreeSet<String> = source
        .iter()
        .filter(|i| i.keyword == "ENV")
        .flat_map(|i| match item(i, &mut scope.clone()) {
            Item::Env(m) => m.into_keys().collect(),
            _ => Vec::new(),
        })
        .collect();
    let want = split(source, &scope, false, &source_env);
    let have = split(got, &scope, true, &source_env);

    let want_names: BTreeSet<_> = want.args.keys().collect();
    let have_names: BTreeSet<_> = have.args.keys().collect();
    if want_names != have_names {
        errors.push(format!(
            "ARG names {want_names:?} recovered as {have_names:?}"
        ));
    }
    for (name, value) in &have.args {
        let Some(value) = value else { continue };
        let default = want.args.get(name).cloned().flatten();
        let given = expect
            .build_args
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.to_string());
        if Some(value) != default.as_ref() && Some(value) != given.as_ref() {
            errors.push(format!("ARG {name}={value:?} is neither the default {default:?} nor the build argument {given:?}"));
        }
    }
    if want.onbuild != have.onbuild {
        errors.push(format!(
            "ONBUILD {:?} recovered as {:?}",
            want.onbuild, have.onbuild
        ));
    }
    for (n, pair) in want.ordered.iter().zip(&have.ordered).enumerate() {
        if let Err(e) = same(pair.0, pair.1, &got_all) {
            errors.push(format!("instruction {} ({}): {e}", n + 1, pair.0.1.keyword));
        }
    }
    if want.ordered.len() != have.ordered.len() {
        let list = |p: &Parts| {
            p.ordered
                .iter()
                .map(|(_, i)| i.keyword.clone())
                .collect::<Vec<_>>()
                .join(" ")
        };
        errors.push(format!(
            "{} instructions expected, {} recovered\n  expected: {}\n  recovered: {}",
            want.ordered.len(),
            have.ordered.len(),
            list(&want),
            list(&have)
        ));
    }
    assert!(
        errors.is_empty(),
        "{what}: the recovered Dockerfile differs from tests/e2e/dockerfiles/{}/Dockerfile:\n- {}\n--- recovered ---\n{recovered}",
        expect.dockerfile,
        errors.join("\n- ")
    );
}

/// The ENV pairs of a recovered Dockerfile, merged over all ENV lines.
pub(crate) fn recovered_env(recovered: &str) -> BTreeMap<String, String> {
    let mut scope = Scope::new(BTreeMap::new());
    parse(recovered)
        .iter()
        .filter(|i| i.keyword == "ENV")
        .flat_map(|i| match item(i, &mut scope) {
            Item::Env(m) => m.into_iter().collect(),
            _ => Vec::new(),
        })
        .collect()
}

/// The meanings of every instruction of a recovered Dockerfile, in order.
pub(crate) fn recovered_items(recovered: &str) -> Vec<Item> {
    let mut scope = Scope::new(BTreeMap::new());
    parse(recovered)
        .iter()
        .map(|i| item(i, &mut scope))
        .collect()
}

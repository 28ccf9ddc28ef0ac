//! From what the user typed (clap values) to resolved [`Request`]s.

use std::ffi::OsString;
use std::path::Path;

use clap::FromArgMatches;

use super::args::{
    Cli, Command, CompletionTarget, FilesMode, OutputFormat, RegistryArgs, TableFormat,
};
use super::request::{
    BatchSettings, ClusterSettings, CpRequest, DiffRequest, ExtractRequest, Format, ImagesRequest,
    Listing, OutputSettings, RecoverRequest, RegistrySettings, Request,
};
use super::target;

/// The result of parsing a command line.
#[derive(Debug)]
pub enum ParseOutcome {
    /// Run this request.
    Run(Request),
    /// Print `text` and exit with `code`: help, version, or a usage error (clap's rendering).
    Exit {
        /// What to print: clap's styled text (plain or ANSI, decided by the printer).
        text: clap::builder::StyledStr,
        /// Whether it goes to stdout (help, version) rather than stderr (errors).
        to_stdout: bool,
        /// The exit code (0 for help/version, 2 for usage errors).
        code: u8,
    },
}

/// Parses `args` (`argv[0]` first). `argv[0]` decides how usage names the program:
/// `kubectl dfimage` when run as a kubectl plugin.
pub fn parse<I, T>(args: I) -> ParseOutcome
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let bin_name = display_name(args.first().map(OsString::as_os_str));
    let matches = match super::command(&bin_name).try_get_matches_from(&args) {
        Ok(m) => m,
        Err(err) => return clap_exit(&err),
    };
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(err) => return clap_exit(&err),
    };
    // clap does not enforce `requires = "all"` on --output-dir, as `all` requires it back.
    if cli.command.is_none() && cli.recover.output_dir.is_some() && !cli.recover.all {
        let err = super::command(&bin_name).error(
            clap::error::ErrorKind::MissingRequiredArgument,
            "--output-dir is for --all (every image of a namespace); without --all the \
             Dockerfile goes to stdout, so redirect it instead",
        );
        return clap_exit(&err);
    }
    ParseOutcome::Run(resolve(cli))
}

fn clap_exit(err: &clap::Error) -> ParseOutcome {
    ParseOutcome::Exit {
        text: err.render(),
        to_stdout: !err.use_stderr(),
        code: u8::try_from(err.exit_code()).unwrap_or(2),
    }
}

/// `kubectl dfimage` when invoked through kubectl (argv[0] is `.../kubectl-dfimage`).
fn display_name(argv0: Option<&std::ffi::OsStr>) -> String {
    let file = argv0
        .and_then(|a| Path::new(a).file_name())
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    match file.strip_prefix("kubectl-") {
        Some(plugin) => format!(
            "kubectl {}",
            plugin.trim_end_matches(".exe").replace('_', "-")
        ),
        None => "kubectl-dfimage".to_owned(),
    }
}

fn registry_settings(r: RegistryArgs) -> RegistrySettings {
    RegistrySettings {
        plain_http: r.plain_http,
        ca_files: r.ca_file,
        insecure_skip_tls_verify: r.insecure_skip_tls_verify,
        platform: r.platform,
    }
}

fn resolve(cli: Cli) -> Request {
    let g = cli.global;
    let output = OutputSettings {
        quiet: g.quiet,
        verbose: g.verbose,
        progress: !(g.quiet || g.no_progress),
    };
    let cluster = ClusterSettings {
        namespace: g.namespace,
        kubeconfig: g.kubeconfig,
        context: g.context,
        cluster: g.cluster,
        user: g.user,
    };
    match cli.command {
        Some(Command::Completion(c)) => {
            let shell = match c.target {
                CompletionTarget::Bash => clap_complete::Shell::Bash,
                CompletionTarget::Zsh => clap_complete::Shell::Zsh,
                CompletionTarget::Fish => clap_complete::Shell::Fish,
                CompletionTarget::Powershell => clap_complete::Shell::PowerShell,
                CompletionTarget::KubectlShim => {
                    return Request::CompletionShim {
                        dir: c.dir.unwrap_or_default(),
                    };
                }
            };
            Request::CompletionScript { shell }
        }
        Some(Command::Complete { words }) => Request::Complete { words },
        Some(Command::Cp(c)) => Request::Cp(Box::new(CpRequest {
            src: c.src,
            dest: c.dest,
            container: c.container,
            retries: c.retries,
            idle_timeout: c.idle_timeout,
            verify: c.verify,
            error_log: c.error_log,
            preserve_owner: c.preserve_owner,
            one_file_system: c.one_file_system,
            no_preserve: c.no_preserve,
            debug_image: c.debug_image,
            cluster,
            output,
        })),
        Some(Command::Extract(e)) => {
            let exists = Path::new(&e.source).symlink_metadata().is_ok();
            Request::Extract(Box::new(ExtractRequest {
                target: target::classify(&e.source, exists),
                container: e.container,
                dest: e.dest,
                layer: e.layer,
                path: e.path,
                flatten: e.flatten,
                registry: registry_settings(e.registry),
                cluster,
                output,
            }))
        }
        Some(Command::Diff(d)) => {
            let side = |s: &str| target::classify(s, Path::new(s).symlink_metadata().is_ok());
            Request::Diff(Box::new(DiffRequest {
                a: side(&d.a),
                b: side(&d.b),
                container: d.container,
                registry: registry_settings(d.registry),
                cluster,
                output,
            }))
        }
        Some(Command::Images(i)) => Request::Images(ImagesRequest {
            all_namespaces: i.all_namespaces,
            selector: i.selector,
            json: i.output == TableFormat::Json,
            cluster,
            output,
        }),
        None => {
            let r = cli.recover;
            let source = r.source.unwrap_or_default();
            let exists = Path::new(&source).symlink_metadata().is_ok();
            Request::Recover(Box::new(RecoverRequest {
                target: target::classify(&source, exists),
                container: r.container,
                all_containers: r.all_containers,
                format: match r.output {
                    OutputFormat::Dockerfile => Format::Dockerfile,
                    OutputFormat::Json => Format::Json,
                },
                listing: match r.files {
                    FilesMode::Copy => Listing::Copy,
                    FilesMode::All => Listing::All,
                    FilesMode::None => Listing::None,
                },
                max_files: r.max_files,
                filter_noise: !r.no_filter,
                secrets: r.secrets,
                batch: r.all.then(|| BatchSettings {
                    selector: r.selector,
                    output_dir: r.output_dir.unwrap_or_default(),
                }),
                bases: r.bases,
                provenance: r.provenance,
                registry: registry_settings(r.registry),
                cluster,
                output,
            }))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::target::{Target, WorkloadKind};

    fn run(args: &[&str]) -> Request {
        match parse(args.iter().copied()) {
            ParseOutcome::Run(r) => r,
            ParseOutcome::Exit { text, .. } => panic!("unexpected exit: {text}"),
        }
    }

    #[test]
    fn plugin_invocation_names_itself_kubectl_dfimage() {
        assert_eq!(
            display_name(Some("/home/u/.krew/bin/kubectl-dfimage".as_ref())),
            "kubectl dfimage"
        );
        assert_eq!(display_name(Some("dfimage".as_ref())), "kubectl-dfimage");
    }

    #[test]
    fn pod_target_with_kubectl_flags_in_any_order() {
        let Request::Recover(r) = run(&[
            "kubectl-dfimage",
            "pod/jumpstart-sql-0",
            "-c",
            "arc-sqlmi",
            "--context",
            "k",
            "-n",
            "arc",
        ]) else {
            panic!("not a recovery")
        };
        assert_eq!(
            r.target,
            Target::Workload {
                kind: WorkloadKind::Pod,
                name: "jumpstart-sql-0".into()
            }
        );
        assert_eq!(r.container.as_deref(), Some("arc-sqlmi"));
        assert_eq!(r.cluster.namespace.as_deref(), Some("arc"));
        assert_eq!(r.cluster.context.as_deref(), Some("k"));
    }

    #[test]
    fn registry_flags_and_formats_resolve() {
        let Request::Recover(r) = run(&[
            "kubectl-dfimage",
            "--plain-http",
            "--platform",
            "linux/arm64",
            "-o",
            "json",
            "--files",
            "none",
            "127.0.0.1:5000/app:v1",
        ]) else {
            panic!("not a recovery")
        };
        assert!(r.registry.plain_http);
        assert_eq!(r.registry.platform.as_deref(), Some("linux/arm64"));
        assert_eq!(r.format, Format::Json);
        assert_eq!(r.listing, Listing::None);
        assert!(r.filter_noise);
    }

    #[test]
    fn output_dir_without_all_is_a_usage_error_with_code_2() {
        match parse([
            "kubectl-dfimage",
            "pod/web",
            "--all-containers",
            "--output-dir",
            "od",
        ]) {
            ParseOutcome::Exit { text, code, .. } => {
                assert_eq!(code, 2);
                assert!(
                    text.to_string().contains("--output-dir is for --all"),
                    "{text}"
                );
            }
            ParseOutcome::Run(r) => panic!("accepted: {r:?}"),
        }
    }

    #[test]
    fn missing_source_is_a_usage_error_with_code_2() {
        match parse(["kubectl-dfimage"]) {
            ParseOutcome::Exit {
                code, to_stdout, ..
            } => {
                assert_eq!(code, 2);
                assert!(!to_stdout);
            }
            ParseOutcome::Run(r) => panic!("parsed {r:?}"),
        }
    }

    #[test]
    fn pods_are_refused_by_base_while_extract_and_diff_resolve_them() {
        for args in [&["kubectl-dfimage", "--base", "deploy/web", "alpine:3.20"][..]] {
            match parse(args.iter().copied()) {
                ParseOutcome::Exit {
                    code,
                    to_stdout,
                    text,
                } => {
                    assert_eq!((code, to_stdout), (2, false), "{args:?}");
                    let text = text.to_string();
                    assert!(
                        text.contains("only images are read here")
                            && text.contains("kubectl dfimage images")
                            && text.contains("docker://"),
                        "{args:?}: {text}"
                    );
                }
                ParseOutcome::Run(r) => panic!("{args:?} parsed as {r:?}"),
            }
        }
        let Request::Extract(e) = run(&["kubectl-dfimage", "extract", "docker://pod/x", "out"])
        else {
            panic!("not an extraction")
        };
        assert_eq!(e.target, Target::Image("docker://pod/x".into()));
        let Request::Extract(e) = run(&[
            "kubectl-dfimage",
            "extract",
            "pod/web-0",
            "out",
            "-c",
            "app",
        ]) else {
            panic!("not an extraction")
        };
        assert_eq!(
            (e.target, e.container.as_deref()),
            (
                Target::Workload {
                    kind: WorkloadKind::Pod,
                    name: "web-0".into()
                },
                Some("app")
            )
        );
        let Request::Recover(r) = run(&["kubectl-dfimage", "--base", "alpine:3.20", "pod/x"])
        else {
            panic!("not a recovery")
        };
        assert_eq!(r.bases, ["alpine:3.20"]);
    }

    #[test]
    fn help_goes_to_stdout_with_code_0() {
        match parse(["kubectl-dfimage", "--help"]) {
            ParseOutcome::Exit {
                code,
                to_stdout,
                text,
            } => {
                assert_eq!(code, 0);
                assert!(to_stdout);
                assert!(text.to_string().contains("SOURCE forms"), "{text}");
            }
            ParseOutcome::Run(r) => panic!("parsed {r:?}"),
        }
    }
}

//! Builds the tokio runtime and routes a parsed request to its command.

use std::ffi::OsString;

use super::exit::ExitStatus;
use super::printer::Printer;
use crate::cli::request::{OutputSettings, Request};
use crate::cli::{self, ParseOutcome};
use crate::error::Error;

/// Entry point behind `lib::run`: parse, run, print errors, return the exit code.
pub fn run<I, T>(args: I) -> std::process::ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let request = match cli::parse(args) {
        ParseOutcome::Run(request) => request,
        ParseOutcome::Exit {
            text,
            to_stdout,
            code,
        } => {
            Printer::new(OutputSettings {
                quiet: false,
                verbose: false,
                progress: false,
            })
            .clap_text(&text, to_stdout);
            return std::process::ExitCode::from(code);
        }
    };
    let printer = Printer::new(output_settings(&request));
    match execute(request, &printer) {
        Ok(status) => status.into(),
        Err(err) => {
            printer.error(&err);
            err.exit_status().into()
        }
    }
}

fn output_settings(request: &Request) -> OutputSettings {
    match request {
        Request::Recover(r) => r.output,
        Request::Images(r) => r.output,
        Request::Cp(r) => r.output,
        Request::Extract(r) => r.output,
        Request::Diff(r) => r.output,
        Request::CompletionScript { .. }
        | Request::CompletionShim { .. }
        | Request::Complete { .. } => OutputSettings {
            quiet: false,
            verbose: false,
            progress: false,
        },
    }
}

fn execute(request: Request, printer: &Printer) -> Result<ExitStatus, Error> {
    match request {
        Request::CompletionScript { shell } => super::completion::print_script(shell, printer),
        Request::CompletionShim { dir } => super::completion::install_shim(&dir, printer),
        Request::Complete { words } => super::completion::answer(&words, printer),
        Request::Recover(r) => runtime()?.block_on(super::recover::run(*r, printer)),
        Request::Images(r) => runtime()?.block_on(super::images::run(r, printer)),
        Request::Cp(r) => run_writer(super::cp::run(*r, printer), printer),
        Request::Extract(r) => run_writer(super::extract::run(*r, printer), printer),
        Request::Diff(r) => runtime()?.block_on(super::diff::run(*r, printer)),
    }
}

/// Runs a command that writes files, until Ctrl-C or SIGTERM: then the files still being
/// written (hidden temporary names) are removed, so nothing partial is left, and the run
/// ends at once with exit 2. Files already complete stay.
fn run_writer(
    run: impl std::future::Future<Output = Result<ExitStatus, Error>>,
    printer: &Printer,
) -> Result<ExitStatus, Error> {
    let rt = runtime()?;
    let status = rt.block_on(interruptible(run, printer));
    // After an interruption a blocking unpack thread may still wait on its stream: do not
    // wait for it.
    rt.shutdown_background();
    status
}

async fn interruptible(
    run: impl std::future::Future<Output = Result<ExitStatus, Error>>,
    printer: &Printer,
) -> Result<ExitStatus, Error> {
    tokio::select! {
        done = run => done,
        signal = interrupted() => {
            let removed = crate::transfer::part_files::remove_all();
            printer.stderr_line(format_args!(
                "interrupted ({signal}): {removed} partial file(s) removed; the files already written are complete"
            ));
            Ok(ExitStatus::Failure)
        }
    }
}

/// The first of SIGINT and SIGTERM (Ctrl-C only where there is no SIGTERM). A handler that
/// cannot be installed never fires.
async fn interrupted() -> &'static str {
    async fn ctrl_c() {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let term = async {
            match signal(SignalKind::terminate()) {
                Ok(mut term) => {
                    term.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            () = ctrl_c() => "SIGINT",
            () = term => "SIGTERM",
        }
    }
    #[cfg(not(unix))]
    {
        ctrl_c().await;
        "Ctrl-C"
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(Error::Runtime)
}

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
        Request::Cp(r) => runtime()?.block_on(super::cp::run(*r, printer)),
        Request::Extract(r) => runtime()?.block_on(super::extract::run(*r, printer)),
        Request::Diff(r) => runtime()?.block_on(super::diff::run(*r, printer)),
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(Error::Runtime)
}

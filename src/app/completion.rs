//! `completion SHELL`: the clap-generated completion script on stdout.

use super::exit::ExitStatus;
use super::printer::Printer;
use crate::error::Error;

/// Prints the completion script for `shell`.
pub fn print(shell: clap_complete::Shell, printer: &Printer) -> Result<ExitStatus, Error> {
    let mut command = crate::cli::command("kubectl-dfimage");
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "kubectl-dfimage", &mut script);
    printer.product(&String::from_utf8_lossy(&script))?;
    Ok(ExitStatus::Complete)
}

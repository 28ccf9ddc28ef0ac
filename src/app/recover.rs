//! Dockerfile recovery wiring (temporary placeholder while the cores land).
use super::exit::ExitStatus;
use super::printer::Printer;
use crate::cli::request::RecoverRequest;
use crate::error::Error;
/// Runs a recovery.
pub async fn run(_r: RecoverRequest, _p: &Printer) -> Result<ExitStatus, Error> {
    Ok(ExitStatus::Failure)
}

//! The exit-code contract: 0 complete, 1 partial, 2 failure or usage error.

/// How a run ended, as the process exit code tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ExitStatus {
    /// Everything requested was produced.
    Complete = 0,
    /// Output was produced but something was skipped or could not be recovered (flagged on
    /// stderr).
    Partial = 1,
    /// Nothing trustworthy was produced, or the command line was wrong.
    Failure = 2,
}

impl From<ExitStatus> for std::process::ExitCode {
    fn from(status: ExitStatus) -> Self {
        Self::from(status as u8)
    }
}

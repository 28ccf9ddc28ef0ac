//! The exec status channel's `Status` → [`ExecStatus`] (pure).

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Status;

/// How a remote command ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExecStatus {
    /// Exit code 0.
    Success,
    /// A non-zero exit code.
    Exit(i32),
    /// The server reported a failure without an exit code (e.g. the command was not found).
    Failure {
        /// Status reason.
        reason: String,
        /// Status message.
        message: String,
    },
    /// The connection ended without a status: the output may be truncated.
    Missing,
}

impl ExecStatus {
    /// Interprets the status frame, if any.
    pub fn from_status(status: Option<&Status>) -> Self {
        let Some(s) = status else {
            return Self::Missing;
        };
        if s.status.as_deref() == Some("Success") {
            return Self::Success;
        }
        let code = s
            .details
            .as_ref()
            .and_then(|d| d.causes.as_ref())
            .into_iter()
            .flatten()
            .find(|c| c.reason.as_deref() == Some("ExitCode"))
            .and_then(|c| c.message.as_deref())
            .and_then(|m| m.trim().parse::<i32>().ok());
        match code {
            Some(0) => Self::Success,
            Some(c) => Self::Exit(c),
            None => Self::Failure {
                reason: s.reason.clone().unwrap_or_default(),
                message: s.message.clone().unwrap_or_default(),
            },
        }
    }
}

impl std::fmt::Display for ExecStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Success => f.write_str("exit code 0"),
            Self::Exit(c) => write!(f, "exit code {c}"),
            Self::Failure { reason, message } => write!(f, "{reason}: {message}"),
            Self::Missing => f.write_str("no exit status (connection ended early)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(v: serde_json::Value) -> Status {
        serde_json::from_value(v).unwrap_or_default()
    }

    #[test]
    fn success_and_exit_codes_are_read_from_causes() {
        assert_eq!(
            ExecStatus::from_status(Some(&status(serde_json::json!({"status": "Success"})))),
            ExecStatus::Success
        );
        let failed = status(serde_json::json!({
            "status": "Failure", "reason": "NonZeroExitCode",
            "message": "command terminated with non-zero exit code: error executing command [tar], exit code 2",
            "details": {"causes": [{"reason": "ExitCode", "message": "2"}]}
        }));
        assert_eq!(ExecStatus::from_status(Some(&failed)), ExecStatus::Exit(2));
    }

    #[test]
    fn failures_without_code_and_missing_status_are_distinct() {
        let s = status(
            serde_json::json!({"status": "Failure", "reason": "InternalError", "message": "not found"}),
        );
        assert!(matches!(
            ExecStatus::from_status(Some(&s)),
            ExecStatus::Failure { .. }
        ));
        assert_eq!(ExecStatus::from_status(None), ExecStatus::Missing);
    }
}

//! The channel-3 status documents as the API server's stream translator writes them
//! (`json.Marshal(metav1.Status)`, no kind/apiVersion). Pure.

use serde_json::{Value, json};

/// The command exited 0.
pub fn success() -> Value {
    json!({"metadata": {}, "status": "Success"})
}

/// The command exited with `code` ≠ 0.
pub fn exit_code(code: i32) -> Value {
    json!({
        "metadata": {},
        "status": "Failure",
        "message": format!("command terminated with non-zero exit code: command terminated with exit code {code}"),
        "reason": "NonZeroExitCode",
        "details": {"causes": [{"reason": "ExitCode", "message": code.to_string()}]},
    })
}

/// `apierrors.NewInternalError(err)`.
pub fn internal(err: &str) -> Value {
    json!({
        "metadata": {},
        "status": "Failure",
        "message": format!("Internal error occurred: {err}"),
        "reason": "InternalError",
        "details": {"causes": [{"message": err}]},
        "code": 500,
    })
}

/// The status for a finished process.
pub fn for_exit(code: i32) -> Value {
    if code == 0 {
        success()
    } else {
        exit_code(code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_zero_exit_matches_the_translator_document() {
        let real: Value = serde_json::from_str(r#"{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: command terminated with exit code 2","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"2"}]}}"#).unwrap();
        assert_eq!(exit_code(2), real);
        assert_eq!(
            success(),
            serde_json::from_str::<Value>(r#"{"metadata":{},"status":"Success"}"#).unwrap()
        );
    }
}

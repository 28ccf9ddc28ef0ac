//! Fault injection: which requests a fault matches (method, path, exec command, Nth match) and
//! what it does (HTTP status, delay, hang, exec stream cuts, stalls, throttling, missing status
//! or close frame). Faults come from the scenario or the admin endpoint; this module only
//! matches and merges them, the HTTP and exec layers act on the result.

use std::sync::Mutex;

use serde::{Deserialize, Serialize};

/// One fault: a matcher plus the effects applied to matching requests.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Fault {
    /// Match only this HTTP method (e.g. `GET`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Match paths containing this text (e.g. `/exec`, `/pods/control`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Exec only: match when the command line (argv joined by spaces) contains this text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// Apply only to the Nth matching request (1-based); every match when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nth: Option<u64>,
    /// Answer this HTTP status with a Status body instead (429 carries `Retry-After: 1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Delay the response, or for exec the first stdout byte, by this many milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
    /// Never answer (HTTP), or never relay any output (exec; pings are still answered).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hang: bool,
    /// Exec: drop the connection (no status, no close frame) after this many stdout bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cut_after_bytes: Option<u64>,
    /// Exec: stop relaying output after this many stdout bytes and keep the connection open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stall_after_bytes: Option<u64>,
    /// Exec: send stdout at most this many bytes per second.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub throttle_bytes_per_sec: Option<u64>,
    /// Exec: stdout/stderr payload bytes per message (default 32 KiB).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chunk_bytes: Option<usize>,
    /// Exec: end without a status message (close 1000 still sent).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_status: bool,
    /// Exec: send the status, then drop TCP without a close frame.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_close_frame: bool,
    /// Exec: wait this many milliseconds between the process exit and the status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_delay_ms: Option<u64>,
    /// Exec: send stdout/stderr as text messages (a protocol error for client-go).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub text_frames: bool,
    /// Exec: split every stdout/stderr message into WebSocket frames of this many bytes
    /// (a first frame plus continuation frames).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fragment_bytes: Option<usize>,
}

/// What a request is, for matching.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    /// HTTP method.
    pub method: &'a str,
    /// Request path (no query).
    pub path: &'a str,
    /// Exec argv, empty for other requests.
    pub command: &'a [String],
}

/// The merged effects of every fault that applies to one request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Effects {
    /// HTTP status to answer instead.
    pub status: Option<u16>,
    /// Delay in milliseconds.
    pub delay_ms: Option<u64>,
    /// Hang.
    pub hang: bool,
    /// Exec cut.
    pub cut_after_bytes: Option<u64>,
    /// Exec stall.
    pub stall_after_bytes: Option<u64>,
    /// Exec throttle.
    pub throttle_bytes_per_sec: Option<u64>,
    /// Exec message size.
    pub chunk_bytes: Option<usize>,
    /// Exec: no status.
    pub no_status: bool,
    /// Exec: no close frame.
    pub no_close_frame: bool,
    /// Exec: status delay.
    pub status_delay_ms: Option<u64>,
    /// Exec: text messages.
    pub text_frames: bool,
    /// Exec: frame size for fragmented messages.
    pub fragment_bytes: Option<usize>,
}

impl Fault {
    fn matches(&self, target: &Target<'_>) -> bool {
        let method_ok = self
            .method
            .as_ref()
            .is_none_or(|m| m.eq_ignore_ascii_case(target.method));
        let path_ok = self
            .path
            .as_ref()
            .is_none_or(|p| target.path.contains(p.as_str()));
        let command_ok = self.command.as_ref().is_none_or(|c| {
            !target.command.is_empty() && target.command.join(" ").contains(c.as_str())
        });
        method_ok && path_ok && command_ok
    }
}

impl Effects {
    fn absorb(&mut self, f: &Fault) {
        self.status = self.status.or(f.status);
        self.delay_ms = self.delay_ms.or(f.delay_ms);
        self.hang |= f.hang;
        self.cut_after_bytes = self.cut_after_bytes.or(f.cut_after_bytes);
        self.stall_after_bytes = self.stall_after_bytes.or(f.stall_after_bytes);
        self.throttle_bytes_per_sec = self.throttle_bytes_per_sec.or(f.throttle_bytes_per_sec);
        self.chunk_bytes = self.chunk_bytes.or(f.chunk_bytes);
        self.no_status |= f.no_status;
        self.no_close_frame |= f.no_close_frame;
        self.status_delay_ms = self.status_delay_ms.or(f.status_delay_ms);
        self.text_frames |= f.text_frames;
        self.fragment_bytes = self.fragment_bytes.or(f.fragment_bytes);
    }
}

/// The active faults and how often each has matched.
#[derive(Debug, Default)]
pub struct FaultSet {
    entries: Mutex<Vec<(Fault, u64)>>,
}

impl FaultSet {
    /// A set holding `faults`, none matched yet.
    pub fn new(faults: Vec<Fault>) -> Self {
        Self {
            entries: Mutex::new(faults.into_iter().map(|f| (f, 0)).collect()),
        }
    }

    /// Adds faults at run time.
    pub fn add(&self, faults: Vec<Fault>) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.extend(faults.into_iter().map(|f| (f, 0)));
    }

    /// Removes every fault.
    pub fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// The active faults.
    pub fn list(&self) -> Vec<Fault> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.iter().map(|(f, _)| f.clone()).collect()
    }

    /// Counts the request against every matching fault and merges those that apply now.
    pub fn select(&self, target: &Target<'_>) -> Effects {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let mut effects = Effects::default();
        for (fault, seen) in entries.iter_mut() {
            if fault.matches(target) {
                *seen += 1;
                if fault.nth.is_none_or(|n| n == *seen) {
                    effects.absorb(fault);
                }
            }
        }
        effects
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(path: &str) -> Target<'_> {
        Target {
            method: "GET",
            path,
            command: &[],
        }
    }

    #[test]
    fn nth_applies_only_to_that_match() {
        let set = FaultSet::new(vec![Fault {
            path: Some("/pods".into()),
            nth: Some(2),
            status: Some(429),
            ..Fault::default()
        }]);
        assert_eq!(set.select(&get("/api/v1/namespaces/a/pods")).status, None);
        assert_eq!(
            set.select(&get("/api")).status,
            None,
            "non-matching requests are not counted"
        );
        assert_eq!(
            set.select(&get("/api/v1/namespaces/a/pods")).status,
            Some(429)
        );
        assert_eq!(set.select(&get("/api/v1/namespaces/a/pods")).status, None);
    }

    #[test]
    fn command_matches_joined_argv_of_exec_only() {
        let set = FaultSet::new(vec![Fault {
            command: Some("tar cf".into()),
            cut_after_bytes: Some(10),
            ..Fault::default()
        }]);
        let argv = vec!["tar".to_string(), "cf".into(), "-".into()];
        let exec = Target {
            method: "GET",
            path: "/x/exec",
            command: &argv,
        };
        assert_eq!(set.select(&exec).cut_after_bytes, Some(10));
        assert_eq!(set.select(&get("/x/exec")).cut_after_bytes, None);
    }
}

//! The exec query (`command` repeated, `container`, `stdin`/`stdout`/`stderr`/`tty` parsed
//! like Go's `strconv.ParseBool`) and the pre-upgrade checks in the real server's order:
//! pod, container, node, streams. Pure: Status answers are built by the caller.

use crate::cluster::PodRuntime;

/// Decoded exec options.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExecParams {
    /// argv.
    pub command: Vec<String>,
    /// Container name, if given.
    pub container: Option<String>,
    /// Stream stdin.
    pub stdin: bool,
    /// Stream stdout.
    pub stdout: bool,
    /// Stream stderr.
    pub stderr: bool,
    /// Allocate a TTY (accepted, not emulated).
    pub tty: bool,
}

/// Go's `strconv.ParseBool`.
pub fn parse_bool(v: &str) -> Option<bool> {
    match v {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// Parses decoded query pairs; key order does not matter.
pub fn parse(query: &[(String, String)]) -> Result<ExecParams, String> {
    let mut p = ExecParams::default();
    for (k, v) in query {
        let flag = |v: &str| parse_bool(v).ok_or_else(|| format!("invalid value {v:?} for {k}"));
        match k.as_str() {
            "command" => p.command.push(v.clone()),
            "container" => p.container = Some(v.clone()),
            "stdin" => p.stdin = flag(v)?,
            "stdout" => p.stdout = flag(v)?,
            "stderr" => p.stderr = flag(v)?,
            "tty" => p.tty = flag(v)?,
            _ => {}
        }
    }
    Ok(p)
}

/// A pre-upgrade rejection: HTTP code, reason, message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// HTTP status.
    pub code: u16,
    /// Status reason.
    pub reason: &'static str,
    /// Status message.
    pub message: String,
}

fn bad(message: String) -> Rejection {
    Rejection {
        code: 400,
        reason: "BadRequest",
        message,
    }
}

/// Checks container, node and streams (the pod exists); returns the container name.
pub fn validate(pod: &PodRuntime, p: &ExecParams) -> Result<String, Rejection> {
    let name = &pod.pod.name;
    let names = pod.container_names();
    let container = match &p.container {
        Some(c) if names.contains(c) => c.clone(),
        Some(c) => return Err(bad(format!("container {c} is not valid for pod {name}"))),
        None if pod.pod.containers.len() == 1 => pod.pod.containers[0].name.clone(),
        None => {
            let list: Vec<&str> = pod.pod.containers.iter().map(|c| c.name.as_str()).collect();
            return Err(bad(format!(
                "a container name must be specified for pod {name}, choose one of: [{}]",
                list.join(" ")
            )));
        }
    };
    if pod.pod.node.is_none() {
        return Err(bad(format!("pod {name} does not have a host assigned")));
    }
    if !(p.stdin || p.stdout || p.stderr) {
        return Err(bad(
            "you must specify at least 1 of stdin, stdout, stderr".into()
        ));
    }
    Ok(container)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(q: &str) -> Vec<(String, String)> {
        crate::server::decode_query(Some(q))
    }

    #[test]
    fn kubectl_query_with_plus_as_space() {
        let p = parse(&pairs("command=sh&command=-c&command=tar+cf+-+%2Ftmp%2Fa+b+%7C+tail+-c%2B0&container=main&stderr=true&stdout=true")).unwrap();
        assert_eq!(p.command, ["sh", "-c", "tar cf - /tmp/a b | tail -c+0"]);
        assert_eq!(p.container.as_deref(), Some("main"));
        assert!(p.stdout && p.stderr && !p.stdin && !p.tty);
    }

    #[test]
    fn kube_rs_query_with_empty_first_pair_and_other_order() {
        let p = parse(&pairs(
            "&stdin=true&stdout=true&stderr=false&container=c1&command=ls&command=%2F",
        ))
        .unwrap();
        assert_eq!(p.command, ["ls", "/"]);
        assert!(p.stdin && p.stdout && !p.stderr);
    }

    #[test]
    fn go_parse_bool_forms() {
        assert_eq!(parse_bool("T"), Some(true));
        assert_eq!(parse_bool("0"), Some(false));
        assert_eq!(parse_bool("yes"), None);
        assert!(parse(&pairs("stdout=yes")).is_err());
    }
}

//! `--idle-timeout` values: humane durations such as `30s`, `2m`, `1m30s`, `500ms`, `1h`, or
//! a bare number of seconds; `0` turns the timeout off (pure).

use std::time::Duration;

/// The default `--idle-timeout`.
pub const DEFAULT_IDLE_TIMEOUT: &str = "60s";

/// Parses a duration; the error says what is accepted.
pub fn parse_idle_timeout(text: &str) -> Result<Duration, String> {
    let bad = || {
        format!("`{text}` is not a duration: use e.g. 30s, 2m, 1m30s, 500ms, 1h, or 0 to disable")
    };
    let text = text.trim();
    if text.is_empty() {
        return Err(bad());
    }
    if let Ok(secs) = text.parse::<u64>() {
        return Ok(Duration::from_secs(secs));
    }
    let mut total = Duration::ZERO;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(bad());
        }
        let n: u64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let unit = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
        let part = match &rest[..unit] {
            "ms" => Duration::from_millis(n),
            "s" | "sec" => Duration::from_secs(n),
            "m" | "min" => Duration::from_secs(n.checked_mul(60).ok_or_else(bad)?),
            "h" => Duration::from_secs(n.checked_mul(3600).ok_or_else(bad)?),
            _ => return Err(bad()),
        };
        rest = &rest[unit..];
        total = total.checked_add(part).ok_or_else(bad)?;
    }
    Ok(total)
}

/// Renders a duration the way [`parse_idle_timeout`] reads it back (`90s` -> `1m30s`).
pub fn render_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if !ms.is_multiple_of(1000) {
        return format!("{ms}ms");
    }
    let secs = d.as_secs();
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if s > 0 || out.is_empty() {
        out.push_str(&format!("{s}s"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn humane_forms_and_bare_seconds_parse() {
        let s = Duration::from_secs;
        for (text, want) in [
            ("30s", s(30)),
            ("2m", s(120)),
            ("1m30s", s(90)),
            ("1h", s(3600)),
            ("45", s(45)),
            ("0", Duration::ZERO),
            ("500ms", Duration::from_millis(500)),
            (" 2min ", s(120)),
            (DEFAULT_IDLE_TIMEOUT, s(60)),
        ] {
            assert_eq!(parse_idle_timeout(text), Ok(want), "{text}");
        }
    }

    #[test]
    fn other_text_is_refused_with_examples() {
        for text in [
            "",
            "s",
            "10x",
            "-5s",
            "1.5m",
            "m10",
            "99999999999999999999h",
        ] {
            let err = parse_idle_timeout(text).err().unwrap_or_default();
            assert!(err.contains("30s, 2m"), "{text}: {err}");
        }
    }

    #[test]
    fn rendering_reads_back() {
        for d in [90, 60, 3600, 3661, 0].map(Duration::from_secs) {
            assert_eq!(parse_idle_timeout(&render_duration(d)), Ok(d));
        }
        assert_eq!(render_duration(Duration::from_secs(90)), "1m30s");
        assert_eq!(render_duration(Duration::from_millis(1500)), "1500ms");
    }
}

//! Decoders for the Go `fmt` renderings that builders leave in `created_by`: `%q` of a
//! `[]string` (`["a" "b c"]`), `%v` lists (`[/a /b]`), `map[k:{} …]`, quoted runes
//! (`'\x03'`), and the three `HealthConfig` dumps; plus Go's `Duration.String()` format.
//!
//! Pure string functions. Knows nothing about Dockerfile keywords; `history` decides which
//! decoder applies (created-by-formats.md §3.3 "Decoding Go-formatted payloads").

/// A healthcheck decoded from a history dump. Durations keep Go's spelling; `"0s"` is `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct HealthDump {
    pub test: Vec<String>,
    /// False for the `%+v` form, where `Test:[…]` has no quotes and exec-form argument
    /// boundaries are guessed.
    pub exact: bool,
    pub interval: Option<String>,
    pub timeout: Option<String>,
    pub start_period: Option<String>,
    pub start_interval: Option<String>,
    pub retries: Option<i64>,
}

struct Scan<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Scan<'a> {
    fn new(s: &'a str) -> Self {
        Self { s, pos: 0 }
    }
    fn rest(&self) -> &'a str {
        &self.s[self.pos..]
    }
    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }
    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }
    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }
    fn skip_spaces(&mut self) {
        while self.peek() == Some(' ') {
            self.pos += 1;
        }
    }

    /// Reads one Go escape after the backslash, for a literal closed by `quote`.
    fn escape(&mut self, quote: char) -> Option<char> {
        let c = self.bump()?;
        Some(match c {
            'a' => '\u{7}',
            'b' => '\u{8}',
            'f' => '\u{c}',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            'v' => '\u{b}',
            '\\' => '\\',
            'x' => self.hex(2)?,
            'u' => self.hex(4)?,
            'U' => self.hex(8)?,
            '0'..='7' => {
                let mut v = c.to_digit(8)?;
                for _ in 0..2 {
                    v = v * 8 + self.bump()?.to_digit(8)?;
                }
                char::from_u32(v)?
            }
            c if c == quote => c,
            _ => return None,
        })
    }
    fn hex(&mut self, n: usize) -> Option<char> {
        let mut v = 0u32;
        for _ in 0..n {
            v = v * 16 + self.bump()?.to_digit(16)?;
        }
        char::from_u32(v)
    }

    /// A Go double-quoted string literal.
    fn quoted(&mut self) -> Option<String> {
        if !self.eat('"') {
            return None;
        }
        let mut out = String::new();
        loop {
            match self.bump()? {
                '"' => return Some(out),
                '\\' => out.push(self.escape('"')?),
                c => out.push(c),
            }
        }
    }

    /// A Go rune literal (`'\x03'`), as its integer value.
    fn rune(&mut self) -> Option<i64> {
        if !self.eat('\'') {
            return None;
        }
        let c = match self.bump()? {
            '\\' => self.escape('\'')?,
            c => c,
        };
        self.eat('\'').then_some(i64::from(u32::from(c)))
    }

    /// `["a" "b"]`: `%q` of a `[]string`.
    fn quoted_list(&mut self) -> Option<Vec<String>> {
        if !self.eat('[') {
            return None;
        }
        let mut out = Vec::new();
        loop {
            self.skip_spaces();
            if self.eat(']') {
                return Some(out);
            }
            out.push(self.quoted()?);
        }
    }
}

/// `["a" "b c"]` → `["a", "b c"]`; `None` unless the whole string is such a list.
pub(crate) fn parse_quoted_list(s: &str) -> Option<Vec<String>> {
    let mut scan = Scan::new(s.trim());
    let list = scan.quoted_list()?;
    scan.rest().is_empty().then_some(list)
}

/// `[a b c]` (`%v` of a `[]string`) → words. Argument boundaries are guessed (L11).
pub(crate) fn parse_plain_list(s: &str) -> Option<Vec<String>> {
    let inner = s.trim().strip_prefix('[')?.strip_suffix(']')?;
    Some(
        inner
            .split(' ')
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect(),
    )
}

/// `map[80/tcp:{} 53/udp:{}]` → the keys.
pub(crate) fn parse_map_keys(s: &str) -> Option<Vec<String>> {
    let inner = s.trim().strip_prefix("map[")?.strip_suffix(']')?;
    inner
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(|w| w.strip_suffix(":{}").map(str::to_owned))
        .collect()
}

fn duration(s: Option<String>) -> Option<String> {
    s.filter(|d| d != "0s" && !d.is_empty())
}

/// Decodes any of the HEALTHCHECK dumps of created-by-formats.md §3.1/§3.3.
pub(crate) fn parse_health_dump(s: &str) -> Option<HealthDump> {
    let s = s.trim();
    let s = s.strip_prefix('&').unwrap_or(s);
    let inner = s.strip_prefix('{')?.strip_suffix('}')?;
    if inner.starts_with("Test:[") {
        return parse_health_fields(inner);
    }
    let mut scan = Scan::new(inner);
    let test = scan.quoted_list()?;
    let mut durations = Vec::new();
    loop {
        scan.skip_spaces();
        match scan.peek()? {
            '"' => durations.push(scan.quoted()?),
            '\'' => break,
            _ => return None,
        }
    }
    let retries = scan.rune()?;
    if !scan.rest().trim().is_empty() || !(3..=4).contains(&durations.len()) {
        return None;
    }
    let mut d = durations.into_iter();
    Some(HealthDump {
        test,
        exact: true,
        interval: duration(d.next()),
        timeout: duration(d.next()),
        start_period: duration(d.next()),
        start_interval: duration(d.next()),
        retries: Some(retries).filter(|r| *r != 0),
    })
}

/// The `%+v` form: `Test:[CMD-SHELL curl -f x] Interval:30s … Retries:3`.
fn parse_health_fields(inner: &str) -> Option<HealthDump> {
    let after = inner.strip_prefix("Test:[")?;
    // The test may itself contain `]`; the field list starts at the last `] Interval:`.
    let end = after.rfind("] Interval:")?;
    let test_text = &after[..end];
    let mut dump = HealthDump::default();
    match test_text.split_once(' ') {
        Some((kind @ "CMD-SHELL", cmd)) => {
            dump.test = vec![kind.to_owned(), cmd.to_owned()];
            dump.exact = true;
        }
        _ => {
            dump.test = test_text.split(' ').map(str::to_owned).collect();
            dump.exact = dump.test.len() <= 1;
        }
    }
    for field in after[end + 2..].split(' ').filter(|f| !f.is_empty()) {
        let (k, v) = field.split_once(':')?;
        let v = Some(v.to_owned());
        match k {
            "Interval" => dump.interval = duration(v),
            "Timeout" => dump.timeout = duration(v),
            "StartPeriod" => dump.start_period = duration(v),
            "StartInterval" => dump.start_interval = duration(v),
            "Retries" => dump.retries = v?.parse().ok().filter(|r: &i64| *r != 0),
            _ => {}
        }
    }
    Some(dump)
}

/// Go's `time.Duration.String()` for a nanosecond count (`1m30s`, `500ms`, `0s`).
pub(crate) fn format_duration(ns: i64) -> String {
    if ns == 0 {
        return "0s".to_owned();
    }
    let sign = if ns < 0 { "-" } else { "" };
    let n = ns.unsigned_abs();
    if n < 1_000_000_000 {
        let (div, unit) = match n {
            n if n.is_multiple_of(1_000_000) => (1_000_000, "ms"),
            n if n.is_multiple_of(1_000) => (1_000, "µs"),
            _ => (1, "ns"),
        };
        return format!("{sign}{}{unit}", n / div);
    }
    let secs = n / 1_000_000_000;
    let frac = n % 1_000_000_000;
    let (h, m, s) = (secs / 3600, (secs / 60) % 60, secs % 60);
    let mut out = String::from(sign);
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if h > 0 || m > 0 {
        out.push_str(&format!("{m}m"));
    }
    out.push_str(&s.to_string());
    if frac > 0 {
        let f = format!("{frac:09}");
        out.push('.');
        out.push_str(f.trim_end_matches('0'));
    }
    out.push('s');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_quoted_lists_unescape_every_go_escape() {
        assert_eq!(
            parse_quoted_list(r#"["nginx" "-g" "daemon off;"]"#).unwrap(),
            ["nginx", "-g", "daemon off;"]
        );
        assert_eq!(
            parse_quoted_list(r#"["/bin/sh" "-c" "echo \"$X\"\t\\ \x41\u00e9"]"#).unwrap(),
            ["/bin/sh", "-c", "echo \"$X\"\t\\ Aé"]
        );
        assert_eq!(parse_quoted_list("[]").unwrap(), Vec::<String>::new());
        assert_eq!(
            parse_quoted_list(r#"["a", "b"]"#),
            None,
            "JSON is not Go %q"
        );
        assert_eq!(parse_quoted_list(r#"["a" "b"] x"#), None);
    }

    #[test]
    fn plain_lists_and_maps_split_on_spaces() {
        assert_eq!(
            parse_plain_list("[/volume /cache]").unwrap(),
            ["/volume", "/cache"]
        );
        assert_eq!(
            parse_map_keys("map[53/udp:{} 80/tcp:{}]").unwrap(),
            ["53/udp", "80/tcp"]
        );
        assert_eq!(parse_map_keys("map[80/tcp]"), None);
    }

    #[test]
    fn healthcheck_dumps_of_every_version_decode() {
        let classic =
            parse_health_dump(r#"&{["CMD-SHELL" "curl -f x"] "30s" "5s" "0s" '\x03'}"#).unwrap();
        assert_eq!(classic.test, ["CMD-SHELL", "curl -f x"]);
        assert_eq!(classic.interval.as_deref(), Some("30s"));
        assert_eq!(classic.start_period, None);
        assert_eq!(classic.retries, Some(3));
        let four =
            parse_health_dump(r#"&{["CMD" "a" "b c"] "1m0s" "5s" "10s" "2s" '\n'}"#).unwrap();
        assert_eq!(four.test, ["CMD", "a", "b c"]);
        assert_eq!(four.start_interval.as_deref(), Some("2s"));
        assert_eq!(four.retries, Some(10));
        let plus = parse_health_dump(
            "{Test:[CMD-SHELL [ -f /x ] && true] Interval:30s Timeout:5s StartPeriod:0s StartInterval:0s Retries:3}",
        )
        .unwrap();
        assert_eq!(plus.test, ["CMD-SHELL", "[ -f /x ] && true"]);
        assert!(plus.exact);
        assert_eq!(plus.timeout.as_deref(), Some("5s"));
        let exec = parse_health_dump(
            "&{Test:[CMD a b] Interval:0s Timeout:0s StartPeriod:0s StartInterval:0s Retries:0}",
        )
        .unwrap();
        assert!(!exec.exact);
        assert_eq!(exec.retries, None);
        assert_eq!(
            parse_health_dump(r#"&{["NONE"] "0s" "0s" "0s" '\x00'}"#)
                .unwrap()
                .test,
            ["NONE"]
        );
        assert_eq!(parse_health_dump("&{garbage}"), None);
    }

    #[test]
    fn durations_print_like_go() {
        assert_eq!(format_duration(0), "0s");
        assert_eq!(format_duration(30_000_000_000), "30s");
        assert_eq!(format_duration(90_000_000_000), "1m30s");
        assert_eq!(format_duration(3_600_000_000_000), "1h0m0s");
        assert_eq!(format_duration(500_000_000), "500ms");
        assert_eq!(format_duration(1_500_000_000), "1.5s");
    }
}

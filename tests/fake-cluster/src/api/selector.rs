//! Label and field selectors as the API server parses them (`a=b,c!=d,e in (x,y),!f`;
//! fields `metadata.name`, `metadata.namespace`, `spec.nodeName`, `status.phase`), matched
//! against rendered JSON objects. Pure.

use serde_json::Value;

/// One requirement.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Req {
    Eq(String, String),
    Ne(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    NotExists(String),
}

/// A parsed selector; the empty selector matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selector(Vec<Req>);

const FIELDS: &[&str] = &[
    "metadata.name",
    "metadata.namespace",
    "spec.nodeName",
    "status.phase",
    "type",
];

fn split_top(text: &str) -> Vec<&str> {
    let (mut depth, mut start, mut parts) = (0, 0, Vec::new());
    for (i, ch) in text.char_indices() {
        match ch {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
        .into_iter()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect()
}

fn set_values(text: &str) -> Option<Vec<String>> {
    let inner = text.trim().strip_prefix('(')?.strip_suffix(')')?;
    Some(
        inner
            .split(',')
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect(),
    )
}

/// A label name part or value: alphanumerics, `-`, `_`, `.`, alphanumeric at both ends,
/// at most 63 characters (values may also be empty).
fn is_label_word(text: &str) -> bool {
    let bytes = text.as_bytes();
    let edge = |b: &u8| b.is_ascii_alphanumeric();
    text.len() <= 63
        && bytes.first().is_some_and(edge)
        && bytes.last().is_some_and(edge)
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(b))
}

/// Checks a requirement's key and values as the API server's label validation does.
fn validate(req: &Req) -> Result<(), String> {
    let (key, values): (&str, Vec<&str>) = match req {
        Req::Eq(k, v) | Req::Ne(k, v) => (k, vec![v.as_str()]),
        Req::In(k, vs) | Req::NotIn(k, vs) => (k, vs.iter().map(String::as_str).collect()),
        Req::Exists(k) | Req::NotExists(k) => (k, Vec::new()),
    };
    let name = match key.rsplit_once('/') {
        Some((prefix, name)) => {
            let prefix_ok = !prefix.is_empty()
                && prefix.len() <= 253
                && prefix.split('.').all(|l| {
                    !l.is_empty()
                        && l.len() <= 63
                        && l.bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                        && !l.starts_with('-')
                        && !l.ends_with('-')
                });
            if !prefix_ok {
                return Err(format!(
                    "unable to parse requirement: invalid label key \"{key}\": prefix part must be a DNS subdomain"
                ));
            }
            name
        }
        None => key,
    };
    if !is_label_word(name) {
        return Err(format!(
            "unable to parse requirement: invalid label key \"{key}\": name part must consist of \
             alphanumeric characters, '-', '_' or '.', and must start and end with an \
             alphanumeric character"
        ));
    }
    if let Some(bad) = values.iter().find(|v| !v.is_empty() && !is_label_word(v)) {
        return Err(format!(
            "unable to parse requirement: invalid label value: \"{bad}\": a valid label must be \
             an empty string or consist of alphanumeric characters, '-', '_' or '.', and must \
             start and end with an alphanumeric character"
        ));
    }
    Ok(())
}

impl Selector {
    /// Parses a label selector.
    pub fn labels(text: &str) -> Result<Self, String> {
        let mut reqs = Vec::new();
        for part in split_top(text) {
            let req = if let Some((k, v)) = part.split_once("!=") {
                Req::Ne(k.trim().into(), v.trim().into())
            } else if let Some((k, v)) = part.split_once("==").or_else(|| part.split_once('=')) {
                Req::Eq(k.trim().into(), v.trim().into())
            } else if let Some((k, v)) = part.split_once(" notin ") {
                Req::NotIn(
                    k.trim().into(),
                    set_values(v).ok_or_else(|| format!("unable to parse requirement: {part}"))?,
                )
            } else if let Some((k, v)) = part.split_once(" in ") {
                Req::In(
                    k.trim().into(),
                    set_values(v).ok_or_else(|| format!("unable to parse requirement: {part}"))?,
                )
            } else if let Some(k) = part.strip_prefix('!') {
                Req::NotExists(k.trim().into())
            } else if part.contains(char::is_whitespace) {
                return Err(format!("unable to parse requirement: {part}"));
            } else {
                Req::Exists(part.into())
            };
            validate(&req)?;
            reqs.push(req);
        }
        Ok(Self(reqs))
    }

    /// Parses a field selector (only `=`, `==`, `!=` on the supported fields).
    pub fn fields(text: &str) -> Result<Self, String> {
        let mut reqs = Vec::new();
        for part in split_top(text) {
            let req = if let Some((k, v)) = part.split_once("!=") {
                Req::Ne(k.trim().into(), v.trim().into())
            } else if let Some((k, v)) = part.split_once("==").or_else(|| part.split_once('=')) {
                Req::Eq(k.trim().into(), v.trim().into())
            } else {
                return Err(format!(
                    "invalid selector: '{text}'; can't understand '{part}'"
                ));
            };
            let key = match &req {
                Req::Eq(k, _) | Req::Ne(k, _) => k.clone(),
                _ => String::new(),
            };
            if !FIELDS.contains(&key.as_str()) {
                return Err(format!("field label not supported: {key}"));
            }
            reqs.push(req);
        }
        Ok(Self(reqs))
    }

    /// Matches label requirements against `metadata.labels`.
    pub fn matches_labels(&self, object: &Value) -> bool {
        let labels = &object["metadata"]["labels"];
        let get = |k: &str| labels.get(k).and_then(Value::as_str);
        self.0.iter().all(|r| match r {
            Req::Eq(k, v) => get(k) == Some(v.as_str()),
            Req::Ne(k, v) => get(k) != Some(v.as_str()),
            Req::In(k, vs) => get(k).is_some_and(|x| vs.iter().any(|v| v == x)),
            Req::NotIn(k, vs) => get(k).is_none_or(|x| vs.iter().all(|v| v != x)),
            Req::Exists(k) => get(k).is_some(),
            Req::NotExists(k) => get(k).is_none(),
        })
    }

    /// Matches field requirements against the object's fields (missing fields are "").
    pub fn matches_fields(&self, object: &Value) -> bool {
        let get = |path: &str| {
            path.split('.')
                .try_fold(object, |v, seg| v.get(seg))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        self.0.iter().all(|r| match r {
            Req::Eq(k, v) => get(k) == *v,
            Req::Ne(k, v) => get(k) != *v,
            _ => true,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn label_keys_and_values_are_validated_like_the_api_server() {
        for bad in [
            "!!!",
            "a b=c",
            "-x=1",
            "x=-1",
            "app in (web,-)",
            "Bad.Prefix/x",
            "/x=1",
        ] {
            assert!(Selector::labels(bad).is_err(), "{bad} was accepted");
        }
        for good in [
            "app=web",
            "!legacy",
            "app.kubernetes.io/name=sql",
            "tier in (a,b)",
            "x=",
        ] {
            assert!(Selector::labels(good).is_ok(), "{good} was refused");
        }
    }

    fn obj() -> Value {
        json!({"metadata": {"name": "p1", "namespace": "arc", "labels": {"app": "sql", "tier": "db"}}, "status": {"phase": "Running"}})
    }

    #[test]
    fn label_requirements_of_every_form() {
        for (sel, want) in [
            ("app=sql", true),
            ("app==sql,tier=db", true),
            ("app!=sql", false),
            ("app in (sql, web)", true),
            ("app notin (sql)", false),
            ("tier", true),
            ("!tier", false),
            ("missing", false),
            ("", true),
        ] {
            assert_eq!(
                Selector::labels(sel).unwrap().matches_labels(&obj()),
                want,
                "{sel}"
            );
        }
    }

    #[test]
    fn field_selector_by_name_and_phase() {
        assert!(
            Selector::fields("metadata.name=p1")
                .unwrap()
                .matches_fields(&obj())
        );
        assert!(
            !Selector::fields("metadata.name=p2")
                .unwrap()
                .matches_fields(&obj())
        );
        assert!(
            Selector::fields("status.phase!=Failed,metadata.namespace==arc")
                .unwrap()
                .matches_fields(&obj())
        );
        assert_eq!(
            Selector::fields("spec.bogus=1").unwrap_err(),
            "field label not supported: spec.bogus"
        );
    }
}

//! Server-side printing: `meta.k8s.io/v1` Tables for `kubectl get` (it asks with
//! `Accept: application/json;as=Table;…`), with the real server's columns per kind and AGE
//! computed like kubectl's `HumanDuration`. Pure, from rendered JSON objects.

use serde_json::{Value, json};

use super::resources::ResourceDef;

/// Column name, type, priority (1 = `-o wide` only).
type Col = (&'static str, &'static str, u8);

fn columns(kind: &str) -> &'static [Col] {
    match kind {
        "Pod" => &[
            ("Name", "string", 0),
            ("Ready", "string", 0),
            ("Status", "string", 0),
            ("Restarts", "string", 0),
            ("Age", "string", 0),
            ("IP", "string", 1),
            ("Node", "string", 1),
            ("Nominated Node", "string", 1),
            ("Readiness Gates", "string", 1),
        ],
        "Node" => &[
            ("Name", "string", 0),
            ("Status", "string", 0),
            ("Roles", "string", 0),
            ("Age", "string", 0),
            ("Version", "string", 0),
            ("OS-Image", "string", 1),
            ("Kernel-Version", "string", 1),
            ("Container-Runtime", "string", 1),
        ],
        "Namespace" => &[
            ("Name", "string", 0),
            ("Status", "string", 0),
            ("Age", "string", 0),
        ],
        "Secret" => &[
            ("Name", "string", 0),
            ("Type", "string", 0),
            ("Data", "string", 0),
            ("Age", "string", 0),
        ],
        "ServiceAccount" => &[
            ("Name", "string", 0),
            ("Secrets", "string", 0),
            ("Age", "string", 0),
        ],
        "Deployment" => &[
            ("Name", "string", 0),
            ("Ready", "string", 0),
            ("Up-to-date", "string", 0),
            ("Available", "string", 0),
            ("Age", "string", 0),
            ("Containers", "string", 1),
            ("Images", "string", 1),
            ("Selector", "string", 1),
        ],
        "StatefulSet" => &[
            ("Name", "string", 0),
            ("Ready", "string", 0),
            ("Age", "string", 0),
            ("Containers", "string", 1),
            ("Images", "string", 1),
        ],
        "DaemonSet" => &[
            ("Name", "string", 0),
            ("Desired", "string", 0),
            ("Current", "string", 0),
            ("Ready", "string", 0),
            ("Up-to-date", "string", 0),
            ("Available", "string", 0),
            ("Node Selector", "string", 0),
            ("Age", "string", 0),
        ],
        "ReplicaSet" => &[
            ("Name", "string", 0),
            ("Desired", "string", 0),
            ("Current", "string", 0),
            ("Ready", "string", 0),
            ("Age", "string", 0),
            ("Containers", "string", 1),
            ("Images", "string", 1),
            ("Selector", "string", 1),
        ],
        "Job" => &[
            ("Name", "string", 0),
            ("Status", "string", 0),
            ("Completions", "string", 0),
            ("Duration", "string", 0),
            ("Age", "string", 0),
        ],
        "CronJob" => &[
            ("Name", "string", 0),
            ("Schedule", "string", 0),
            ("Timezone", "string", 0),
            ("Suspend", "string", 0),
            ("Active", "string", 0),
            ("Last Schedule", "string", 0),
            ("Age", "string", 0),
        ],
        _ => &[("Name", "string", 0), ("Age", "string", 0)],
    }
}

/// kubectl's `duration.HumanDuration`.
pub fn human_duration(seconds: i64) -> String {
    if seconds < -1 {
        return "<invalid>".into();
    }
    let s = seconds.max(0);
    if s < 120 {
        return format!("{s}s");
    }
    let m = s / 60;
    if m < 10 {
        return if s % 60 == 0 {
            format!("{m}m")
        } else {
            format!("{m}m{}s", s % 60)
        };
    }
    if m < 180 {
        return format!("{m}m");
    }
    let h = m / 60;
    if h < 8 {
        return if m % 60 == 0 {
            format!("{h}h")
        } else {
            format!("{h}h{}m", m % 60)
        };
    }
    if h < 48 {
        return format!("{h}h");
    }
    if h < 24 * 8 {
        return if h % 24 == 0 {
            format!("{}d", h / 24)
        } else {
            format!("{}d{}h", h / 24, h % 24)
        };
    }
    if h < 24 * 365 * 2 {
        return format!("{}d", h / 24);
    }
    if h < 24 * 365 * 8 {
        let (y, d) = (h / 24 / 365, (h / 24) % 365);
        return if d == 0 {
            format!("{y}y")
        } else {
            format!("{y}y{d}d")
        };
    }
    format!("{}y", h / 24 / 365)
}

fn age(o: &Value, now: jiff::Timestamp) -> String {
    o["metadata"]["creationTimestamp"]
        .as_str()
        .and_then(|t| t.parse::<jiff::Timestamp>().ok())
        .map(|t| human_duration(now.as_second() - t.as_second()))
        .unwrap_or_else(|| "<unknown>".into())
}

fn s(v: &Value) -> String {
    match v {
        Value::String(x) => x.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn num(v: &Value) -> i64 {
    v.as_i64().unwrap_or(0)
}

fn template_cols(o: &Value, path: &[&str]) -> (String, String) {
    let cs = path.iter().fold(o, |v, k| &v[*k]);
    let list = cs.as_array().cloned().unwrap_or_default();
    let names: Vec<String> = list.iter().map(|c| s(&c["name"])).collect();
    let images: Vec<String> = list.iter().map(|c| s(&c["image"])).collect();
    (names.join(","), images.join(","))
}

fn selector_text(o: &Value) -> String {
    let labels = o["spec"]["selector"]["matchLabels"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    labels
        .iter()
        .map(|(k, v)| format!("{k}={}", s(v)))
        .collect::<Vec<_>>()
        .join(",")
}

fn pod_status(o: &Value) -> String {
    let statuses = o["status"]["containerStatuses"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for st in &statuses {
        if let Some(reason) = st["state"]["waiting"]["reason"].as_str() {
            return reason.to_string();
        }
    }
    if !statuses.is_empty()
        && statuses
            .iter()
            .all(|st| st["state"].get("terminated").is_some())
    {
        return statuses[0]["state"]["terminated"]["reason"]
            .as_str()
            .unwrap_or("Completed")
            .to_string();
    }
    s(&o["status"]["phase"])
}

fn cells(kind: &str, o: &Value, now: jiff::Timestamp) -> Vec<Value> {
    let name = s(&o["metadata"]["name"]);
    let st = &o["status"];
    let spec = &o["spec"];
    let a = age(o, now);
    let row: Vec<String> = match kind {
        "Pod" => {
            let statuses = st["containerStatuses"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let ready = statuses
                .iter()
                .filter(|c| c["ready"] == json!(true))
                .count();
            let none = || "<none>".to_string();
            vec![
                name,
                format!("{ready}/{}", statuses.len()),
                pod_status(o),
                "0".into(),
                a,
                st["podIP"].as_str().map_or_else(none, str::to_string),
                spec["nodeName"].as_str().map_or_else(none, str::to_string),
                none(),
                none(),
            ]
        }
        "Node" => vec![
            name,
            "Ready".into(),
            "<none>".into(),
            a,
            s(&st["nodeInfo"]["kubeletVersion"]),
            s(&st["nodeInfo"]["osImage"]),
            s(&st["nodeInfo"]["kernelVersion"]),
            s(&st["nodeInfo"]["containerRuntimeVersion"]),
        ],
        "Namespace" => vec![name, s(&st["phase"]), a],
        "Secret" => vec![
            name,
            s(&o["type"]),
            o["data"].as_object().map_or(0, |m| m.len()).to_string(),
            a,
        ],
        "ServiceAccount" => vec![name, "0".into(), a],
        "Deployment" | "ReplicaSet" => {
            let (c, i) = template_cols(o, &["spec", "template", "spec", "containers"]);
            if kind == "Deployment" {
                vec![
                    name,
                    format!("{}/{}", num(&st["readyReplicas"]), num(&spec["replicas"])),
                    num(&st["updatedReplicas"]).to_string(),
                    num(&st["availableReplicas"]).to_string(),
                    a,
                    c,
                    i,
                    selector_text(o),
                ]
            } else {
                vec![
                    name,
                    num(&spec["replicas"]).to_string(),
                    num(&st["replicas"]).to_string(),
                    num(&st["readyReplicas"]).to_string(),
                    a,
                    c,
                    i,
                    selector_text(o),
                ]
            }
        }
        "StatefulSet" => {
            let (c, i) = template_cols(o, &["spec", "template", "spec", "containers"]);
            vec![
                name,
                format!("{}/{}", num(&st["readyReplicas"]), num(&spec["replicas"])),
                a,
                c,
                i,
            ]
        }
        "DaemonSet" => vec![
            name,
            num(&st["desiredNumberScheduled"]).to_string(),
            num(&st["currentNumberScheduled"]).to_string(),
            num(&st["numberReady"]).to_string(),
            num(&st["updatedNumberScheduled"]).to_string(),
            num(&st["numberAvailable"]).to_string(),
            "<none>".into(),
            a,
        ],
        "Job" => vec![
            name,
            if num(&st["active"]) > 0 {
                "Running".into()
            } else {
                "Complete".into()
            },
            format!("{}/{}", num(&st["succeeded"]), num(&spec["completions"])),
            a.clone(),
            a,
        ],
        "CronJob" => vec![
            name,
            s(&spec["schedule"]),
            "<none>".into(),
            "False".into(),
            "0".into(),
            "<none>".into(),
            a,
        ],
        _ => vec![name, a],
    };
    row.into_iter().map(Value::String).collect()
}

fn row_object(o: &Value, include: &str) -> Value {
    match include {
        "None" => Value::Null,
        "Object" => o.clone(),
        _ => {
            json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": o["metadata"].clone()})
        }
    }
}

/// A Table of `objects` of resource `def`; `include` is the `includeObject` query value.
pub fn render(def: &ResourceDef, objects: &[Value], include: &str, now: jiff::Timestamp) -> Value {
    let defs: Vec<Value> = columns(def.kind)
        .iter()
        .map(|(name, ty, prio)| {
            let format = if *name == "Name" { "name" } else { "" };
            json!({"name": name, "type": ty, "format": format, "description": "", "priority": prio})
        })
        .collect();
    let rows: Vec<Value> = objects
        .iter()
        .map(|o| {
            let mut row = json!({"cells": cells(def.kind, o, now)});
            let obj = row_object(o, include);
            if !obj.is_null() {
                row["object"] = obj;
            }
            row
        })
        .collect();
    json!({"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {"resourceVersion": "1"}, "columnDefinitions": defs, "rows": rows})
}

/// Whether an `Accept` header asks for a Table.
pub fn wants_table(accept: &str) -> bool {
    accept
        .split(',')
        .next()
        .is_some_and(|first| first.contains("as=Table"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_duration_matches_kubectl_buckets() {
        for (secs, want) in [
            (5, "5s"),
            (119, "119s"),
            (150, "2m30s"),
            (600, "10m"),
            (3600, "60m"),
            (3 * 3600 + 60, "3h1m"),
            (30 * 3600, "30h"),
            (3 * 86400 + 3600, "3d1h"),
            (40 * 86400, "40d"),
        ] {
            assert_eq!(human_duration(secs), want, "{secs}");
        }
    }

    #[test]
    fn only_a_leading_table_media_type_selects_tables() {
        assert!(wants_table(
            "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"
        ));
        assert!(!wants_table("application/json, */*"));
        assert!(!wants_table(
            "application/vnd.kubernetes.protobuf,application/json"
        ));
    }
}

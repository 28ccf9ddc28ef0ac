//! Discovery documents: `/version`, `/api`, `/apis`, `/api/v1`, `/apis/{group}`,
//! `/apis/{group}/{version}` in plain JSON (kubectl accepts it when aggregated discovery is
//! not offered). Pure JSON construction from the resource table.

use serde_json::{Value, json};

use super::resources::{self, GROUPS, ResourceDef};

/// `/version` for `minor`.
pub fn version(minor: &str) -> Value {
    let digits: String = minor.chars().take_while(char::is_ascii_digit).collect();
    json!({
        "major": "1",
        "minor": minor,
        "gitVersion": format!("v1.{digits}.4"),
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2026-01-01T00:00:00Z",
        "goVersion": "go1.23.8",
        "compiler": "gc",
        "platform": "linux/amd64",
    })
}

/// `/api`.
pub fn core_versions(server_address: &str) -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}],
    })
}

fn group(name: &str, version: &str) -> Value {
    let gv = json!({"groupVersion": format!("{name}/{version}"), "version": version});
    json!({"name": name, "versions": [gv.clone()], "preferredVersion": gv})
}

/// `/apis`.
pub fn group_list() -> Value {
    let groups: Vec<Value> = GROUPS.iter().map(|(n, v)| group(n, v)).collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

/// `/apis/{group}`, if served.
pub fn group_doc(name: &str) -> Option<Value> {
    let (n, v) = GROUPS.iter().find(|(n, _)| *n == name)?;
    let mut doc = group(n, v);
    doc["kind"] = json!("APIGroup");
    doc["apiVersion"] = json!("v1");
    Some(doc)
}

fn resource(r: &ResourceDef) -> Value {
    let mut v = json!({
        "name": r.plural,
        "singularName": r.singular,
        "namespaced": r.namespaced,
        "kind": r.kind,
        "verbs": r.verbs,
    });
    if !r.short_names.is_empty() {
        v["shortNames"] = json!(r.short_names);
    }
    if !r.categories.is_empty() {
        v["categories"] = json!(r.categories);
    }
    v
}

/// `/api/v1` or `/apis/{group}/{version}`, if served.
pub fn resource_list(group: &str, version: &str) -> Option<Value> {
    let list: Vec<Value> = resources::in_group(group, version).map(resource).collect();
    if list.is_empty() {
        return None;
    }
    let gv = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    Some(
        json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": list}),
    )
}

//! GET and LIST of every served resource: collecting the rendered objects, label and field
//! selectors, `-A` across namespaces, List and Table envelopes, 404/403 Status answers.

use serde_json::{Value, json};

use super::resources::ResourceDef;
use super::status::{self, Resp};
use super::{objects, selector::Selector, table, watch, workloads};
use crate::scenario::ServiceAccount;
use crate::shared::Shared;

/// The objects of `def` in `namespace` (every namespace when None), in a stable order.
pub fn objects(shared: &Shared, def: &ResourceDef, namespace: Option<&str>) -> Vec<Value> {
    let cluster = &shared.cluster;
    let in_ns = |ns: &str| namespace.is_none_or(|want| want == ns);
    let scenario = &cluster.scenario;
    match (def.group, def.plural) {
        ("", "namespaces") => scenario
            .namespaces
            .iter()
            .map(|n| objects::namespace(cluster, n))
            .collect(),
        ("", "nodes") => scenario
            .nodes
            .iter()
            .map(|n| objects::node(cluster, n))
            .collect(),
        ("", "pods") => cluster
            .pods()
            .iter()
            .filter(|p| in_ns(&p.pod.namespace))
            .map(|p| objects::pod(cluster, p))
            .collect(),
        ("", "secrets") => scenario
            .secrets
            .iter()
            .filter(|s| in_ns(&s.namespace))
            .map(|s| objects::secret(cluster, s))
            .collect(),
        ("", "serviceaccounts") => service_accounts(shared)
            .iter()
            .filter(|s| in_ns(&s.namespace))
            .map(|s| objects::service_account(cluster, s))
            .collect(),
        _ => workloads::all(cluster)
            .iter()
            .filter(|w| workloads::kind_name(w.kind) == def.kind && in_ns(&w.namespace))
            .map(|w| workloads::render(cluster, w))
            .collect(),
    }
}

/// The scenario's service accounts plus a `default` one in every namespace lacking it.
fn service_accounts(shared: &Shared) -> Vec<ServiceAccount> {
    let scenario = &shared.cluster.scenario;
    let mut all = Vec::new();
    for ns in &scenario.namespaces {
        let listed: Vec<&ServiceAccount> = scenario
            .service_accounts
            .iter()
            .filter(|s| &s.namespace == ns)
            .collect();
        if !listed.iter().any(|s| s.name == "default") {
            all.push(ServiceAccount {
                namespace: ns.clone(),
                name: "default".into(),
                image_pull_secrets: Vec::new(),
            });
        }
        all.extend(listed.into_iter().cloned());
    }
    all
}

/// What a GET or LIST asks for.
pub struct ReadRequest<'a> {
    /// The resource.
    pub def: &'static ResourceDef,
    /// Namespace from the path (None: cluster scope / all namespaces).
    pub namespace: Option<&'a str>,
    /// Object name for a GET.
    pub name: Option<&'a str>,
    /// Decoded query pairs.
    pub query: &'a [(String, String)],
    /// The `Accept` header.
    pub accept: &'a str,
}

fn query<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

fn strip_type_meta(mut o: Value) -> Value {
    if let Some(map) = o.as_object_mut() {
        map.remove("kind");
        map.remove("apiVersion");
    }
    o
}

/// Answers a GET of one object or a LIST.
pub fn read(shared: &Shared, r: &ReadRequest<'_>) -> Resp {
    let def = r.def;
    if def.namespaced != r.namespace.is_some() && (r.name.is_some() || !def.namespaced) {
        return status::unknown_path();
    }
    let scenario = &shared.cluster.scenario;
    if def.plural == "secrets" && scenario.rbac.forbid_secrets {
        let verb = if r.name.is_some() { "get" } else { "list" };
        return status::forbidden(
            &scenario.server.user_name,
            verb,
            def.plural,
            def.group,
            r.name,
            r.namespace,
        );
    }
    let include = query(r.query, "includeObject").unwrap_or("Metadata");
    let now = jiff::Timestamp::now();
    let all = objects(shared, def, r.namespace);
    if let Some(name) = r.name {
        let Some(found) = all
            .into_iter()
            .find(|o| o["metadata"]["name"] == json!(name))
        else {
            return status::not_found(def.plural, def.group, name);
        };
        if table::wants_table(r.accept) {
            return status::json_response(
                hyper::StatusCode::OK,
                &table::render(def, &[found], include, now),
            );
        }
        return status::json_response(hyper::StatusCode::OK, &found);
    }
    let labels = match Selector::labels(query(r.query, "labelSelector").unwrap_or("")) {
        Ok(s) => s,
        Err(e) => return status::bad_request(&e),
    };
    let fields = match Selector::fields(query(r.query, "fieldSelector").unwrap_or("")) {
        Ok(s) => s,
        Err(e) => return status::bad_request(&e),
    };
    let items: Vec<Value> = all
        .into_iter()
        .filter(|o| labels.matches_labels(o) && fields.matches_fields(o))
        .collect();
    if watch::requested(r.query) {
        let initial = if watch::resumes(r.query) {
            Vec::new()
        } else {
            items
        };
        let objects = if table::wants_table(r.accept) {
            initial
                .iter()
                .map(|o| table::render(def, std::slice::from_ref(o), include, now))
                .collect()
        } else {
            initial
        };
        return watch::respond(watch::events(objects), r.query);
    }
    if table::wants_table(r.accept) {
        return status::json_response(
            hyper::StatusCode::OK,
            &table::render(def, &items, include, now),
        );
    }
    let list = json!({
        "kind": format!("{}List", def.kind),
        "apiVersion": def.api_version(),
        "metadata": {"resourceVersion": "1"},
        "items": items.into_iter().map(strip_type_meta).collect::<Vec<_>>(),
    });
    status::json_response(hyper::StatusCode::OK, &list)
}

//! Pull secrets: the pod's `imagePullSecrets` and its service account's, turned into docker
//! `config.json` documents the registry layer can search. Contents are never logged.

use k8s_openapi::api::core::v1::{Pod, Secret, ServiceAccount};
use kube::Api;

use super::ClusterError;

/// What reading pull secrets produced.
#[derive(Debug, Default)]
pub struct PullSecrets {
    /// docker `config.json` documents (with `auths`), in lookup order.
    pub configs: Vec<(String, Vec<u8>)>,
    /// Names of the secrets that were used.
    pub used: Vec<String>,
    /// Secrets the pod or its service account names that do not exist (the kubelet skips
    /// them too, with a warning event).
    pub missing: Vec<String>,
    /// Set when RBAC forbade reading secrets (the caller warns once and goes on).
    pub forbidden: bool,
}

/// The config.json document held by a pull secret, or `None` when its type is not a
/// docker-config type. `.dockercfg` (legacy) is the bare `auths` map, so it is wrapped.
pub fn docker_config_of(secret: &Secret) -> Option<Vec<u8>> {
    let data = secret.data.as_ref()?;
    match secret.type_.as_deref() {
        Some("kubernetes.io/dockerconfigjson") => {
            data.get(".dockerconfigjson").map(|b| b.0.clone())
        }
        Some("kubernetes.io/dockercfg") => data.get(".dockercfg").map(|b| {
            let mut wrapped = b"{\"auths\":".to_vec();
            wrapped.extend_from_slice(&b.0);
            wrapped.push(b'}');
            wrapped
        }),
        _ => None,
    }
}

/// Secret names from the pod spec, then the service account's (deduplicated, in order).
pub fn secret_names(pod: &Pod, service_account: Option<&ServiceAccount>) -> Vec<String> {
    let from_pod = pod
        .spec
        .as_ref()
        .and_then(|s| s.image_pull_secrets.as_ref())
        .into_iter()
        .flatten()
        .map(|r| r.name.clone());
    let from_sa = service_account
        .and_then(|sa| sa.image_pull_secrets.as_ref())
        .into_iter()
        .flatten()
        .map(|r| r.name.clone());
    let mut names = Vec::new();
    for n in from_pod.chain(from_sa) {
        if !n.is_empty() && !names.contains(&n) {
            names.push(n);
        }
    }
    names
}

fn is_forbidden(err: &kube::Error) -> bool {
    matches!(err, kube::Error::Api(s) if s.code == 403)
}

fn is_not_found(err: &kube::Error) -> bool {
    matches!(err, kube::Error::Api(s) if s.code == 404)
}

/// Reads the pull secrets of `pod`. A 403 on secrets or the service account sets
/// `forbidden` instead of failing; a missing secret is skipped (the kubelet does the same).
/// The pod's own secrets are read while the service account is, and the account's
/// secrets all at once: two round trips whatever their number.
pub async fn fetch_pull_secrets(
    client: &kube::Client,
    namespace: &str,
    pod: &Pod,
) -> Result<PullSecrets, ClusterError> {
    let mut out = PullSecrets::default();
    let sa_name = pod
        .spec
        .as_ref()
        .and_then(|s| s.service_account_name.clone())
        .unwrap_or_else(|| "default".to_owned());
    let sas: Api<ServiceAccount> = Api::namespaced(client.clone(), namespace);
    let secrets: Api<Secret> = Api::namespaced(client.clone(), namespace);
    let pod_names = secret_names(pod, None);
    let (sa, from_pod) = tokio::join!(sas.get(&sa_name), get_all(&secrets, &pod_names));
    let sa = match sa {
        Ok(sa) => Some(sa),
        Err(e) if is_forbidden(&e) || is_not_found(&e) => {
            out.forbidden |= is_forbidden(&e);
            None
        }
        Err(source) => {
            return Err(ClusterError::Api {
                action: format!("get serviceaccount {namespace}/{sa_name}"),
                source,
            });
        }
    };
    let sa_names: Vec<String> = secret_names(pod, sa.as_ref())
        .into_iter()
        .filter(|n| !pod_names.contains(n))
        .collect();
    let from_sa = get_all(&secrets, &sa_names).await;
    let names = pod_names.into_iter().chain(sa_names);
    for (name, result) in names.zip(from_pod.into_iter().chain(from_sa)) {
        match result {
            Ok(secret) => {
                if let Some(doc) = docker_config_of(&secret) {
                    out.configs.push((format!("pull secret {name}"), doc));
                    out.used.push(name);
                }
            }
            // Reading secrets is not allowed: say so once (the caller), use what was read.
            Err(e) if is_forbidden(&e) => {
                out.forbidden = true;
                break;
            }
            Err(e) if is_not_found(&e) => out.missing.push(name),
            Err(source) => {
                return Err(ClusterError::Api {
                    action: format!("get secret {namespace}/{name}"),
                    source,
                });
            }
        }
    }
    Ok(out)
}

/// GETs every named secret at once; results in the order of `names`.
async fn get_all(secrets: &Api<Secret>, names: &[String]) -> Vec<Result<Secret, kube::Error>> {
    futures_util::future::join_all(names.iter().map(|n| secrets.get(n))).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(type_: &str, key: &str, value: &[u8]) -> Secret {
        let mut s = Secret {
            type_: Some(type_.to_owned()),
            ..Default::default()
        };
        s.data = Some(
            [(key.to_owned(), k8s_openapi::ByteString(value.to_vec()))]
                .into_iter()
                .collect(),
        );
        s
    }

    #[test]
    fn dockerconfigjson_is_passed_through() {
        let doc = br#"{"auths":{"r":{"auth":"dTpw"}}}"#;
        let s = secret("kubernetes.io/dockerconfigjson", ".dockerconfigjson", doc);
        assert_eq!(docker_config_of(&s).as_deref(), Some(&doc[..]));
    }

    #[test]
    fn legacy_dockercfg_is_wrapped_in_auths() {
        let s = secret(
            "kubernetes.io/dockercfg",
            ".dockercfg",
            br#"{"r":{"auth":"dTpw"}}"#,
        );
        let doc = docker_config_of(&s).unwrap_or_default();
        let v: serde_json::Value = serde_json::from_slice(&doc).unwrap_or_default();
        assert_eq!(v["auths"]["r"]["auth"], "dTpw");
    }

    #[test]
    fn other_secret_types_are_ignored() {
        let s = secret("Opaque", ".dockerconfigjson", b"{}");
        assert_eq!(docker_config_of(&s), None);
    }

    #[test]
    fn pod_secrets_come_before_service_account_secrets_without_duplicates() {
        let pod: Pod = serde_json::from_value(serde_json::json!({
            "spec": {"containers": [], "imagePullSecrets": [{"name": "a"}, {"name": "b"}]}
        }))
        .unwrap_or_default();
        let sa: ServiceAccount = serde_json::from_value(serde_json::json!({
            "imagePullSecrets": [{"name": "b"}, {"name": "c"}]
        }))
        .unwrap_or_default();
        assert_eq!(secret_names(&pod, Some(&sa)), ["a", "b", "c"]);
    }
}

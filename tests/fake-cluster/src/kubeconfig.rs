//! Renders the kubeconfig that points kubectl and kube-rs at the fake: one cluster with the
//! CA inlined, one token user, one context with a default namespace. Pure text, no I/O.

use base64::Engine as _;

/// Kubeconfig YAML for `server` (e.g. `https://127.0.0.1:PORT`).
pub fn render(server: &str, ca_pem: &str, token: &str, namespace: &str) -> String {
    let ca = base64::engine::general_purpose::STANDARD.encode(ca_pem);
    format!(
        "apiVersion: v1
kind: Config
clusters:
- name: fake
  cluster:
    server: {server}
    certificate-authority-data: {ca}
users:
- name: fake-user
  user:
    token: {token}
contexts:
- name: fake
  context:
    cluster: fake
    user: fake-user
    namespace: {namespace}
current-context: fake
preferences: {{}}
"
    )
}

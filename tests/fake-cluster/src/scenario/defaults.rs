//! Serde defaults of the scenario format.

pub(super) fn default_namespace() -> String {
    "default".into()
}
pub(super) fn default_os() -> String {
    "linux".into()
}
pub(super) fn default_arch() -> String {
    "amd64".into()
}
pub(super) fn default_secret_type() -> String {
    "Opaque".into()
}
pub(super) fn default_service_account() -> String {
    "default".into()
}
pub(super) fn default_user() -> String {
    "0:0".into()
}
pub(super) fn default_minor() -> String {
    "32".into()
}
pub(super) fn default_user_name() -> String {
    "fake-user".into()
}
pub(super) fn default_protocols() -> Vec<String> {
    vec!["v5.channel.k8s.io".into(), "v4.channel.k8s.io".into()]
}

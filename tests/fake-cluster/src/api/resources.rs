//! The table of served resources (group, version, plural, kind, scope, verbs), shared by
//! discovery and routing. Pure data.

/// One served resource or subresource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceDef {
    /// API group ("" for core).
    pub group: &'static str,
    /// Version.
    pub version: &'static str,
    /// Plural name, `pods/exec` for subresources.
    pub plural: &'static str,
    /// Singular name ("" for subresources).
    pub singular: &'static str,
    /// Kind.
    pub kind: &'static str,
    /// Namespaced or cluster-scoped.
    pub namespaced: bool,
    /// Short names for kubectl.
    pub short_names: &'static [&'static str],
    /// Verbs.
    pub verbs: &'static [&'static str],
    /// Categories (`all`).
    pub categories: &'static [&'static str],
}

const READ: &[&str] = &["get", "list"];
const ALL: &[&str] = &["all"];

#[expect(
    clippy::too_many_arguments,
    reason = "a table row constructor, one argument per column"
)]
const fn def(
    group: &'static str,
    version: &'static str,
    plural: &'static str,
    singular: &'static str,
    kind: &'static str,
    namespaced: bool,
    short_names: &'static [&'static str],
    verbs: &'static [&'static str],
    categories: &'static [&'static str],
) -> ResourceDef {
    ResourceDef {
        group,
        version,
        plural,
        singular,
        kind,
        namespaced,
        short_names,
        verbs,
        categories,
    }
}

/// Every resource the fake serves.
pub const RESOURCES: &[ResourceDef] = &[
    def(
        "",
        "v1",
        "namespaces",
        "namespace",
        "Namespace",
        false,
        &["ns"],
        READ,
        &[],
    ),
    def("", "v1", "nodes", "node", "Node", false, &["no"], READ, &[]),
    def("", "v1", "pods", "pod", "Pod", true, &["po"], READ, ALL),
    def(
        "",
        "v1",
        "pods/exec",
        "",
        "PodExecOptions",
        true,
        &[],
        &["create", "get"],
        &[],
    ),
    def(
        "",
        "v1",
        "pods/ephemeralcontainers",
        "",
        "Pod",
        true,
        &[],
        &["get", "patch", "update"],
        &[],
    ),
    def(
        "",
        "v1",
        "secrets",
        "secret",
        "Secret",
        true,
        &[],
        READ,
        &[],
    ),
    def(
        "",
        "v1",
        "serviceaccounts",
        "serviceaccount",
        "ServiceAccount",
        true,
        &["sa"],
        READ,
        &[],
    ),
    def(
        "apps",
        "v1",
        "deployments",
        "deployment",
        "Deployment",
        true,
        &["deploy"],
        READ,
        ALL,
    ),
    def(
        "apps",
        "v1",
        "statefulsets",
        "statefulset",
        "StatefulSet",
        true,
        &["sts"],
        READ,
        ALL,
    ),
    def(
        "apps",
        "v1",
        "daemonsets",
        "daemonset",
        "DaemonSet",
        true,
        &["ds"],
        READ,
        ALL,
    ),
    def(
        "apps",
        "v1",
        "replicasets",
        "replicaset",
        "ReplicaSet",
        true,
        &["rs"],
        READ,
        ALL,
    ),
    def("batch", "v1", "jobs", "job", "Job", true, &[], READ, ALL),
    def(
        "batch",
        "v1",
        "cronjobs",
        "cronjob",
        "CronJob",
        true,
        &["cj"],
        READ,
        ALL,
    ),
];

/// The groups besides core, with their single version.
pub const GROUPS: &[(&str, &str)] = &[("apps", "v1"), ("batch", "v1")];

/// The resource `plural` of `group`, top-level resources only.
pub fn find(group: &str, version: &str, plural: &str) -> Option<&'static ResourceDef> {
    RESOURCES
        .iter()
        .find(|r| r.group == group && r.version == version && r.plural == plural)
}

/// The resources of one group version.
pub fn in_group<'a>(
    group: &'a str,
    version: &'a str,
) -> impl Iterator<Item = &'static ResourceDef> + 'a {
    RESOURCES
        .iter()
        .filter(move |r| r.group == group && r.version == version)
}

impl ResourceDef {
    /// `apiVersion` of objects of this resource.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// Whether this is a subresource (`pods/exec`).
    pub fn is_subresource(&self) -> bool {
        self.plural.contains('/')
    }
}

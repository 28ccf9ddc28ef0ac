//! Parsing request paths into what they address: discovery documents, a resource
//! collection or object (optionally namespaced), or a subresource. Pure.

/// What a path addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route<'a> {
    /// `/version`.
    Version,
    /// `/api`.
    CoreVersions,
    /// `/apis`.
    Groups,
    /// `/apis/{group}`.
    Group(&'a str),
    /// `/api/v1` or `/apis/{group}/{version}`.
    ResourceList {
        /// Group ("" for core).
        group: &'a str,
        /// Version.
        version: &'a str,
    },
    /// A collection, object or subresource.
    Resource(ResourcePath<'a>),
    /// `/fake/...` admin endpoints.
    Admin(&'a str),
    /// Anything else.
    Unknown,
}

/// `/{prefix}/[namespaces/{ns}/]{plural}[/{name}[/{sub}]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourcePath<'a> {
    /// Group.
    pub group: &'a str,
    /// Version.
    pub version: &'a str,
    /// Namespace, if the path has one.
    pub namespace: Option<&'a str>,
    /// Plural resource name.
    pub plural: &'a str,
    /// Object name.
    pub name: Option<&'a str>,
    /// Subresource (`exec`, `ephemeralcontainers`).
    pub sub: Option<&'a str>,
}

/// Parses a request path.
pub fn parse(path: &str) -> Route<'_> {
    let segs: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
    match segs.as_slice() {
        ["version"] => Route::Version,
        ["api"] => Route::CoreVersions,
        ["apis"] => Route::Groups,
        ["apis", g] => Route::Group(g),
        ["api", v] => Route::ResourceList {
            group: "",
            version: v,
        },
        ["apis", g, v] => Route::ResourceList {
            group: g,
            version: v,
        },
        ["fake", rest @ ..] if !rest.is_empty() => Route::Admin(rest[0]),
        ["api", v, rest @ ..] => resource("", v, rest),
        ["apis", g, v, rest @ ..] => resource(g, v, rest),
        _ => Route::Unknown,
    }
}

fn resource<'a>(group: &'a str, version: &'a str, rest: &[&'a str]) -> Route<'a> {
    let p = |namespace, plural, name, sub| {
        Route::Resource(ResourcePath {
            group,
            version,
            namespace,
            plural,
            name,
            sub,
        })
    };
    match rest {
        // `/api/v1/namespaces/{ns}` is the Namespace object itself.
        ["namespaces", ns] => p(None, "namespaces", Some(*ns), None),
        ["namespaces", ns, plural] => p(Some(*ns), *plural, None, None),
        ["namespaces", ns, plural, name] => p(Some(*ns), *plural, Some(*name), None),
        ["namespaces", ns, plural, name, sub] => p(Some(*ns), *plural, Some(*name), Some(*sub)),
        [plural] => p(None, *plural, None, None),
        [plural, name] => p(None, *plural, Some(*name), None),
        [plural, name, sub] => p(None, *plural, Some(*name), Some(*sub)),
        _ => Route::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaced_object_and_subresource_paths() {
        assert_eq!(
            parse("/api/v1/namespaces/arc/pods/control/exec"),
            Route::Resource(ResourcePath {
                group: "",
                version: "v1",
                namespace: Some("arc"),
                plural: "pods",
                name: Some("control"),
                sub: Some("exec")
            })
        );
        assert_eq!(
            parse("/apis/apps/v1/namespaces/arc/statefulsets"),
            Route::Resource(ResourcePath {
                group: "apps",
                version: "v1",
                namespace: Some("arc"),
                plural: "statefulsets",
                name: None,
                sub: None
            })
        );
    }

    #[test]
    fn namespace_object_cluster_lists_and_discovery() {
        assert_eq!(
            parse("/api/v1/namespaces/arc"),
            Route::Resource(ResourcePath {
                group: "",
                version: "v1",
                namespace: None,
                plural: "namespaces",
                name: Some("arc"),
                sub: None
            })
        );
        assert_eq!(
            parse("/api/v1/pods"),
            Route::Resource(ResourcePath {
                group: "",
                version: "v1",
                namespace: None,
                plural: "pods",
                name: None,
                sub: None
            })
        );
        assert_eq!(
            parse("/apis/batch/v1"),
            Route::ResourceList {
                group: "batch",
                version: "v1"
            }
        );
        assert_eq!(parse("/version"), Route::Version);
        assert_eq!(parse("/healthz/x/y"), Route::Unknown);
    }
}

//! Pure questions about a pod: which containers it has, which one the user means (kubectl's
//! defaulting rules), what each runs, and whether it can be exec'd into.

use k8s_openapi::api::core::v1::{Pod, PodSpec};

use super::ClusterError;
use super::image_id::{RunningImage, running_image};

/// kubectl's annotation naming the default container.
pub const DEFAULT_CONTAINER_ANNOTATION: &str = "kubectl.kubernetes.io/default-container";

/// Where a container sits in the pod spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ContainerKind {
    /// `spec.initContainers`.
    Init,
    /// `spec.containers`.
    Regular,
    /// `spec.ephemeralContainers`.
    Ephemeral,
}

/// One container and the image it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerImage {
    /// Container name.
    pub name: String,
    /// Init, regular or ephemeral.
    pub kind: ContainerKind,
    /// The image (pinned by the status digest when known).
    pub image: RunningImage,
    /// Whether the status says it is running.
    pub running: bool,
}

/// Every container of `pod` with its image, in spec order: init, regular, ephemeral.
pub fn containers(pod: &Pod) -> Vec<ContainerImage> {
    let status = pod.status.as_ref();
    let lookup = |statuses: Option<&Vec<k8s_openapi::api::core::v1::ContainerStatus>>,
                  name: &str| {
        statuses
            .and_then(|s| s.iter().find(|c| c.name == name))
            .map(|c| {
                (
                    Some(c.image_id.clone()),
                    c.state.as_ref().is_some_and(|s| s.running.is_some()),
                )
            })
    };
    let mut out = Vec::new();
    let Some(spec) = pod.spec.as_ref() else {
        return out;
    };
    for c in spec.init_containers.iter().flatten() {
        let (id, running) = lookup(
            status.and_then(|s| s.init_container_statuses.as_ref()),
            &c.name,
        )
        .unwrap_or((None, false));
        out.push(entry(
            &c.name,
            ContainerKind::Init,
            c.image.as_deref(),
            id,
            running,
        ));
    }
    for c in &spec.containers {
        let (id, running) = lookup(status.and_then(|s| s.container_statuses.as_ref()), &c.name)
            .unwrap_or((None, false));
        out.push(entry(
            &c.name,
            ContainerKind::Regular,
            c.image.as_deref(),
            id,
            running,
        ));
    }
    for c in spec.ephemeral_containers.iter().flatten() {
        let (id, running) = lookup(
            status.and_then(|s| s.ephemeral_container_statuses.as_ref()),
            &c.name,
        )
        .unwrap_or((None, false));
        out.push(entry(
            &c.name,
            ContainerKind::Ephemeral,
            c.image.as_deref(),
            id,
            running,
        ));
    }
    out
}

/// The containers of a pod template (no status: images are as written).
pub fn template_containers(spec: &PodSpec) -> Vec<ContainerImage> {
    let init = spec.init_containers.iter().flatten().map(|c| {
        entry(
            &c.name,
            ContainerKind::Init,
            c.image.as_deref(),
            None,
            false,
        )
    });
    let regular = spec.containers.iter().map(|c| {
        entry(
            &c.name,
            ContainerKind::Regular,
            c.image.as_deref(),
            None,
            false,
        )
    });
    init.chain(regular).collect()
}

fn entry(
    name: &str,
    kind: ContainerKind,
    image: Option<&str>,
    image_id: Option<String>,
    running: bool,
) -> ContainerImage {
    ContainerImage {
        name: name.to_owned(),
        kind,
        image: running_image(image.unwrap_or_default(), image_id.as_deref()),
        running,
    }
}

/// How to pick a container when `-c` is absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Defaulting {
    /// The annotation, else the only container, else an error listing them (recovery: a
    /// wrong guess would print the wrong Dockerfile).
    Unique,
    /// The annotation, else the first container with a notice (kubectl exec/cp).
    FirstWithNotice,
}

/// The chosen container, and the notice to print when it was defaulted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chosen {
    /// The container.
    pub container: ContainerImage,
    /// A notice like kubectl's `Defaulted container "x" out of: x, y`.
    pub notice: Option<String>,
}

/// Chooses the container like kubectl: `-c` (any kind), else the default-container
/// annotation, else per `defaulting` among the regular containers.
pub fn choose_container(
    pod_name: &str,
    annotations: Option<&std::collections::BTreeMap<String, String>>,
    all: &[ContainerImage],
    requested: Option<&str>,
    defaulting: Defaulting,
) -> Result<Chosen, ClusterError> {
    let names = || all.iter().map(|c| c.name.clone()).collect::<Vec<_>>();
    if let Some(name) = requested {
        return all
            .iter()
            .find(|c| c.name == name)
            .map(|c| Chosen {
                container: c.clone(),
                notice: None,
            })
            .ok_or_else(|| ClusterError::ContainerNotFound {
                pod: pod_name.to_owned(),
                container: name.to_owned(),
                valid: names(),
            });
    }
    let regular: Vec<&ContainerImage> = all
        .iter()
        .filter(|c| c.kind == ContainerKind::Regular)
        .collect();
    if let Some(name) = annotations.and_then(|a| a.get(DEFAULT_CONTAINER_ANNOTATION))
        && let Some(c) = regular.iter().find(|c| &c.name == name)
    {
        return Ok(Chosen {
            container: (*c).clone(),
            notice: None,
        });
    }
    match (regular.as_slice(), defaulting) {
        ([only], _) => Ok(Chosen {
            container: (*only).clone(),
            notice: None,
        }),
        ([first, ..], Defaulting::FirstWithNotice) => Ok(Chosen {
            container: (*first).clone(),
            notice: Some(format!(
                "Defaulted container \"{}\" out of: {}",
                first.name,
                regular
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }),
        _ => Err(ClusterError::AmbiguousContainer {
            pod: pod_name.to_owned(),
            valid: names(),
        }),
    }
}

/// Why `container` of `pod` cannot be exec'd into, from the pod's status (`waiting:
/// ContainerCreating`, `terminated: Completed`); `None` when it runs or has no status yet
/// (the API server then decides).
pub fn not_running(pod: &Pod, container: &str) -> Option<String> {
    let status = pod.status.as_ref()?;
    let statuses = [
        status.container_statuses.as_deref(),
        status.init_container_statuses.as_deref(),
        status.ephemeral_container_statuses.as_deref(),
    ];
    let state = statuses
        .into_iter()
        .flatten()
        .flatten()
        .find(|s| s.name == container)?
        .state
        .as_ref()?;
    if state.running.is_some() {
        return None;
    }
    if let Some(w) = &state.waiting {
        return Some(format!(
            "waiting: {}",
            w.reason.as_deref().unwrap_or("no reason given")
        ));
    }
    let t = state.terminated.as_ref()?;
    Some(format!(
        "terminated: {}, exit code {}",
        t.reason.as_deref().unwrap_or("no reason given"),
        t.exit_code
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod_json(annotation: Option<&str>) -> Pod {
        let mut v = serde_json::json!({
            "metadata": {"name": "jumpstart-sql-0", "namespace": "arc"},
            "spec": {
                "initContainers": [{"name": "init", "image": "busybox:1"}],
                "containers": [
                    {"name": "arc-sqlmi", "image": "reg/arc-sqlmi:v1"},
                    {"name": "collectd", "image": "reg/collectd:v1"},
                    {"name": "fluentbit", "image": "reg/fluentbit:v1"}
                ]
            },
            "status": {"containerStatuses": [{
                "name": "arc-sqlmi", "image": "reg/arc-sqlmi:v1",
                "imageID": "reg/arc-sqlmi@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                "ready": true, "restartCount": 0, "state": {"running": {}}
            }]}
        });
        if let Some(a) = annotation {
            v["metadata"]["annotations"] = serde_json::json!({ DEFAULT_CONTAINER_ANNOTATION: a });
        }
        serde_json::from_value(v).unwrap_or_else(|e| panic!("{e}"))
    }

    fn choose(pod: &Pod, requested: Option<&str>, d: Defaulting) -> Result<Chosen, ClusterError> {
        let all = containers(pod);
        choose_container(
            "jumpstart-sql-0",
            pod.metadata.annotations.as_ref(),
            &all,
            requested,
            d,
        )
    }

    #[test]
    fn containers_list_init_first_and_pin_running_digests() {
        let all = containers(&pod_json(None));
        let names: Vec<_> = all.iter().map(|c| (c.name.as_str(), c.kind)).collect();
        assert_eq!(names[0], ("init", ContainerKind::Init));
        assert_eq!(all.len(), 4);
        assert!(all[1].image.reference.contains("@sha256:"));
        assert!(all[1].running);
        assert_eq!(all[2].image.reference, "reg/collectd:v1");
    }

    #[test]
    fn annotation_picks_the_default_container() {
        let c = choose(&pod_json(Some("collectd")), None, Defaulting::Unique)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.container.name, "collectd");
        assert_eq!(c.notice, None);
    }

    #[test]
    fn several_containers_without_annotation_is_an_error_listing_them() {
        let err = choose(&pod_json(None), None, Defaulting::Unique)
            .err()
            .map(|e| e.to_string());
        let msg = err.unwrap_or_default();
        assert!(msg.contains("arc-sqlmi, collectd, fluentbit"), "{msg}");
    }

    #[test]
    fn kubectl_style_defaulting_takes_the_first_with_a_notice() {
        let c = choose(&pod_json(None), None, Defaulting::FirstWithNotice)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.container.name, "arc-sqlmi");
        assert!(
            c.notice
                .unwrap_or_default()
                .contains("out of: arc-sqlmi, collectd, fluentbit")
        );
    }

    #[test]
    fn unknown_container_lists_the_valid_ones_including_init() {
        let msg = choose(&pod_json(None), Some("nope"), Defaulting::Unique)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            msg.contains("'nope'") && msg.contains("init, arc-sqlmi"),
            "{msg}"
        );
    }

    #[test]
    fn init_containers_can_be_named_explicitly() {
        let c = choose(&pod_json(None), Some("init"), Defaulting::Unique)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.container.kind, ContainerKind::Init);
    }

    #[test]
    fn only_a_container_whose_status_says_it_does_not_run_is_refused_for_exec() {
        let mut pod = pod_json(None);
        assert_eq!(not_running(&pod, "arc-sqlmi"), None, "running");
        assert_eq!(
            not_running(&pod, "collectd"),
            None,
            "no status yet: the server decides"
        );
        let statuses = pod
            .status
            .as_mut()
            .and_then(|s| s.container_statuses.as_mut())
            .unwrap_or_else(|| panic!("statuses"));
        statuses[0].state =
            serde_json::from_value(serde_json::json!({"waiting": {"reason": "ContainerCreating"}}))
                .ok();
        assert_eq!(
            not_running(&pod, "arc-sqlmi").as_deref(),
            Some("waiting: ContainerCreating")
        );
        statuses_terminated(&mut pod);
        assert_eq!(
            not_running(&pod, "arc-sqlmi").as_deref(),
            Some("terminated: Completed, exit code 0")
        );
    }

    fn statuses_terminated(pod: &mut Pod) {
        if let Some(s) = pod
            .status
            .as_mut()
            .and_then(|s| s.container_statuses.as_mut())
        {
            s[0].state = serde_json::from_value(
                serde_json::json!({"terminated": {"reason": "Completed", "exitCode": 0}}),
            )
            .ok();
        }
    }
}

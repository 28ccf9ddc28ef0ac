//! The scenario file format (YAML, camelCase keys): namespaces, nodes, secrets, service
//! accounts, pods with their containers' filesystems, workloads, RBAC switches and faults.

mod defaults;
mod file;
mod pod;
mod workload;

pub use file::{Node, Rbac, Scenario, Secret, ServerOptions, ServiceAccount};
pub use pod::{CommandNotFound, Container, ContainerState, Flavor, Pod, parse_user};
pub use workload::{Template, TemplateContainer, Workload, WorkloadKind};

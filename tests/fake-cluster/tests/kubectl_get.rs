//! `kubectl get` against the fake: tables, JSON objects, selectors, all namespaces,
//! workloads, 404 and 403 Status errors, 401 for a wrong token.

use serde_json::Value;

use crate::common::{Kubectl, assert_client_132, start_arc, start_yaml};

const ARC_PODS: [&str; 6] = [
    "bootstrapper",
    "control",
    "controldb-0",
    "logsdb-0",
    "metricsdb-0",
    "jumpstart-sql-0",
];

fn table_rows(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .map(|l| l.split_whitespace().map(str::to_string).collect())
        .collect()
}

#[test]
fn get_pods_prints_the_server_side_table_of_the_arc_namespace() {
    let cluster = start_arc();
    let run = Kubectl::new(&cluster)
        .run(&["get", "pods", "-n", "arc"])
        .expect_code(0);
    let rows = table_rows(&run.stdout);
    assert_eq!(rows[0], ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]);
    let names: Vec<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(names, ARC_PODS);
    let sql = rows
        .iter()
        .find(|r| r[0] == "jumpstart-sql-0")
        .expect("sql row");
    assert_eq!(&sql[1..4], ["3/3", "Running", "0"]);
    assert_client_132(&cluster);
    let pods_req = cluster
        .requests()
        .into_iter()
        .find(|r| r.path == "/api/v1/namespaces/arc/pods")
        .expect("pod list request");
    assert!(
        pods_req.accept.unwrap_or_default().contains("as=Table"),
        "kubectl asked for a Table"
    );
}

#[test]
fn get_pod_json_carries_kind_namespace_node_and_container_image_ids() {
    let cluster = start_arc();
    let run = Kubectl::new(&cluster)
        .run(&["get", "pod", "jumpstart-sql-0", "-n", "arc", "-o", "json"])
        .expect_code(0);
    let pod: Value = serde_json::from_str(&run.stdout).expect("pod json");
    assert_eq!(pod["kind"], "Pod");
    assert_eq!(pod["metadata"]["namespace"], "arc");
    assert_eq!(pod["spec"]["nodeName"], "node-1");
    assert_eq!(pod["status"]["phase"], "Running");
    let statuses = pod["status"]["containerStatuses"]
        .as_array()
        .expect("container statuses");
    let names: Vec<&str> = statuses
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["arc-sqlmi", "collectd", "fluentbit"]);
    let sqlmi = &statuses[0];
    assert!(
        sqlmi["imageID"]
            .as_str()
            .unwrap()
            .starts_with("127.0.0.1:5000/arcdata/arc-sqlmi@sha256:")
    );
    assert!(sqlmi["state"]["running"]["startedAt"].is_string());
    assert_eq!(pod["metadata"]["ownerReferences"][0]["kind"], "StatefulSet");
}

#[test]
fn get_statefulsets_and_all_namespaces_and_selectors() {
    let cluster = start_arc();
    let kubectl = Kubectl::new(&cluster);
    let sts = kubectl
        .run(&["get", "statefulset", "-n", "arc"])
        .expect_code(0);
    let rows = table_rows(&sts.stdout);
    assert_eq!(rows[0], ["NAME", "READY", "AGE"]);
    let sql = rows
        .iter()
        .find(|r| r[0] == "jumpstart-sql")
        .expect("jumpstart-sql row");
    assert_eq!(sql[1], "1/1");
    let json = kubectl
        .run(&["get", "sts", "jumpstart-sql", "-n", "arc", "-o", "json"])
        .expect_code(0);
    let obj: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(
        obj["spec"]["selector"]["matchLabels"]["app"],
        "jumpstart-sql"
    );
    assert_eq!(
        obj["spec"]["template"]["spec"]["containers"]
            .as_array()
            .unwrap()
            .len(),
        3
    );

    let all = kubectl
        .run(&["get", "pods", "-A", "-o", "name"])
        .expect_code(0);
    assert_eq!(all.stdout.lines().count(), ARC_PODS.len());
    let labelled = kubectl
        .run(&["get", "pods", "-n", "arc", "-l", "app=logsdb", "-o", "name"])
        .expect_code(0);
    assert_eq!(labelled.stdout.trim(), "pod/logsdb-0");
    let by_name = kubectl
        .run(&[
            "get",
            "pods",
            "-n",
            "arc",
            "--field-selector",
            "metadata.name=control",
            "-o",
            "name",
        ])
        .expect_code(0);
    assert_eq!(by_name.stdout.trim(), "pod/control");
    let nodes = kubectl.run(&["get", "nodes", "-o", "jsonpath={.items[0].status.nodeInfo.operatingSystem}/{.items[0].status.nodeInfo.architecture}"]).expect_code(0);
    assert_eq!(nodes.stdout, "linux/amd64");
    let deploy = kubectl
        .run(&[
            "get",
            "deploy,rs,ds,jobs,cronjobs",
            "-n",
            "arc",
            "-o",
            "name",
        ])
        .expect_code(0);
    assert!(
        deploy.stdout.contains("deployment.apps/bootstrapper"),
        "{}",
        deploy.stdout
    );
    assert!(
        deploy.stdout.contains("replicaset.apps/control"),
        "{}",
        deploy.stdout
    );
}

#[test]
fn missing_objects_are_404_status_errors() {
    let cluster = start_arc();
    let kubectl = Kubectl::new(&cluster);
    let run = kubectl
        .run(&["get", "pod", "nopod", "-n", "arc"])
        .expect_code(1);
    assert!(
        run.stderr
            .contains(r#"Error from server (NotFound): pods "nopod" not found"#),
        "{}",
        run.stderr
    );
    let run = kubectl
        .run(&["get", "statefulset", "nosts", "-n", "arc"])
        .expect_code(1);
    assert!(
        run.stderr
            .contains(r#"Error from server (NotFound): statefulsets.apps "nosts" not found"#),
        "{}",
        run.stderr
    );
}

#[test]
fn rbac_switch_forbids_secrets() {
    let cluster = start_yaml(
        "rbac: {forbidSecrets: true}\nsecrets:\n  - {namespace: arc, name: regcred, type: kubernetes.io/dockerconfigjson, stringData: {.dockerconfigjson: '{}'}}\n",
    );
    let run = Kubectl::new(&cluster)
        .run(&["get", "secret", "regcred", "-n", "arc"])
        .expect_code(1);
    assert!(
        run.stderr.contains(r#"Error from server (Forbidden): secrets "regcred" is forbidden: User "fake-user" cannot get resource "secrets" in API group "" in the namespace "arc""#),
        "{}",
        run.stderr
    );
}

#[test]
fn secrets_are_served_when_allowed() {
    let cluster = start_arc();
    let run = Kubectl::new(&cluster)
        .run(&[
            "get",
            "secret",
            "arc-regcred",
            "-n",
            "arc",
            "-o",
            "jsonpath={.type}",
        ])
        .expect_code(0);
    assert_eq!(run.stdout, "kubernetes.io/dockerconfigjson");
}

#[test]
fn a_wrong_token_is_unauthorized() {
    let cluster = start_arc();
    let bad = cluster.kubeconfig().replace(cluster.token(), "wrong-token");
    let kc = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(kc.path(), bad).unwrap();
    let run = Kubectl::with_kubeconfig(kc.path()).run(&["get", "pods", "-n", "arc"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("error: You must be logged in to the server (the server has asked for the client to provide credentials)"), "{}", run.stderr);
    assert!(cluster.requests().iter().all(|r| r.status == 401));
}

//! State Manager associations and Maintenance Windows of the simulated estate, through
//! the real AWS SDK client: paging, limits, validation errors, consistency with the
//! nodes' association status and compliance, and StartAssociationsOnce.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

use aws_sdk_ssm::types::{
    AssociationExecutionTargetsFilter, AssociationExecutionTargetsFilterKey, AssociationFilter,
    AssociationFilterKey, ComplianceQueryOperatorType, ComplianceStringFilter, InstanceInformation,
    MaintenanceWindowFilter,
};

mod common;
use common::{all_nodes, service_code, ssm, start};
use ssm_cockpit::sim::SimCredentials;

async fn associations(c: &aws_sdk_ssm::Client) -> Vec<aws_sdk_ssm::types::Association> {
    c.list_associations()
        .max_results(2)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .expect("associations")
}

/// Association id -> (instance id -> status) as DescribeInstanceAssociationsStatus says.
async fn statuses(
    c: &aws_sdk_ssm::Client,
    nodes: &[InstanceInformation],
) -> HashMap<String, HashMap<String, String>> {
    let mut out: HashMap<String, HashMap<String, String>> = HashMap::new();
    for n in nodes {
        let id = n.instance_id().unwrap_or_default();
        let infos = c
            .describe_instance_associations_status()
            .instance_id(id)
            .max_results(2)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .expect("instance associations");
        for i in infos {
            out.entry(i.association_id().unwrap_or_default().to_string())
                .or_default()
                .insert(id.to_string(), i.status().unwrap_or_default().to_string());
        }
    }
    out
}

fn node_counts(n: &InstanceInformation) -> BTreeMap<String, i32> {
    n.association_overview()
        .and_then(|o| o.instance_association_status_aggregated_count())
        .map(|m| m.iter().map(|(k, v)| (k.clone(), *v)).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn associations_page_and_agree_with_nodes_and_compliance() {
    let h = start(40, 1).await;
    let c = ssm(&h);
    let list = associations(&c).await;
    assert_eq!(list.len(), 5);
    let ids: HashSet<String> = list
        .iter()
        .filter_map(|a| a.association_id().map(str::to_string))
        .collect();
    assert_eq!(ids.len(), 5);
    for bad in [0, 51] {
        let e = c
            .list_associations()
            .max_results(bad)
            .send()
            .await
            .expect_err("limit");
        assert_eq!(service_code(&e), "ValidationException");
    }
    let e = c
        .list_associations()
        .next_token("bm90LWEtdG9rZW4")
        .send()
        .await
        .expect_err("token");
    assert_eq!(service_code(&e), "InvalidNextToken");
    let named = c
        .list_associations()
        .association_filter_list(
            AssociationFilter::builder()
                .key(AssociationFilterKey::AssociationName)
                .value("Patch-Scan-Daily")
                .build()
                .expect("filter"),
        )
        .send()
        .await
        .expect("filtered");
    assert_eq!(named.associations().len(), 1);
    assert_eq!(named.associations()[0].name(), Some("AWS-RunPatchBaseline"));

    // Every node's association status and counts agree with its associations.
    let all = all_nodes(&c).await;
    let per_assoc = statuses(&c, &all).await;
    assert!(per_assoc.keys().all(|k| ids.contains(k)));
    let mut with_status = 0;
    for n in &all {
        let id = n.instance_id().unwrap_or_default();
        let mine: Vec<&String> = per_assoc.values().filter_map(|m| m.get(id)).collect();
        let counts = node_counts(n);
        let total: i32 = counts.values().sum();
        assert_eq!(mine.len() as i32, total, "{id}");
        if let Some(status) = n.association_status() {
            with_status += 1;
            assert!(
                mine.iter().all(|s| *s == status),
                "{id}: {status} vs {mine:?}"
            );
        }
    }
    assert!(with_status > 20);
    // Each association's overview counts are its targets' statuses.
    for a in &list {
        let id = a.association_id().unwrap_or_default();
        let mut want: BTreeMap<String, i32> = BTreeMap::new();
        for s in per_assoc.get(id).into_iter().flat_map(|m| m.values()) {
            *want.entry(s.clone()).or_default() += 1;
        }
        let got: BTreeMap<String, i32> = a
            .overview()
            .and_then(|o| o.association_status_aggregated_count())
            .map(|m| m.iter().map(|(k, v)| (k.clone(), *v)).collect())
            .unwrap_or_default();
        assert_eq!(got, want, "{id}");
    }
    // Association compliance names the same associations, compliant when they succeed.
    let failed = all
        .iter()
        .find(|n| n.association_status() == Some("Failed"))
        .expect("a failing node");
    let items = c
        .list_compliance_items()
        .resource_ids(failed.instance_id().unwrap_or_default())
        .resource_types("ManagedInstance")
        .filters(
            ComplianceStringFilter::builder()
                .key("ComplianceType")
                .values("Association")
                .r#type(ComplianceQueryOperatorType::Equal)
                .build(),
        )
        .send()
        .await
        .expect("compliance items");
    assert!(!items.compliance_items().is_empty());
    for i in items.compliance_items() {
        assert!(ids.contains(i.id().unwrap_or_default()), "{:?}", i.id());
        assert_eq!(i.status().map(|s| s.as_str()), Some("NON_COMPLIANT"));
    }
    let e = c
        .describe_instance_associations_status()
        .instance_id("i-0123456789abcdef0")
        .send()
        .await
        .expect_err("unknown node");
    assert_eq!(service_code(&e), "InvalidInstanceId");
}

#[tokio::test]
async fn executions_drill_down_to_the_failing_nodes() {
    let h = start(40, 1).await;
    let c = ssm(&h);
    let list = associations(&c).await;
    let failing = list
        .iter()
        .find(|a| a.overview().and_then(|o| o.status()) == Some("Failed"))
        .expect("a failing association");
    let id = failing.association_id().unwrap_or_default();
    let execs = c
        .describe_association_executions()
        .association_id(id)
        .max_results(2)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .expect("executions");
    assert!(execs.len() >= 3);
    assert_eq!(execs[0].status(), Some("Failed"));
    let latest = execs[0].execution_id().unwrap_or_default();
    let failed_targets = c
        .describe_association_execution_targets()
        .association_id(id)
        .execution_id(latest)
        .filters(
            AssociationExecutionTargetsFilter::builder()
                .key(AssociationExecutionTargetsFilterKey::Status)
                .value("Failed")
                .build()
                .expect("filter"),
        )
        .max_results(1)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .expect("targets");
    let failed_ids: HashSet<String> = failed_targets
        .iter()
        .filter_map(|t| t.resource_id().map(str::to_string))
        .collect();
    let count = failing
        .overview()
        .and_then(|o| o.association_status_aggregated_count())
        .and_then(|m| m.get("Failed"))
        .copied()
        .unwrap_or(0);
    assert_eq!(failed_ids.len() as i32, count);
    for n in all_nodes(&c).await {
        let id = n.instance_id().unwrap_or_default();
        if failed_ids.contains(id) {
            assert_eq!(n.association_status(), Some("Failed"), "{id}");
        }
    }
    // Validation and missing resources.
    let e = c
        .describe_association_executions()
        .association_id("not-a-uuid")
        .send()
        .await
        .expect_err("pattern");
    assert_eq!(service_code(&e), "ValidationException");
    let e = c
        .describe_association_executions()
        .association_id("00000000-0000-4000-8000-000000000000")
        .send()
        .await
        .expect_err("missing");
    assert_eq!(service_code(&e), "AssociationDoesNotExist");
    let e = c
        .describe_association_execution_targets()
        .association_id(id)
        .execution_id("00000000-0000-4000-8000-000000000000")
        .send()
        .await
        .expect_err("missing execution");
    assert_eq!(service_code(&e), "AssociationExecutionDoesNotExist");
    let e = c
        .describe_association_executions()
        .association_id(id)
        .max_results(51)
        .send()
        .await
        .expect_err("limit");
    assert_eq!(service_code(&e), "ValidationException");
    let d = c
        .describe_association()
        .association_id(id)
        .send()
        .await
        .expect("describe");
    let d = d.association_description().expect("description");
    assert_eq!(d.association_id(), Some(id));
    assert!(d.schedule_expression().is_some());
}

#[tokio::test]
async fn start_associations_once_reruns_and_updates_statuses() {
    let h = start(40, 1).await;
    let c = ssm(&h);
    let list = associations(&c).await;
    let failing = list
        .iter()
        .find(|a| a.overview().and_then(|o| o.status()) == Some("Failed"))
        .expect("a failing association");
    let id = failing.association_id().unwrap_or_default().to_string();
    let before = c
        .describe_association_executions()
        .association_id(&id)
        .send()
        .await
        .expect("executions")
        .association_executions()
        .len();
    c.start_associations_once()
        .association_ids(&id)
        .send()
        .await
        .expect("start");
    let execs = c
        .describe_association_executions()
        .association_id(&id)
        .send()
        .await
        .expect("executions");
    let execs = execs.association_executions();
    assert_eq!(execs.len(), before + 1);
    assert!(matches!(execs[0].status(), Some("Pending" | "InProgress")));
    let run = execs[0].execution_id().unwrap_or_default().to_string();
    tokio::time::sleep(Duration::from_secs(7)).await;
    let execs = c
        .describe_association_executions()
        .association_id(&id)
        .send()
        .await
        .expect("executions");
    let newest = &execs.association_executions()[0];
    assert_eq!(newest.execution_id(), Some(run.as_str()));
    assert!(matches!(newest.status(), Some("Success" | "Failed")));
    let targets = c
        .describe_association_execution_targets()
        .association_id(&id)
        .execution_id(&run)
        .send()
        .await
        .expect("targets");
    assert!(!targets.association_execution_targets().is_empty());
    // The run's outcome is what the nodes and their association statuses now report.
    let all = all_nodes(&c).await;
    for t in targets.association_execution_targets() {
        let node = t.resource_id().unwrap_or_default();
        let infos = c
            .describe_instance_associations_status()
            .instance_id(node)
            .send()
            .await
            .expect("instance status");
        let mine = infos
            .instance_association_status_infos()
            .iter()
            .find(|i| i.association_id() == Some(id.as_str()))
            .expect("the association on the node");
        assert_eq!(mine.status(), t.status(), "{node}");
        let n = all
            .iter()
            .find(|n| n.instance_id() == Some(node))
            .expect("node");
        let counts = node_counts(n);
        assert!(
            counts.contains_key(t.status().unwrap_or_default()),
            "{node}: {counts:?}"
        );
    }
    // Filtering on the association status sees the same statuses.
    for status in ["Success", "Failed", "Pending"] {
        let filtered = c
            .describe_instance_information()
            .filters(
                aws_sdk_ssm::types::InstanceInformationStringFilter::builder()
                    .key("AssociationStatus")
                    .values(status)
                    .build()
                    .expect("filter"),
            )
            .max_results(50)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .expect("filtered nodes");
        assert!(
            filtered
                .iter()
                .all(|n| n.association_status() == Some(status))
        );
        let want = all
            .iter()
            .filter(|n| n.association_status() == Some(status))
            .count();
        assert_eq!(filtered.len(), want, "{status}");
    }
    // Validation.
    let e = c
        .start_associations_once()
        .set_association_ids(Some(Vec::new()))
        .send()
        .await
        .expect_err("empty");
    assert_eq!(service_code(&e), "ValidationException");
    let e = c
        .start_associations_once()
        .set_association_ids(Some(vec![id.clone(); 11]))
        .send()
        .await
        .expect_err("too many");
    assert_eq!(service_code(&e), "ValidationException");
    let e = c
        .start_associations_once()
        .association_ids("00000000-0000-4000-8000-000000000000")
        .send()
        .await
        .expect_err("missing");
    assert_eq!(service_code(&e), "AssociationDoesNotExist");
}

fn window_filter(key: &str, values: &[&str]) -> MaintenanceWindowFilter {
    let mut b = MaintenanceWindowFilter::builder().key(key);
    for v in values {
        b = b.values(*v);
    }
    b.build()
}

#[tokio::test]
async fn maintenance_windows_schedules_tasks_and_history() {
    let h = start(40, 1).await;
    let c = ssm(&h);
    let windows = c
        .describe_maintenance_windows()
        .max_results(10)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .expect("windows");
    assert!(windows.len() >= 5, "{}", windows.len());
    for bad in [9, 101] {
        let e = c
            .describe_maintenance_windows()
            .max_results(bad)
            .send()
            .await
            .expect_err("limit");
        assert_eq!(service_code(&e), "ValidationException");
    }
    let disabled = c
        .describe_maintenance_windows()
        .filters(window_filter("Enabled", &["false"]))
        .send()
        .await
        .expect("disabled");
    assert_eq!(disabled.window_identities().len(), 1);
    assert!(
        disabled.window_identities()[0]
            .next_execution_time()
            .is_none()
    );
    let e = c
        .describe_maintenance_windows()
        .filters(window_filter("Enabled", &["maybe"]))
        .send()
        .await
        .expect_err("bad value");
    assert_eq!(service_code(&e), "ValidationException");
    let first = &windows[0];
    let by_name = c
        .describe_maintenance_windows()
        .filters(window_filter("Name", &[first.name().unwrap_or_default()]))
        .send()
        .await
        .expect("by name");
    assert_eq!(by_name.window_identities().len(), 1);

    // The schedule pages, and its first run is the window's next execution.
    let refresh = windows
        .iter()
        .find(|w| w.schedule().is_some_and(|s| s.starts_with("rate(")))
        .expect("a rate window");
    let wid = refresh.window_id().unwrap_or_default();
    let runs = c
        .describe_maintenance_window_schedule()
        .window_id(wid)
        .max_results(5)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .expect("schedule");
    assert!(runs.len() > 10, "{}", runs.len());
    assert_eq!(runs[0].execution_time(), refresh.next_execution_time());
    let e = c
        .describe_maintenance_window_schedule()
        .window_id(wid)
        .max_results(101)
        .send()
        .await
        .expect_err("limit");
    assert_eq!(service_code(&e), "ValidationException");

    let e = c
        .get_maintenance_window()
        .window_id("mw-123")
        .send()
        .await
        .expect_err("pattern");
    assert_eq!(service_code(&e), "ValidationException");
    let e = c
        .get_maintenance_window()
        .window_id("mw-0123456789abcdef0")
        .send()
        .await
        .expect_err("missing");
    assert_eq!(service_code(&e), "DoesNotExistException");

    // A patching window: targets, tasks in priority order, a failed execution.
    let patch = windows
        .iter()
        .find(|w| w.name().is_some_and(|n| n.contains("linux-patch-wave1")))
        .expect("a patch window");
    let pid = patch.window_id().unwrap_or_default();
    let got = c
        .get_maintenance_window()
        .window_id(pid)
        .send()
        .await
        .expect("get");
    assert_eq!(got.duration(), patch.duration());
    assert!(got.schedule_timezone().is_some());
    let targets = c
        .describe_maintenance_window_targets()
        .window_id(pid)
        .send()
        .await
        .expect("targets");
    assert!(!targets.targets().is_empty());
    let tasks = c
        .describe_maintenance_window_tasks()
        .window_id(pid)
        .send()
        .await
        .expect("tasks");
    let prios: Vec<i32> = tasks.tasks().iter().map(|t| t.priority()).collect();
    let mut sorted = prios.clone();
    sorted.sort();
    assert_eq!(prios, sorted);
    assert!(prios.len() >= 2);
    let e = c
        .describe_maintenance_window_tasks()
        .window_id(pid)
        .max_results(9)
        .send()
        .await
        .expect_err("limit");
    assert_eq!(service_code(&e), "ValidationException");
    let execs = c
        .describe_maintenance_window_executions()
        .window_id(pid)
        .send()
        .await
        .expect("executions");
    let failed = execs
        .window_executions()
        .iter()
        .find(|e| e.status().map(|s| s.as_str()) == Some("FAILED"))
        .expect("a failed execution");
    let xid = failed.window_execution_id().unwrap_or_default();
    let runs = c
        .describe_maintenance_window_execution_tasks()
        .window_execution_id(xid)
        .send()
        .await
        .expect("task runs");
    let bad = runs
        .window_execution_task_identities()
        .iter()
        .find(|t| t.status().map(|s| s.as_str()) == Some("FAILED"))
        .expect("a failed task");
    let invocations = c
        .describe_maintenance_window_execution_task_invocations()
        .window_execution_id(xid)
        .task_id(bad.task_execution_id().unwrap_or_default())
        .max_results(10)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .expect("invocations");
    assert!(
        invocations
            .iter()
            .any(|i| i.status().map(|s| s.as_str()) == Some("FAILED"))
    );
    let e = c
        .describe_maintenance_window_execution_tasks()
        .window_execution_id("nope")
        .send()
        .await
        .expect_err("pattern");
    assert_eq!(service_code(&e), "ValidationException");
    let e = c
        .describe_maintenance_window_execution_tasks()
        .window_execution_id("00000000-0000-4000-8000-000000000000")
        .send()
        .await
        .expect_err("missing");
    assert_eq!(service_code(&e), "DoesNotExistException");
}

/// `ssm-cockpit export associations|windows`, run as a user would.
fn export(sim: &(String, SimCredentials), args: &[&str]) -> (Vec<u8>, String) {
    let out = common::cockpit_cmd(&sim.0, "us-east-1,eu-west-1", &sim.1, args)
        .env("XDG_CONFIG_HOME", "/nonexistent/ssm-cockpit-test-xdg")
        .output()
        .expect("run the cockpit");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    (out.stdout, stderr)
}

#[tokio::test(flavor = "multi_thread")]
async fn export_associations_and_windows_as_json_and_csv() {
    let h = start(6, 2).await;
    let ep = (h.endpoint().to_string(), h.credentials().clone());
    let (json, stderr) = tokio::task::spawn_blocking({
        let ep = ep.clone();
        move || export(&ep, &["export", "associations"])
    })
    .await
    .expect("export");
    assert!(stderr.contains("associations from 4 scopes"), "{stderr}");
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&json).expect("json");
    assert_eq!(rows.len(), 4 * 5);
    for r in &rows {
        assert!(
            r["account_id"].is_string() && r["region"].is_string(),
            "{r}"
        );
        let sum = r["success"].as_u64().unwrap_or(0)
            + r["failed"].as_u64().unwrap_or(0)
            + r["pending"].as_u64().unwrap_or(0);
        assert_eq!(r["nodes"].as_u64(), Some(sum), "{r}");
    }
    let (csv, _) = tokio::task::spawn_blocking({
        let ep = ep.clone();
        move || export(&ep, &["export", "associations", "--format", "csv"])
    })
    .await
    .expect("export");
    let csv = String::from_utf8(csv).expect("utf8");
    assert!(csv.starts_with("account_id,account_name,region,association_id,name,document,"));
    assert_eq!(csv.lines().count(), 1 + 4 * 5);

    let (json, _) = tokio::task::spawn_blocking({
        let ep = ep.clone();
        move || export(&ep, &["export", "windows"])
    })
    .await
    .expect("export");
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&json).expect("json");
    assert!(rows.len() >= 4 * 4, "{}", rows.len());
    assert!(rows.iter().any(|r| r["enabled"] == false));
    assert!(
        rows.iter()
            .filter(|r| r["enabled"] == true)
            .all(|r| r["next_execution"].is_string() && r["upcoming"].is_array())
    );
    let (csv, _) =
        tokio::task::spawn_blocking(move || export(&ep, &["export", "windows", "--format", "csv"]))
            .await
            .expect("export");
    let csv = String::from_utf8(csv).expect("utf8");
    assert!(csv.starts_with("account_id,account_name,region,window_id,name,"));
}

/// Apply now through the actions' executor: the change calendar gate, the call and the
/// audit log, then the new execution in the sim.
#[tokio::test(flavor = "multi_thread")]
async fn apply_now_goes_through_the_executor_and_is_audited() {
    use ssm_cockpit::actions::audit::read_log;
    use ssm_cockpit::actions::{ActionRequest, AssociationsOnceSpec, AuditLog, Executor, Gate};
    use ssm_cockpit::aws::{WriteAccess, discover};
    use ssm_cockpit::config::{AccountsConfig, ActionsConfig, DEFAULT_ROLE};

    let h = start(20, 1).await;
    let conn = common::connect_mgmt(&h, &["us-east-1"]).await;
    let dir = std::env::temp_dir().join(format!("ssm-cockpit-sm-apply-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let audit = dir.join("audit.jsonl");
    let exec = Executor::new(
        conn.clone(),
        WriteAccess::unless_read_only(false, false).expect("operator mode"),
        DEFAULT_ROLE,
        Gate::new(ActionsConfig::default()),
        AuditLog::open(&audit).expect("audit log opens"),
    );
    let scope = discover(&conn, &AccountsConfig::default())
        .await
        .expect("discovers")
        .scopes
        .remove(0);
    let c = ssm(&h);
    let list = associations(&c).await;
    let id = list[0].association_id().unwrap_or_default().to_string();
    let before = c
        .describe_association_executions()
        .association_id(&id)
        .send()
        .await
        .expect("executions")
        .association_executions()
        .len();
    let request = ActionRequest::StartAssociationsOnce(AssociationsOnceSpec {
        scope,
        association_ids: vec![id.clone()],
    });
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let ok = exec.run(1, &request, None, &tx).await;
    drop(tx);
    while rx.recv().await.is_some() {}
    assert!(ok);
    let after = c
        .describe_association_executions()
        .association_id(&id)
        .send()
        .await
        .expect("executions")
        .association_executions()
        .len();
    assert_eq!(after, before + 1);
    let log = read_log(&audit).expect("audit log");
    assert_eq!(log.entries.len(), 2);
    assert!(
        log.entries
            .iter()
            .all(|e| e.action == "StartAssociationsOnce")
    );
    assert!(log.entries[0].request.to_string().contains(&id));
}

//! OpsCenter, Explorer, Compliance, Inventory and Patch operations of the simulated
//! estate, exercised through the real AWS SDK client.

use std::collections::{BTreeMap, HashSet};

use aws_sdk_ssm::types::{
    ComplianceExecutionSummary, ComplianceItemEntry, ComplianceQueryOperatorType,
    ComplianceSeverity, ComplianceStatus, ComplianceStringFilter, InventoryAggregator,
    InventoryFilter, InventoryItem, InventoryQueryOperatorType, OpsAggregator, OpsFilter,
    OpsItemEventFilter, OpsItemEventFilterKey, OpsItemEventFilterOperator, OpsItemFilter,
    OpsItemFilterKey, OpsItemFilterOperator, OpsItemStatus, OpsItemSummary, OpsResultAttribute,
    PatchOrchestratorFilter, ResultAttribute,
};

mod common;
use common::{all_nodes, code, ssm, start};

fn ops_filter(key: &str, op: OpsItemFilterOperator, values: &[&str]) -> OpsItemFilter {
    let mut b = OpsItemFilter::builder()
        .key(OpsItemFilterKey::from(key))
        .operator(op);
    for v in values {
        b = b.values(*v);
    }
    b.build().expect("filter")
}

async fn ops_items(c: &aws_sdk_ssm::Client, filters: Vec<OpsItemFilter>) -> Vec<OpsItemSummary> {
    c.describe_ops_items()
        .set_ops_item_filters(Some(filters))
        .max_results(3)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .expect("describe ops items")
}

async fn node_ids(c: &aws_sdk_ssm::Client) -> Vec<String> {
    all_nodes(c)
        .await
        .iter()
        .filter_map(|n| n.instance_id().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn ops_items_page_filter_and_update() {
    let h = start(80, 1).await;
    let c = ssm(&h);
    let all = ops_items(&c, Vec::new()).await;
    assert!(all.len() >= 10, "{} items", all.len());
    let ids: HashSet<&str> = all.iter().filter_map(|i| i.ops_item_id()).collect();
    assert_eq!(ids.len(), all.len(), "every item exactly once");
    for i in &all {
        let resources = i
            .operational_data()
            .and_then(|d| d.get("/aws/resources"))
            .and_then(|v| v.value())
            .expect("resources");
        assert!(resources.contains("arn:aws:"));
        assert!(
            i.operational_data()
                .is_some_and(|d| d.contains_key("/aws/automations"))
        );
    }

    // Each filter gives exactly the items of the raw list that match.
    let check = |name: &str, got: &[OpsItemSummary], want: &dyn Fn(&OpsItemSummary) -> bool| {
        let mut g: Vec<&str> = got.iter().filter_map(|i| i.ops_item_id()).collect();
        let mut w: Vec<&str> = all
            .iter()
            .filter(|i| want(i))
            .filter_map(|i| i.ops_item_id())
            .collect();
        g.sort();
        w.sort();
        assert_eq!(g, w, "filter {name}");
    };
    use OpsItemFilterOperator as Op;
    let got = ops_items(&c, vec![ops_filter("Status", Op::Equal, &["Open"])]).await;
    assert!(!got.is_empty());
    check("Status", &got, &|i| {
        i.status() == Some(&OpsItemStatus::Open)
    });
    let got = ops_items(&c, vec![ops_filter("Severity", Op::Equal, &["1", "2"])]).await;
    check("Severity", &got, &|i| {
        matches!(i.severity(), Some("1" | "2"))
    });
    let got = ops_items(&c, vec![ops_filter("Priority", Op::Equal, &["3"])]).await;
    check("Priority", &got, &|i| i.priority() == Some(3));
    let got = ops_items(&c, vec![ops_filter("Source", Op::Contains, &["Cloud"])]).await;
    check("Source Contains", &got, &|i| {
        i.source().is_some_and(|s| s.contains("Cloud"))
    });
    let got = ops_items(&c, vec![ops_filter("Source", Op::Equal, &["EC2"])]).await;
    check("Source Equal", &got, &|i| i.source() == Some("EC2"));
    let got = ops_items(
        &c,
        vec![ops_filter("Category", Op::Equal, &["Performance"])],
    )
    .await;
    check("Category", &got, &|i| i.category() == Some("Performance"));
    let got = ops_items(
        &c,
        vec![ops_filter("Title", Op::Contains, &["CloudWatch alarm"])],
    )
    .await;
    check("Title", &got, &|i| {
        i.title().is_some_and(|t| t.contains("CloudWatch alarm"))
    });
    let first = all[0].ops_item_id().expect("id");
    let got = ops_items(&c, vec![ops_filter("OpsItemId", Op::Equal, &[first])]).await;
    check("OpsItemId", &got, &|i| i.ops_item_id() == Some(first));
    let node = node_ids(&c).await.into_iter().find(|id| {
        all.iter().any(|i| {
            i.operational_data()
                .and_then(|d| d.get("/aws/resources"))
                .and_then(|v| v.value())
                .is_some_and(|v| v.contains(id.as_str()))
        })
    });
    let node = node.expect("an item points at a real node");
    let got = ops_items(&c, vec![ops_filter("ResourceId", Op::Contains, &[&node])]).await;
    assert!(!got.is_empty());
    check("ResourceId", &got, &|i| {
        i.operational_data()
            .and_then(|d| d.get("/aws/resources"))
            .and_then(|v| v.value())
            .is_some_and(|v| v.contains(node.as_str()))
    });
    let mut times: Vec<f64> = all
        .iter()
        .filter_map(|i| i.created_time().map(|t| t.as_secs_f64()))
        .collect();
    times.sort_by(f64::total_cmp);
    let mid = times[times.len() / 2];
    let mid_text = chrono::DateTime::from_timestamp(mid as i64, 0)
        .expect("time")
        .to_rfc3339();
    let got = ops_items(
        &c,
        vec![ops_filter("CreatedTime", Op::GreaterThan, &[&mid_text])],
    )
    .await;
    check("CreatedTime GreaterThan", &got, &|i| {
        i.created_time()
            .is_some_and(|t| t.as_secs_f64() > mid.floor())
    });
    let got = ops_items(
        &c,
        vec![ops_filter("LastModifiedTime", Op::LessThan, &[&mid_text])],
    )
    .await;
    check("LastModifiedTime LessThan", &got, &|i| {
        i.last_modified_time()
            .is_some_and(|t| t.as_secs_f64() < mid.floor())
    });
    // Two filters are ANDed.
    let got = ops_items(
        &c,
        vec![
            ops_filter("Status", Op::Equal, &["Open", "InProgress"]),
            ops_filter("Source", Op::Equal, &["SSM"]),
        ],
    )
    .await;
    check("Status+Source", &got, &|i| {
        i.source() == Some("SSM")
            && matches!(
                i.status(),
                Some(OpsItemStatus::Open | OpsItemStatus::InProgress)
            )
    });

    // Validation.
    let err = c
        .describe_ops_items()
        .max_results(51)
        .send()
        .await
        .expect_err("51");
    assert_eq!(code(&err.into_service_error()), "ValidationException");
    let err = c
        .describe_ops_items()
        .max_results(0)
        .send()
        .await
        .expect_err("0");
    assert_eq!(code(&err.into_service_error()), "ValidationException");
    let err = c
        .describe_ops_items()
        .ops_item_filters(ops_filter("Status", Op::Contains, &["Open"]))
        .send()
        .await
        .expect_err("operator not allowed for Status");
    assert_eq!(code(&err.into_service_error()), "ValidationException");
    let err = c
        .describe_ops_items()
        .ops_item_filters(ops_filter("Colour", Op::Equal, &["red"]))
        .send()
        .await
        .expect_err("unknown key");
    assert_eq!(code(&err.into_service_error()), "ValidationException");
    let err = c
        .describe_ops_items()
        .next_token("garbage")
        .send()
        .await
        .expect_err("token");
    assert_eq!(code(&err.into_service_error()), "InvalidNextToken");
    let page = c
        .describe_ops_items()
        .max_results(2)
        .send()
        .await
        .expect("page");
    let token = page.next_token().expect("more").to_string();
    let err = c
        .describe_ops_items()
        .ops_item_filters(ops_filter("Status", Op::Equal, &["Open"]))
        .next_token(token)
        .send()
        .await
        .expect_err("token of another query");
    assert_eq!(code(&err.into_service_error()), "InvalidNextToken");

    // Updates persist and show in Get and Describe.
    let before = c
        .get_ops_item()
        .ops_item_id(first)
        .send()
        .await
        .expect("get");
    let version = before
        .ops_item()
        .and_then(|i| i.version())
        .expect("version")
        .to_string();
    c.update_ops_item()
        .ops_item_id(first)
        .status(OpsItemStatus::Resolved)
        .title("Handled by the night shift")
        .priority(1)
        .send()
        .await
        .expect("update");
    let after = c
        .get_ops_item()
        .ops_item_id(first)
        .send()
        .await
        .expect("get");
    let item = after.ops_item().expect("item");
    assert_eq!(item.status(), Some(&OpsItemStatus::Resolved));
    assert_eq!(item.title(), Some("Handled by the night shift"));
    assert_eq!(item.priority(), Some(1));
    assert_ne!(item.version(), Some(version.as_str()));
    let got = ops_items(&c, vec![ops_filter("OpsItemId", Op::Equal, &[first])]).await;
    assert_eq!(got[0].status(), Some(&OpsItemStatus::Resolved));
    let err = c
        .update_ops_item()
        .ops_item_id("oi-000000000000")
        .status(OpsItemStatus::Resolved)
        .send()
        .await
        .expect_err("unknown");
    assert_eq!(code(&err.into_service_error()), "OpsItemNotFoundException");
    let err = c
        .update_ops_item()
        .ops_item_id(first)
        .priority(9)
        .send()
        .await
        .expect_err("priority 9");
    assert_eq!(code(&err.into_service_error()), "ValidationException");
    let err = c
        .get_ops_item()
        .ops_item_id("bad-id")
        .send()
        .await
        .expect_err("pattern");
    assert_eq!(code(&err.into_service_error()), "ValidationException");

    // Create, then find it.
    let created = c
        .create_ops_item()
        .title("Disk full on build agent")
        .description("Root volume at 99%")
        .source("EC2")
        .severity("2")
        .send()
        .await
        .expect("create");
    let new_id = created.ops_item_id().expect("id").to_string();
    assert!(created.ops_item_arn().is_some_and(|a| a.ends_with(&new_id)));
    let got = c
        .get_ops_item()
        .ops_item_id(&new_id)
        .send()
        .await
        .expect("get new");
    assert_eq!(
        got.ops_item().and_then(|i| i.title()),
        Some("Disk full on build agent")
    );
    assert_eq!(ops_items(&c, Vec::new()).await.len(), all.len() + 1);
    let err = c
        .create_ops_item()
        .title("x")
        .source("EC2")
        .send()
        .await
        .expect_err("no description");
    assert_eq!(code(&err.into_service_error()), "ValidationException");

    // Events and related items.
    let events = c
        .list_ops_item_events()
        .filters(
            OpsItemEventFilter::builder()
                .key(OpsItemEventFilterKey::OpsitemId)
                .operator(OpsItemEventFilterOperator::Equal)
                .values(first)
                .build()
                .expect("filter"),
        )
        .send()
        .await
        .expect("events");
    assert!(!events.summaries().is_empty());
    assert!(
        events
            .summaries()
            .iter()
            .all(|e| e.ops_item_id() == Some(first))
    );
    let all_events: Vec<_> = c
        .list_ops_item_events()
        .max_results(4)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .expect("all events");
    let keys: HashSet<(String, String)> = all_events
        .iter()
        .map(|e| {
            (
                e.ops_item_id().unwrap_or("").into(),
                e.event_id().unwrap_or("").into(),
            )
        })
        .collect();
    assert_eq!(keys.len(), all_events.len());
    let related: Vec<_> = c
        .list_ops_item_related_items()
        .max_results(2)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .expect("related");
    assert!(
        related
            .iter()
            .all(|r| r.resource_type() == Some("AWS::SSM::Document"))
    );
}

fn ops_agg(type_name: &str, attr: &str) -> aws_sdk_ssm::types::builders::OpsAggregatorBuilder {
    OpsAggregator::builder()
        .aggregator_type("count")
        .type_name(type_name)
        .attribute_name(attr)
}

fn counts(
    out: &aws_sdk_ssm::operation::get_ops_summary::GetOpsSummaryOutput,
    t: &str,
) -> Vec<BTreeMap<String, String>> {
    out.entities()
        .iter()
        .flat_map(|e| {
            e.data()
                .and_then(|d| d.get(t))
                .map(|i| i.content().to_vec())
                .unwrap_or_default()
        })
        .map(|m| m.into_iter().collect())
        .collect()
}

#[tokio::test]
async fn explorer_aggregates_and_spans_the_organization() {
    let h = start(20, 3).await;
    let c = ssm(&h);
    let all = ops_items(&c, Vec::new()).await;

    let out = c
        .get_ops_summary()
        .aggregators(ops_agg("AWS:OpsItem", "Status").build())
        .send()
        .await
        .expect("summary");
    let rows = counts(&out, "AWS:OpsItem");
    let mut raw: BTreeMap<String, u64> = BTreeMap::new();
    for i in &all {
        *raw.entry(
            i.status()
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
        )
        .or_default() += 1;
    }
    let got: BTreeMap<String, u64> = rows
        .iter()
        .map(|r| (r["Status"].clone(), r["Count"].parse().expect("count")))
        .collect();
    assert_eq!(got, raw);

    // Nested: Status then Severity; counts add up per status.
    let out = c
        .get_ops_summary()
        .aggregators(
            ops_agg("AWS:OpsItem", "Status")
                .aggregators(ops_agg("AWS:OpsItem", "Severity").build())
                .build(),
        )
        .send()
        .await
        .expect("nested");
    let rows = counts(&out, "AWS:OpsItem");
    for (status, n) in &raw {
        let sum: u64 = rows
            .iter()
            .filter(|r| &r["Status"] == status)
            .map(|r| r["Count"].parse::<u64>().expect("count"))
            .sum();
        assert_eq!(sum, *n, "status {status}");
        let exact = all
            .iter()
            .filter(|i| {
                i.status().map(|s| s.as_str()) == Some(status.as_str()) && i.severity() == Some("3")
            })
            .count() as u64;
        let row = rows
            .iter()
            .find(|r| &r["Status"] == status && r["Severity"] == "3");
        assert_eq!(
            row.map(|r| r["Count"].parse::<u64>().expect("n"))
                .unwrap_or(0),
            exact
        );
    }

    // Filters apply before counting.
    let out = c
        .get_ops_summary()
        .filters(
            OpsFilter::builder()
                .key("AWS:OpsItem.Source")
                .values("SSM")
                .build()
                .expect("f"),
        )
        .aggregators(ops_agg("AWS:OpsItem", "Source").build())
        .send()
        .await
        .expect("filtered");
    let rows = counts(&out, "AWS:OpsItem");
    let ssm_items = all.iter().filter(|i| i.source() == Some("SSM")).count();
    assert!(rows.iter().all(|r| r["Source"] == "SSM"));
    assert_eq!(
        rows.iter()
            .map(|r| r["Count"].parse::<usize>().expect("n"))
            .sum::<usize>(),
        ssm_items
    );

    // The organization sync spans every account and region.
    let syncs = c.list_resource_data_sync().send().await.expect("syncs");
    let sync = &syncs.resource_data_sync_items()[0];
    assert_eq!(sync.sync_name(), Some("org-explorer-sync"));
    assert_eq!(sync.sync_type(), Some("SyncFromSource"));
    let out = c
        .get_ops_summary()
        .sync_name("org-explorer-sync")
        .aggregators(
            ops_agg("AWS:InstanceInformation", "AccountId")
                .aggregators(ops_agg("AWS:InstanceInformation", "Region").build())
                .build(),
        )
        .send()
        .await
        .expect("org summary");
    let rows = counts(&out, "AWS:InstanceInformation");
    assert_eq!(rows.len(), 3 * 2, "every account and region");
    assert!(rows.iter().all(|r| r["Count"] == "20"));
    let accounts: HashSet<&str> = rows.iter().map(|r| r["AccountId"].as_str()).collect();
    let expected: HashSet<String> = h.accounts().into_iter().map(|(id, _)| id).collect();
    assert_eq!(accounts, expected.iter().map(String::as_str).collect());
    let local = c
        .get_ops_summary()
        .aggregators(ops_agg("AWS:InstanceInformation", "AccountId").build())
        .send()
        .await
        .expect("local");
    assert_eq!(counts(&local, "AWS:InstanceInformation").len(), 1);
    let err = c
        .get_ops_summary()
        .sync_name("nope")
        .send()
        .await
        .expect_err("sync");
    assert_eq!(
        code(&err.into_service_error()),
        "ResourceDataSyncNotFoundException"
    );

    // Compliance resource summaries in Explorer agree with ListComplianceSummaries.
    let out = c
        .get_ops_summary()
        .aggregators(
            ops_agg("AWS:ComplianceResourceSummary", "ComplianceType")
                .aggregators(ops_agg("AWS:ComplianceResourceSummary", "Status").build())
                .build(),
        )
        .send()
        .await
        .expect("compliance summary");
    let rows = counts(&out, "AWS:ComplianceResourceSummary");
    let summaries = c
        .list_compliance_summaries()
        .send()
        .await
        .expect("summaries");
    for s in summaries.compliance_summary_items() {
        let t = s.compliance_type().expect("type");
        let nc = rows
            .iter()
            .find(|r| r["ComplianceType"] == t && r["Status"] == "NON_COMPLIANT")
            .map(|r| r["Count"].parse::<i32>().expect("n"))
            .unwrap_or(0);
        assert_eq!(
            Some(nc),
            s.non_compliant_summary().map(|n| n.non_compliant_count()),
            "{t}"
        );
    }

    // Entity paging over EC2 instances: every EC2 node of the scope once.
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let out = c
            .get_ops_summary()
            .result_attributes(
                OpsResultAttribute::builder()
                    .type_name("AWS:EC2InstanceInformation")
                    .build()
                    .expect("a"),
            )
            .max_results(7)
            .set_next_token(token.take())
            .send()
            .await
            .expect("page");
        seen.extend(
            out.entities()
                .iter()
                .filter_map(|e| e.id().map(str::to_string)),
        );
        match out.next_token() {
            Some(t) => token = Some(t.to_string()),
            None => break,
        }
    }
    let mut ec2: Vec<String> = node_ids(&c)
        .await
        .into_iter()
        .filter(|i| i.starts_with("i-"))
        .collect();
    ec2.sort();
    seen.sort();
    assert_eq!(seen, ec2);

    let err = c
        .get_ops_summary()
        .max_results(51)
        .send()
        .await
        .expect_err("51");
    assert_eq!(code(&err.into_service_error()), "ValidationException");
    let err = c
        .get_ops_summary()
        .aggregators(ops_agg("AWS:Banana", "Status").build())
        .send()
        .await
        .expect_err("type");
    assert_eq!(code(&err.into_service_error()), "InvalidTypeNameException");
    let err = c
        .get_ops_summary()
        .aggregators(
            ops_agg("AWS:OpsItem", "Status")
                .aggregator_type("range")
                .build(),
        )
        .send()
        .await
        .expect_err("range");
    assert_eq!(
        code(&err.into_service_error()),
        "InvalidAggregatorException"
    );
    let err = c
        .get_ops_summary()
        .next_token("bad")
        .send()
        .await
        .expect_err("token");
    assert_eq!(code(&err.into_service_error()), "InvalidNextToken");
}

fn cfilter(key: &str, v: &str) -> ComplianceStringFilter {
    ComplianceStringFilter::builder()
        .key(key)
        .values(v)
        .r#type(ComplianceQueryOperatorType::Equal)
        .build()
}

#[tokio::test]
async fn compliance_follows_patches_and_puts() {
    let h = start(40, 1).await;
    let c = ssm(&h);
    let ids = node_ids(&c).await;
    let resources: Vec<_> = c
        .list_resource_compliance_summaries()
        .max_results(7)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .expect("resource summaries");
    let keys: HashSet<(String, String)> = resources
        .iter()
        .map(|r| {
            (
                r.resource_id().unwrap_or("").into(),
                r.compliance_type().unwrap_or("").into(),
            )
        })
        .collect();
    assert_eq!(keys.len(), resources.len(), "every summary once");
    for id in &ids {
        assert!(
            keys.contains(&(id.clone(), "Patch".to_string())),
            "{id} has a Patch summary"
        );
    }
    let patch_nc = resources
        .iter()
        .filter(|r| {
            r.compliance_type() == Some("Patch")
                && r.status() == Some(&ComplianceStatus::NonCompliant)
        })
        .count() as i32;
    assert!(patch_nc > 0);

    let summaries = c
        .list_compliance_summaries()
        .send()
        .await
        .expect("summaries");
    let patch = summaries
        .compliance_summary_items()
        .iter()
        .find(|s| s.compliance_type() == Some("Patch"))
        .expect("patch");
    assert_eq!(
        patch
            .non_compliant_summary()
            .map(|s| s.non_compliant_count()),
        Some(patch_nc)
    );
    assert_eq!(
        patch.compliant_summary().map(|s| s.compliant_count()),
        Some(ids.len() as i32 - patch_nc)
    );
    let only_assoc = c
        .list_resource_compliance_summaries()
        .filters(cfilter("ComplianceType", "Association"))
        .max_results(50)
        .send()
        .await
        .expect("filtered");
    assert!(
        only_assoc
            .resource_compliance_summary_items()
            .iter()
            .all(|r| r.compliance_type() == Some("Association"))
    );

    // Patch states agree with the Patch compliance type.
    let states = c
        .describe_instance_patch_states()
        .set_instance_ids(Some(ids.clone()))
        .max_results(10)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .expect("patch states");
    assert_eq!(states.len(), ids.len());
    for s in &states {
        let nc = s.missing_count() + s.failed_count() > 0;
        let summary = resources
            .iter()
            .find(|r| {
                r.resource_id() == Some(s.instance_id()) && r.compliance_type() == Some("Patch")
            })
            .expect("summary");
        assert_eq!(
            nc,
            summary.status() == Some(&ComplianceStatus::NonCompliant),
            "{}",
            s.instance_id()
        );
    }
    let worst = states
        .iter()
        .max_by_key(|s| s.missing_count())
        .expect("a node");
    let patches: Vec<_> = c
        .describe_instance_patches()
        .instance_id(worst.instance_id())
        .max_results(10)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .expect("patches");
    let total = worst.installed_count()
        + worst.installed_other_count()
        + worst.installed_pending_reboot_count().unwrap_or(0)
        + worst.missing_count()
        + worst.failed_count();
    assert_eq!(patches.len() as i32, total);
    let missing = c
        .describe_instance_patches()
        .instance_id(worst.instance_id())
        .filters(
            PatchOrchestratorFilter::builder()
                .key("State")
                .values("Missing")
                .build(),
        )
        .max_results(100)
        .send()
        .await
        .expect("missing");
    assert_eq!(missing.patches().len() as i32, worst.missing_count());
    let items = c
        .list_compliance_items()
        .resource_ids(worst.instance_id())
        .resource_types("ManagedInstance")
        .filters(cfilter("ComplianceType", "Patch"))
        .filters(cfilter("Status", "NON_COMPLIANT"))
        .max_results(50)
        .send()
        .await
        .expect("items");
    assert_eq!(
        items.compliance_items().len() as i32,
        worst.missing_count() + worst.failed_count()
    );

    // Patch groups map to baselines that DescribePatchBaselines lists.
    let groups = c.describe_patch_groups().send().await.expect("groups");
    let baselines = c
        .describe_patch_baselines()
        .send()
        .await
        .expect("baselines");
    let baseline_ids: HashSet<&str> = baselines
        .baseline_identities()
        .iter()
        .filter_map(|b| b.baseline_id())
        .collect();
    assert!(!groups.mappings().is_empty());
    for m in groups.mappings() {
        let id = m
            .baseline_identity()
            .and_then(|b| b.baseline_id())
            .expect("id");
        assert!(baseline_ids.contains(id), "{id}");
    }
    for s in &states {
        assert!(
            baseline_ids.contains(s.baseline_id()),
            "{}",
            s.baseline_id()
        );
    }
    let own = c
        .describe_patch_baselines()
        .filters(
            PatchOrchestratorFilter::builder()
                .key("OWNER")
                .values("Self")
                .build(),
        )
        .send()
        .await
        .expect("own");
    assert!(
        own.baseline_identities()
            .iter()
            .all(|b| !b.baseline_name().unwrap_or("").starts_with("AWS-"))
    );
    let err = c
        .describe_instance_patch_states()
        .instance_ids(&ids[0])
        .max_results(9)
        .send()
        .await
        .expect_err("9");
    assert_eq!(code(&err.into_service_error()), "ValidationException");
    let err = c
        .describe_instance_patches()
        .instance_id(&ids[0])
        .filters(
            PatchOrchestratorFilter::builder()
                .key("Colour")
                .values("x")
                .build(),
        )
        .send()
        .await
        .expect_err("key");
    assert_eq!(code(&err.into_service_error()), "InvalidFilter");

    // PutComplianceItems shows in items and summaries.
    let target = &ids[1];
    let entry = |id: &str, sev: ComplianceSeverity, status: ComplianceStatus| {
        ComplianceItemEntry::builder()
            .id(id)
            .title(format!("rule {id}"))
            .severity(sev)
            .status(status)
            .build()
            .expect("entry")
    };
    c.put_compliance_items()
        .resource_id(target)
        .resource_type("ManagedInstance")
        .compliance_type("Custom:DiskEncryption")
        .execution_summary(
            ComplianceExecutionSummary::builder()
                .execution_time(aws_smithy_types::DateTime::from_secs(1_700_000_000))
                .build()
                .expect("summary"),
        )
        .items(entry(
            "vol-1",
            ComplianceSeverity::Critical,
            ComplianceStatus::NonCompliant,
        ))
        .items(entry(
            "vol-2",
            ComplianceSeverity::Low,
            ComplianceStatus::Compliant,
        ))
        .send()
        .await
        .expect("put");
    let items = c
        .list_compliance_items()
        .resource_ids(target)
        .resource_types("ManagedInstance")
        .filters(cfilter("ComplianceType", "Custom:DiskEncryption"))
        .send()
        .await
        .expect("items");
    assert_eq!(items.compliance_items().len(), 2);
    let summaries = c
        .list_compliance_summaries()
        .filters(cfilter("ComplianceType", "Custom:DiskEncryption"))
        .send()
        .await
        .expect("summaries");
    let s = &summaries.compliance_summary_items()[0];
    let nc = s.non_compliant_summary().expect("nc");
    assert_eq!(nc.non_compliant_count(), 1);
    assert_eq!(nc.severity_summary().map(|s| s.critical_count()), Some(1));
    let err = c
        .put_compliance_items()
        .resource_id("i-0123456789abcdef0")
        .resource_type("ManagedInstance")
        .compliance_type("Custom:X1")
        .execution_summary(
            ComplianceExecutionSummary::builder()
                .execution_time(aws_smithy_types::DateTime::from_secs(1))
                .build()
                .expect("s"),
        )
        .items(entry(
            "a",
            ComplianceSeverity::Low,
            ComplianceStatus::Compliant,
        ))
        .send()
        .await
        .expect_err("unknown resource");
    assert_eq!(code(&err.into_service_error()), "InvalidResourceId");
    let err = c
        .put_compliance_items()
        .resource_id(target)
        .resource_type("ManagedInstance")
        .compliance_type("Custom:X1")
        .execution_summary(
            ComplianceExecutionSummary::builder()
                .execution_time(aws_smithy_types::DateTime::from_secs(1))
                .build()
                .expect("s"),
        )
        .items(entry(
            "a",
            ComplianceSeverity::from("SEVERE"),
            ComplianceStatus::Compliant,
        ))
        .send()
        .await
        .expect_err("bad severity");
    assert_eq!(code(&err.into_service_error()), "ValidationException");
    let err = c
        .list_compliance_items()
        .filters(cfilter("Colour", "red"))
        .send()
        .await
        .expect_err("key");
    assert_eq!(code(&err.into_service_error()), "InvalidFilter");
    let err = c
        .list_compliance_summaries()
        .max_results(51)
        .send()
        .await
        .expect_err("51");
    assert_eq!(code(&err.into_service_error()), "ValidationException");
    let err = c
        .list_resource_compliance_summaries()
        .next_token("x")
        .send()
        .await
        .expect_err("t");
    assert_eq!(code(&err.into_service_error()), "InvalidNextToken");
}

fn inv_agg(expr: &str) -> aws_sdk_ssm::types::builders::InventoryAggregatorBuilder {
    InventoryAggregator::builder().expression(expr)
}

#[tokio::test]
async fn inventory_filters_aggregates_and_puts() {
    let h = start(60, 1).await;
    let c = ssm(&h);
    let nodes = all_nodes(&c).await;
    let mut by_platform: BTreeMap<String, u64> = BTreeMap::new();
    for n in &nodes {
        *by_platform
            .entry(
                n.platform_type()
                    .map(|p| p.as_str().to_string())
                    .unwrap_or_default(),
            )
            .or_default() += 1;
    }
    let out = c
        .get_inventory()
        .aggregators(inv_agg("AWS:InstanceInformation.PlatformType").build())
        .send()
        .await
        .expect("aggregate");
    let item = out.entities()[0]
        .data()
        .and_then(|d| d.get("AWS:InstanceInformation"))
        .expect("data");
    let got: BTreeMap<String, u64> = item
        .content()
        .iter()
        .map(|r| (r["PlatformType"].clone(), r["Count"].parse().expect("n")))
        .collect();
    assert_eq!(got, by_platform);
    let nested = c
        .get_inventory()
        .aggregators(
            inv_agg("AWS:InstanceInformation.PlatformType")
                .aggregators(inv_agg("AWS:InstanceInformation.PlatformName").build())
                .build(),
        )
        .send()
        .await
        .expect("nested");
    let rows = nested.entities()[0]
        .data()
        .and_then(|d| d.get("AWS:InstanceInformation"))
        .expect("d")
        .content()
        .to_vec();
    for (platform, n) in &by_platform {
        let sum: u64 = rows
            .iter()
            .filter(|r| &r["PlatformType"] == platform)
            .map(|r| r["Count"].parse::<u64>().expect("n"))
            .sum();
        assert_eq!(sum, *n);
    }

    // Old OpenSSL is there to find, and filters agree with per-node entries.
    let app = ResultAttribute::builder()
        .type_name("AWS:Application")
        .build()
        .expect("a");
    let vulnerable: Vec<_> = c
        .get_inventory()
        .result_attributes(app.clone())
        .filters(
            InventoryFilter::builder()
                .key("AWS:Application.Name")
                .values("openssl")
                .build()
                .expect("f"),
        )
        .filters(
            InventoryFilter::builder()
                .key("AWS:Application.Version")
                .values("1.0.2k")
                .build()
                .expect("f"),
        )
        .max_results(5)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .expect("vulnerable");
    assert!(!vulnerable.is_empty(), "some node runs openssl 1.0.2k");
    let id = vulnerable[0].id().expect("id");
    let entries = c
        .list_inventory_entries()
        .instance_id(id)
        .type_name("AWS:Application")
        .filters(
            InventoryFilter::builder()
                .key("Name")
                .values("openssl")
                .build()
                .expect("f"),
        )
        .send()
        .await
        .expect("entries");
    assert_eq!(entries.entries()[0]["Version"], "1.0.2k");
    let with_apps: Vec<_> = c
        .get_inventory()
        .result_attributes(app)
        .max_results(7)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .expect("apps");
    let seen: HashSet<&str> = with_apps.iter().filter_map(|e| e.id()).collect();
    assert_eq!(seen.len(), nodes.len(), "every node once");
    let windows = c
        .get_inventory()
        .result_attributes(
            ResultAttribute::builder()
                .type_name("AWS:Service")
                .build()
                .expect("a"),
        )
        .filters(
            InventoryFilter::builder()
                .key("AWS:Service.Name")
                .values("AmazonSSMAgent")
                .r#type(InventoryQueryOperatorType::Equal)
                .build()
                .expect("f"),
        )
        .max_results(50)
        .send()
        .await
        .expect("services");
    let win_count = by_platform.get("Windows").copied().unwrap_or(0) as usize;
    assert_eq!(windows.entities().len(), win_count.min(50));

    // PutInventory: a custom type becomes queryable and gets a schema.
    c.put_inventory()
        .instance_id(id)
        .items(
            InventoryItem::builder()
                .type_name("Custom:RackInfo")
                .schema_version("1.0")
                .capture_time("2024-05-01T10:00:00Z")
                .content(
                    [("Rack".to_string(), "R42".to_string())]
                        .into_iter()
                        .collect(),
                )
                .build()
                .expect("item"),
        )
        .send()
        .await
        .expect("put");
    let entries = c
        .list_inventory_entries()
        .instance_id(id)
        .type_name("Custom:RackInfo")
        .send()
        .await
        .expect("entries");
    assert_eq!(entries.entries()[0]["Rack"], "R42");
    let schema = c
        .get_inventory_schema()
        .type_name("Custom:RackInfo")
        .send()
        .await
        .expect("schema");
    assert_eq!(schema.schemas()[0].attributes()[0].name(), "Rack");
    let all_schemas = c.get_inventory_schema().send().await.expect("schemas");
    let names: HashSet<&str> = all_schemas
        .schemas()
        .iter()
        .map(|s| s.type_name())
        .collect();
    for t in [
        "AWS:Application",
        "AWS:AWSComponent",
        "AWS:File",
        "AWS:Network",
        "AWS:InstanceInformation",
        "AWS:Service",
        "AWS:WindowsUpdate",
        "AWS:Tag",
        "Custom:RackInfo",
    ] {
        assert!(names.contains(t), "{t}");
    }

    let err = c
        .get_inventory_schema()
        .max_results(10)
        .send()
        .await
        .expect_err("10");
    assert_eq!(code(&err.into_service_error()), "ValidationException");
    let err = c
        .get_inventory_schema()
        .type_name("AWS:Banana")
        .send()
        .await
        .expect_err("type");
    assert_eq!(code(&err.into_service_error()), "InvalidTypeNameException");
    let err = c
        .get_inventory()
        .aggregators(
            inv_agg("AWS:InstanceInformation.PlatformType")
                .aggregators(inv_agg("AWS:Application.Name").build())
                .build(),
        )
        .send()
        .await
        .expect_err("nested type mismatch");
    assert_eq!(
        code(&err.into_service_error()),
        "InvalidAggregatorException"
    );
    let err = c
        .list_inventory_entries()
        .instance_id("i-0123456789abcdef0")
        .type_name("AWS:Application")
        .send()
        .await
        .expect_err("unknown node");
    assert_eq!(code(&err.into_service_error()), "InvalidInstanceId");
    let err = c
        .put_inventory()
        .instance_id(id)
        .items(
            InventoryItem::builder()
                .type_name("Custom:RackInfo")
                .schema_version("1.0")
                .capture_time("yesterday")
                .build()
                .expect("item"),
        )
        .send()
        .await
        .expect_err("capture time");
    assert_eq!(code(&err.into_service_error()), "ValidationException");
    let err = c
        .list_inventory_entries()
        .instance_id(id)
        .type_name("AWS:Application")
        .next_token("x")
        .send()
        .await
        .expect_err("t");
    assert_eq!(code(&err.into_service_error()), "InvalidNextToken");
}

/// Runbooks that act on EC2 instances only: they reject `mi-` ids.
const EC2_ONLY_RUNBOOKS: &[&str] = &[
    "AWS-RestartEC2Instance",
    "AWS-StopEC2Instance",
    "AWS-StartEC2Instance",
    "AWS-TerminateEC2Instance",
    "AWS-CreateImage",
    "AWS-ResizeInstance",
    "AWSSupport-ExecuteEC2Rescue",
    "AWSSupport-TroubleshootManagedInstance",
];

#[tokio::test]
async fn ops_items_about_managed_nodes_speak_of_managed_nodes() {
    let h = start(200, 1).await;
    let mut managed = 0;
    let mut ec2 = 0;
    for region in ["us-east-1", "eu-west-1"] {
        let c = common::ssm_with(
            &h,
            common::mgmt_creds(&h),
            region,
            aws_sdk_ssm::config::retry::RetryConfig::disabled(),
        );
        let online: HashSet<String> = all_nodes(&c)
            .await
            .iter()
            .filter(|n| n.ping_status().is_some_and(|p| p.as_str() == "Online"))
            .filter_map(|n| n.instance_id().map(str::to_string))
            .collect();
        for summary in ops_items(&c, Vec::new()).await {
            let id = summary.ops_item_id().expect("id");
            let item = c
                .get_ops_item()
                .ops_item_id(id)
                .send()
                .await
                .expect("get ops item");
            let item = item.ops_item().expect("item");
            let data = item.operational_data().expect("data");
            let value = |k: &str| data.get(k).and_then(|v| v.value()).unwrap_or("");
            let resources = value("/aws/resources");
            if resources.contains(":instance/i-") {
                ec2 += 1;
            }
            let Some(node) = resources
                .split("managed-instance/")
                .nth(1)
                .and_then(|r| r.split('"').next())
            else {
                assert!(!resources.contains("mi-"), "{id}: {resources}");
                continue;
            };
            managed += 1;
            assert!(
                resources.contains(&format!(
                    "arn:aws:ssm:{region}:{}:managed-instance/mi-",
                    item.ops_item_arn()
                        .and_then(|a| a.split(':').nth(4))
                        .unwrap_or("?")
                )),
                "{id}: {resources}"
            );
            let mut texts = vec![item.title().unwrap_or(""), item.description().unwrap_or("")];
            texts.extend(data.values().filter_map(|v| v.value()));
            for t in texts {
                assert!(
                    !t.to_ascii_lowercase().contains("ec2 instance"),
                    "{id} about {node}: {t}"
                );
            }
            let automations: serde_json::Value =
                serde_json::from_str(value("/aws/automations")).expect("automations json");
            let runbooks: Vec<&str> = automations
                .as_array()
                .expect("list")
                .iter()
                .filter_map(|a| a.get("automationId").and_then(|v| v.as_str()))
                .collect();
            assert!(!runbooks.is_empty(), "{id} suggests no runbook");
            for rb in runbooks {
                assert!(!EC2_ONLY_RUNBOOKS.contains(&rb), "{id} about {node}: {rb}");
                // The runbook exists, is an Automation runbook and takes the node as
                // its InstanceId.
                let d = c
                    .describe_document()
                    .name(rb)
                    .send()
                    .await
                    .expect("runbook exists");
                let d = d.document().expect("document");
                assert_eq!(d.document_type().map(|t| t.as_str()), Some("Automation"));
                assert!(
                    d.parameters()
                        .iter()
                        .any(|p| p.name() == Some("InstanceId")),
                    "{rb} takes no InstanceId"
                );
                if online.contains(node) {
                    c.start_automation_execution()
                        .document_name(rb)
                        .parameters("InstanceId", vec![node.to_string()])
                        .parameters("ServiceName", vec!["amazon-ssm-agent".to_string()])
                        .send()
                        .await
                        .expect("runbook starts on the managed node");
                }
            }
            // Related runbook documents resolve by their ARN.
            let related = c
                .list_ops_item_related_items()
                .ops_item_id(id)
                .send()
                .await
                .expect("related items");
            for r in related.summaries() {
                let uri = r.resource_uri().unwrap_or("");
                c.describe_document()
                    .name(uri)
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("{uri}: {e:?}"));
            }
        }
    }
    assert!(managed > 0, "no OpsItem about a managed node");
    assert!(ec2 > 0, "no OpsItem about an EC2 instance");
}

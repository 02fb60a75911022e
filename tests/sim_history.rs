//! Hybrid activations (DescribeActivations) of the simulated estate, and the cockpit's
//! reads of activations, recent commands and automation executions, through the real SDK.

use std::collections::{BTreeMap, HashSet};

use aws_sdk_ssm::types::{DescribeActivationsFilter, DescribeActivationsFilterKeys};

mod common;
use common::{all_nodes, service_code, ssm, start};

use ssm_cockpit::aws::{SsmRead, activation_from};
use ssm_cockpit::model::ActivationState;

fn filter(key: DescribeActivationsFilterKeys, values: &[&str]) -> DescribeActivationsFilter {
    let mut b = DescribeActivationsFilter::builder().filter_key(key);
    for v in values {
        b = b.filter_values(*v);
    }
    b.build()
}

async fn activations(
    c: &aws_sdk_ssm::Client,
    filters: Vec<DescribeActivationsFilter>,
) -> Vec<aws_sdk_ssm::types::Activation> {
    c.describe_activations()
        .set_filters(Some(filters))
        .max_results(1)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .expect("describe activations")
}

#[tokio::test]
async fn activations_agree_with_the_hybrid_nodes() {
    let h = start(120, 1).await;
    let c = ssm(&h);
    let all = activations(&c, Vec::new()).await;
    assert!(all.len() >= 3, "{} activations", all.len());
    let ids: HashSet<&str> = all.iter().filter_map(|a| a.activation_id()).collect();
    assert_eq!(ids.len(), all.len(), "unique ids across pages");

    // Every hybrid node's activation is listed, and counts its registrations.
    let nodes = all_nodes(&c).await;
    let mut per_activation: BTreeMap<String, i32> = BTreeMap::new();
    for n in nodes
        .iter()
        .filter(|n| n.instance_id().is_some_and(|i| i.starts_with("mi-")))
    {
        let a = n
            .activation_id()
            .expect("hybrid nodes carry an activation id");
        *per_activation.entry(a.to_string()).or_default() += 1;
    }
    assert!(!per_activation.is_empty(), "the estate has hybrid nodes");
    for (id, n) in &per_activation {
        let a = all
            .iter()
            .find(|a| a.activation_id() == Some(id.as_str()))
            .unwrap_or_else(|| panic!("activation {id} of a node is not listed"));
        assert_eq!(a.registrations_count(), Some(*n), "{id}");
        assert!(a.registration_limit() >= Some(*n));
        assert!(a.created_date() <= a.expiration_date());
    }
    // Each shape field is there.
    for a in &all {
        assert!(a.iam_role().is_some() && a.default_instance_name().is_some());
        assert!(a.description().is_some() && a.expiration_date().is_some());
    }
    assert!(all.iter().any(|a| a.expired()), "old activations expired");
    assert!(all.iter().any(|a| !a.expired()), "fresh ones are not");
    // The model flags the one about to expire.
    let now = chrono::Utc::now();
    let states: Vec<ActivationState> = all
        .iter()
        .map(|a| activation_from(0, a).state(now))
        .collect();
    assert!(
        states.contains(&ActivationState::ExpiringSoon),
        "{states:?}"
    );
    assert!(states.contains(&ActivationState::Expired), "{states:?}");
}

#[tokio::test]
async fn activation_filters_and_validation() {
    let h = start(120, 1).await;
    let c = ssm(&h);
    let all = activations(&c, Vec::new()).await;
    let first = all[0].activation_id().expect("id").to_string();
    let one = activations(
        &c,
        vec![filter(
            DescribeActivationsFilterKeys::ActivationIds,
            &[&first],
        )],
    )
    .await;
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].activation_id(), Some(first.as_str()));

    let role = all[0].iam_role().expect("role").to_string();
    let by_role = activations(
        &c,
        vec![filter(DescribeActivationsFilterKeys::IamRole, &[&role])],
    )
    .await;
    assert!(!by_role.is_empty());
    assert!(by_role.iter().all(|a| a.iam_role() == Some(role.as_str())));

    let name = all[0].default_instance_name().expect("name").to_string();
    let by_name = activations(
        &c,
        vec![filter(
            DescribeActivationsFilterKeys::DefaultInstanceName,
            &[&name],
        )],
    )
    .await;
    assert!(
        by_name
            .iter()
            .all(|a| a.default_instance_name() == Some(name.as_str()))
    );

    let none = activations(
        &c,
        vec![filter(
            DescribeActivationsFilterKeys::ActivationIds,
            &["nope"],
        )],
    )
    .await;
    assert!(none.is_empty());

    for bad in [0, 51] {
        let e = c
            .describe_activations()
            .max_results(bad)
            .send()
            .await
            .expect_err("MaxResults is 1..50");
        assert_eq!(service_code(&e), "ValidationException");
    }
    let e = c
        .describe_activations()
        .filters(filter(DescribeActivationsFilterKeys::from("Color"), &["x"]))
        .send()
        .await
        .expect_err("unknown filter key");
    assert_eq!(service_code(&e), "ValidationException");

    // A token only works for the query it came from.
    let page = c
        .describe_activations()
        .max_results(1)
        .send()
        .await
        .expect("page");
    let token = page.next_token().expect("more pages").to_string();
    let e = c
        .describe_activations()
        .max_results(1)
        .filters(filter(DescribeActivationsFilterKeys::IamRole, &[&role]))
        .next_token(token)
        .send()
        .await
        .expect_err("foreign token");
    assert_eq!(service_code(&e), "InvalidNextToken");
}

#[tokio::test]
async fn cockpit_reads_activations_page_by_page() {
    let h = start(120, 2).await;
    let read = SsmRead::new(ssm(&h));
    let mut token = None;
    let mut all = Vec::new();
    loop {
        let page = read.activations_page(3, token).await.expect("page");
        all.extend(page.items);
        match page.next {
            Some(t) => token = Some(t),
            None => break,
        }
    }
    assert!(all.len() >= 3);
    assert!(
        all.iter()
            .all(|a| a.scope == 3 && !a.activation_id.is_empty())
    );
    assert!(all.iter().any(|a| a.registrations_count > 0));
}

#[tokio::test]
async fn cockpit_reads_recent_commands_and_automations() {
    let h = start(20, 1).await;
    let read = SsmRead::new(ssm(&h));
    // Whatever the estate holds, both reads answer and page to the end.
    let mut token = None;
    let mut n = 0;
    loop {
        let page = read.commands_page(0, token).await.expect("ListCommands");
        n += page.items.len();
        assert!(page.items.iter().all(|c| !c.command_id.is_empty()));
        match page.next {
            Some(t) => token = Some(t),
            None => break,
        }
    }
    let mut token = None;
    let mut m = 0;
    loop {
        let page = read
            .automations_page(0, token)
            .await
            .expect("DescribeAutomationExecutions");
        m += page.items.len();
        assert!(page.items.iter().all(|a| !a.execution_id.is_empty()));
        match page.next {
            Some(t) => token = Some(t),
            None => break,
        }
    }
    let stats = h.stats();
    assert!(stats.count("ListCommands") >= 1, "{n} commands");
    assert!(
        stats.count("DescribeAutomationExecutions") >= 1,
        "{m} executions"
    );
}

#[tokio::test]
async fn activation_tier_is_a_service_setting() {
    let h = start(120, 6).await;
    let c = ssm(&h);
    let tier = SsmRead::new(c.clone())
        .activation_tier()
        .await
        .expect("GetServiceSetting");
    assert!(tier == "standard" || tier == "advanced", "{tier}");
    let out = c
        .get_service_setting()
        .setting_id("/ssm/parameter-store/default-parameter-tier")
        .send()
        .await
        .expect("another setting");
    let s = out.service_setting().expect("setting");
    assert_eq!(s.setting_value(), Some("Standard"));
    assert!(s.arn().is_some_and(|a| a.contains(":servicesetting/ssm/")));
    let e = c
        .get_service_setting()
        .setting_id("/ssm/no/such/setting")
        .send()
        .await
        .expect_err("unknown setting");
    assert_eq!(service_code(&e), "ServiceSettingNotFound");
}

fn cockpit(h: &ssm_cockpit::sim::SimHandle, args: &[&str]) -> std::process::Command {
    let mut c = common::cockpit_cmd(h.endpoint(), "us-east-1", h.credentials(), args);
    c.env("XDG_CONFIG_HOME", "/nonexistent/ssm-cockpit-test-xdg");
    c
}

#[tokio::test(flavor = "multi_thread")]
async fn export_activations_json_and_csv() {
    let h = ssm_cockpit::sim::start(ssm_cockpit::sim::SimConfig {
        accounts: 2,
        regions: vec!["us-east-1".into()],
        nodes_per_scope: 80,
        ..ssm_cockpit::sim::SimConfig::default()
    })
    .await
    .expect("sim");
    let out = cockpit(&h, &["export", "activations", "--format", "json"])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).expect("json");
    assert!(rows.len() >= 2 * 2, "{} rows", rows.len());
    for r in &rows {
        assert!(
            r["account_id"].is_string() && r["region"] == "us-east-1",
            "{r}"
        );
        assert!(r["activation_id"].is_string() && r["registrations_count"].is_u64());
        assert!(
            ["expired", "expiring soon", "full", "active"]
                .contains(&r["state"].as_str().unwrap_or("")),
            "{r}"
        );
        assert!(
            r["instance_tier"] == "standard" || r["instance_tier"] == "advanced",
            "{r}"
        );
    }
    assert!(rows.iter().any(|r| r["state"] == "expiring soon"));
    assert!(stderr.contains("activations from 2 scopes"), "{stderr}");

    let out = cockpit(&h, &["export", "activations", "--format", "csv"])
        .output()
        .expect("runs");
    assert!(out.status.success());
    let csv = String::from_utf8_lossy(&out.stdout);
    let header = csv.lines().next().unwrap_or_default();
    assert!(
        header.starts_with("account_id,account_name,region,activation_id"),
        "{header}"
    );
    assert_eq!(csv.lines().count(), rows.len() + 1);

    for what in ["commands", "automations"] {
        let out = cockpit(&h, &["export", what, "--format", "json"])
            .output()
            .expect("runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let _: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).expect("json");
    }
}

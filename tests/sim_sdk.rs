//! The simulated estate, exercised through the real AWS SDK clients.

use std::collections::HashSet;
use std::time::Duration;

use aws_credential_types::Credentials;
use aws_sdk_ssm::config::retry::RetryConfig;
use aws_sdk_ssm::error::ProvideErrorMetadata;
use aws_sdk_ssm::types::{
    InstanceInformationFilter, InstanceInformationFilterKey, InstanceInformationStringFilter,
};
use ssm_cockpit::sim::{self, SimConfig, SimHandle};

mod common;
use common::{all_nodes, code, mgmt_creds, ssm, ssm_with, start};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn sts(h: &SimHandle, creds: Credentials) -> aws_sdk_sts::Client {
    let conf = aws_sdk_sts::Config::builder()
        .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
        .region(aws_sdk_sts::config::Region::new("us-east-1"))
        .credentials_provider(creds)
        .endpoint_url(h.endpoint())
        .retry_config(aws_sdk_sts::config::retry::RetryConfig::disabled())
        .build();
    aws_sdk_sts::Client::from_conf(conf)
}

fn orgs(h: &SimHandle, creds: Credentials) -> aws_sdk_organizations::Client {
    let conf = aws_sdk_organizations::Config::builder()
        .behavior_version(aws_sdk_organizations::config::BehaviorVersion::latest())
        .region(aws_sdk_organizations::config::Region::new("us-east-1"))
        .credentials_provider(creds)
        .endpoint_url(h.endpoint())
        .retry_config(aws_sdk_organizations::config::retry::RetryConfig::disabled())
        .build();
    aws_sdk_organizations::Client::from_conf(conf)
}

async fn filtered(
    c: &aws_sdk_ssm::Client,
    key: &str,
    values: &[&str],
) -> Vec<aws_sdk_ssm::types::InstanceInformation> {
    let filter = InstanceInformationStringFilter::builder()
        .key(key)
        .set_values(Some(values.iter().map(|v| v.to_string()).collect()))
        .build()
        .expect("filter");
    c.describe_instance_information()
        .filters(filter)
        .max_results(50)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .expect("filtered")
}

#[tokio::test]
async fn pagination_returns_every_node_once() {
    let h = start(37, 2).await;
    let c = ssm(&h);
    // Manual paging with an odd page size.
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let out = c
            .describe_instance_information()
            .max_results(7)
            .set_next_token(token.clone())
            .send()
            .await
            .expect("page");
        let list = out.instance_information_list();
        assert!(list.len() <= 7);
        seen.extend(
            list.iter()
                .map(|i| i.instance_id().unwrap_or_default().to_string()),
        );
        pages += 1;
        token = out.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(pages, 6);
    assert_eq!(seen.len(), 37);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 37);

    // Default page size is 10.
    let first = c
        .describe_instance_information()
        .send()
        .await
        .expect("default page");
    assert_eq!(first.instance_information_list().len(), 10);
    assert!(first.next_token().is_some());

    // The SDK paginator sees the same set.
    let all = all_nodes(&c).await;
    let ids: HashSet<String> = all
        .iter()
        .map(|i| i.instance_id().unwrap_or_default().to_string())
        .collect();
    assert_eq!(ids, seen.into_iter().collect());

    // Fields are populated with the real shapes.
    for n in &all {
        assert!(n.last_ping_date_time().is_some());
        assert!(n.ping_status().is_some());
        assert!(n.platform_type().is_some());
        assert!(n.ip_address().is_some());
        assert!(n.computer_name().is_some());
        let id = n.instance_id().unwrap_or_default();
        let rt = n.resource_type().map(|r| r.as_str()).unwrap_or_default();
        if id.starts_with("mi-") {
            assert_eq!(rt, "ManagedInstance");
            assert!(n.activation_id().is_some() && n.registration_date().is_some());
            assert_eq!(
                n.source_type().map(|s| s.as_str()),
                Some("AWS::SSM::ManagedInstance")
            );
        } else {
            assert!(id.starts_with("i-") && id.len() == 19, "{id}");
            assert_eq!(rt, "EC2Instance");
            assert_eq!(
                n.source_type().map(|s| s.as_str()),
                Some("AWS::EC2::Instance")
            );
        }
        assert_eq!(n.source_id(), Some(id));
    }
    // Data is per region.
    let eu = ssm_with(&h, mgmt_creds(&h), "eu-west-1", RetryConfig::disabled());
    let eu_ids: HashSet<String> = all_nodes(&eu)
        .await
        .iter()
        .map(|i| i.instance_id().unwrap_or_default().to_string())
        .collect();
    assert_eq!(eu_ids.len(), 37);
    assert!(eu_ids.is_disjoint(&ids));
}

#[tokio::test]
async fn max_results_out_of_range_is_a_validation_error() {
    let h = start(10, 1).await;
    let c = ssm(&h);
    for (n, bound) in [
        (3, "greater than or equal to 5"),
        (51, "less than or equal to 50"),
    ] {
        let err = c
            .describe_instance_information()
            .max_results(n)
            .send()
            .await
            .expect_err("invalid");
        let svc = err.as_service_error().expect("service error");
        assert_eq!(svc.code(), Some("ValidationException"));
        let msg = svc.message().unwrap_or_default();
        assert!(
            msg.contains(&format!("Value '{n}' at 'maxResults'")) && msg.contains(bound),
            "{msg}"
        );
    }
    assert!(
        c.describe_instance_information()
            .max_results(5)
            .send()
            .await
            .is_ok()
    );
    assert!(
        c.describe_instance_information()
            .max_results(50)
            .send()
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn filters_behave_as_documented() {
    let h = start(120, 1).await;
    let c = ssm(&h);
    let all = all_nodes(&c).await;
    assert_eq!(all.len(), 120);

    let mut by_ping = 0;
    for status in ["Online", "ConnectionLost", "Inactive"] {
        let got = filtered(&c, "PingStatus", &[status]).await;
        assert!(
            got.iter()
                .all(|n| n.ping_status().map(|p| p.as_str()) == Some(status))
        );
        by_ping += got.len();
    }
    assert_eq!(by_ping, 120);
    let online = filtered(&c, "PingStatus", &["Online"]).await.len();
    assert!(online > 90 && online < 120, "online {online}");

    let win = filtered(&c, "PlatformTypes", &["Windows"]).await;
    assert!(
        !win.is_empty()
            && win
                .iter()
                .all(|n| n.platform_type().map(|p| p.as_str()) == Some("Windows"))
    );
    let lin_win = filtered(&c, "PlatformTypes", &["Linux", "Windows"]).await;
    assert!(lin_win.len() > win.len());

    let hybrid = filtered(&c, "ResourceType", &["ManagedInstance"]).await;
    assert!(
        hybrid
            .iter()
            .all(|n| n.instance_id().unwrap_or_default().starts_with("mi-"))
    );
    let ec2 = filtered(&c, "ResourceType", &["EC2Instance"]).await;
    assert_eq!(hybrid.len() + ec2.len(), 120);

    // tag:<key> and tag-key
    let prod = filtered(&c, "tag:Environment", &["prod"]).await;
    assert_eq!(prod.len(), 120, "management account nodes are prod");
    assert!(filtered(&c, "tag:Environment", &["dev"]).await.is_empty());
    assert_eq!(filtered(&c, "tag-key", &["Patch Group"]).await.len(), 120);
    assert!(filtered(&c, "tag-key", &["NoSuchTag"]).await.is_empty());
    let cost = filtered(&c, "tag-key", &["CostCenter"]).await.len();
    assert!(cost > 0 && cost < 120);

    // InstanceIds
    let ids: Vec<String> = all
        .iter()
        .take(3)
        .map(|n| n.instance_id().unwrap_or_default().to_string())
        .collect();
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let got = filtered(&c, "InstanceIds", &refs).await;
    let got_ids: HashSet<String> = got
        .iter()
        .map(|n| n.instance_id().unwrap_or_default().to_string())
        .collect();
    assert_eq!(got_ids, ids.iter().cloned().collect());

    // AgentVersion
    let latest = all
        .iter()
        .find(|n| n.is_latest_version() == Some(true))
        .and_then(|n| n.agent_version())
        .expect("latest")
        .to_string();
    let got = filtered(&c, "AgentVersion", &[&latest]).await;
    assert!(
        !got.is_empty()
            && got
                .iter()
                .all(|n| n.agent_version() == Some(latest.as_str()))
    );
    assert!(
        all.iter().any(|n| n.is_latest_version() == Some(false)),
        "some agents are outdated"
    );

    // AssociationStatus
    let mut assoc = 0;
    for s in ["Success", "Failed", "Pending"] {
        let got = filtered(&c, "AssociationStatus", &[s]).await;
        assert!(got.iter().all(|n| n.association_status() == Some(s)));
        assoc += got.len();
    }
    assert_eq!(
        assoc,
        all.iter()
            .filter(|n| n.association_status().is_some())
            .count()
    );

    // Filters combine with AND.
    let both = filter2(&c, ("PingStatus", "Online"), ("PlatformTypes", "Windows")).await;
    assert!(
        both.iter()
            .all(|n| n.ping_status().map(|p| p.as_str()) == Some("Online")
                && n.platform_type().map(|p| p.as_str()) == Some("Windows"))
    );

    // The legacy list works too.
    let legacy = c
        .describe_instance_information()
        .instance_information_filter_list(
            InstanceInformationFilter::builder()
                .key(InstanceInformationFilterKey::PingStatus)
                .value_set("Online")
                .build()
                .expect("filter"),
        )
        .max_results(50)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .expect("legacy");
    assert_eq!(legacy.len(), online);
}

async fn filter2(
    c: &aws_sdk_ssm::Client,
    a: (&str, &str),
    b: (&str, &str),
) -> Vec<aws_sdk_ssm::types::InstanceInformation> {
    let f = |(k, v): (&str, &str)| {
        InstanceInformationStringFilter::builder()
            .key(k)
            .values(v)
            .build()
            .expect("filter")
    };
    c.describe_instance_information()
        .filters(f(a))
        .filters(f(b))
        .max_results(50)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .expect("and")
}

#[tokio::test]
async fn invalid_filters_and_tokens_are_rejected() {
    let h = start(30, 1).await;
    let c = ssm(&h);
    let sf = |k: &str, v: &str| {
        InstanceInformationStringFilter::builder()
            .key(k)
            .values(v)
            .build()
            .expect("filter")
    };

    let err = c
        .describe_instance_information()
        .filters(sf("Colour", "red"))
        .send()
        .await
        .expect_err("bad key");
    assert_eq!(code(&err.into_service_error()), "InvalidFilterKey");
    let err = c
        .describe_instance_information()
        .filters(sf("tag:", "x"))
        .send()
        .await
        .expect_err("bad key");
    assert_eq!(code(&err.into_service_error()), "InvalidFilterKey");
    let err = c
        .describe_instance_information()
        .filters(sf("PingStatus", "Sleeping"))
        .send()
        .await
        .expect_err("bad value");
    assert_eq!(
        code(&err.into_service_error()),
        "InvalidInstanceInformationFilterValue"
    );

    let err = c
        .describe_instance_information()
        .filters(sf("PingStatus", "Online"))
        .instance_information_filter_list(
            InstanceInformationFilter::builder()
                .key(InstanceInformationFilterKey::PingStatus)
                .value_set("Online")
                .build()
                .expect("f"),
        )
        .send()
        .await
        .expect_err("both lists");
    assert_eq!(code(&err.into_service_error()), "ValidationException");

    // Legacy InstanceIds with an id not in the account.
    let err = c
        .describe_instance_information()
        .instance_information_filter_list(
            InstanceInformationFilter::builder()
                .key(InstanceInformationFilterKey::InstanceIds)
                .value_set("i-0123456789abcdef0")
                .build()
                .expect("f"),
        )
        .send()
        .await
        .expect_err("unknown id");
    assert_eq!(code(&err.into_service_error()), "InvalidInstanceId");

    let err = c
        .describe_instance_information()
        .next_token("not-a-token")
        .send()
        .await
        .expect_err("garbage token");
    assert_eq!(code(&err.into_service_error()), "InvalidNextToken");

    // A token belongs to its query.
    let page = c
        .describe_instance_information()
        .max_results(5)
        .send()
        .await
        .expect("page");
    let token = page.next_token().expect("more").to_string();
    assert!(
        c.describe_instance_information()
            .next_token(&token)
            .send()
            .await
            .is_ok()
    );
    let err = c
        .describe_instance_information()
        .filters(sf("PingStatus", "Online"))
        .next_token(&token)
        .send()
        .await
        .expect_err("foreign token");
    assert_eq!(code(&err.into_service_error()), "InvalidNextToken");
}

#[tokio::test]
async fn list_tags_for_resource() {
    let h = start(20, 1).await;
    let c = ssm(&h);
    let all = all_nodes(&c).await;
    // ManagedInstance is for on-premises (mi-) nodes; EC2 instance ids are not accepted.
    let id = all
        .iter()
        .filter_map(|n| n.instance_id())
        .find(|id| id.starts_with("mi-"))
        .expect("a hybrid node");
    let ec2 = all
        .iter()
        .filter_map(|n| n.instance_id())
        .find(|id| id.starts_with("i-"))
        .expect("an EC2 node");
    let err = c
        .list_tags_for_resource()
        .resource_type(aws_sdk_ssm::types::ResourceTypeForTagging::ManagedInstance)
        .resource_id(ec2)
        .send()
        .await
        .expect_err("EC2 id under ManagedInstance");
    assert_eq!(code(&err.into_service_error()), "InvalidResourceId");
    let out = c
        .list_tags_for_resource()
        .resource_type(aws_sdk_ssm::types::ResourceTypeForTagging::ManagedInstance)
        .resource_id(id)
        .send()
        .await
        .expect("tags");
    let keys: Vec<&str> = out.tag_list().iter().map(|t| t.key()).collect();
    for k in ["Name", "Environment", "Team", "Patch Group"] {
        assert!(keys.contains(&k), "{keys:?}");
    }
    let err = c
        .list_tags_for_resource()
        .resource_type(aws_sdk_ssm::types::ResourceTypeForTagging::ManagedInstance)
        .resource_id("mi-0000000000000000f")
        .send()
        .await
        .expect_err("unknown");
    assert_eq!(code(&err.into_service_error()), "InvalidResourceId");
    let err = c
        .list_tags_for_resource()
        .resource_type(aws_sdk_ssm::types::ResourceTypeForTagging::from("Banana"))
        .resource_id(id)
        .send()
        .await
        .expect_err("bad type");
    assert_eq!(code(&err.into_service_error()), "ValidationException");
}

#[tokio::test]
async fn assume_role_isolates_accounts() {
    let h = start(15, 4).await;
    let accounts = h.accounts();
    assert_eq!(accounts.len(), 4);
    assert_eq!(accounts[0].0, h.management_account());
    let member = accounts[2].0.clone();
    let s = sts(&h, mgmt_creds(&h));

    let me = s.get_caller_identity().send().await.expect("whoami");
    assert_eq!(me.account(), Some(h.management_account()));

    let out = s
        .assume_role()
        .role_arn(format!(
            "arn:aws:iam::{member}:role/OrganizationAccountAccessRole"
        ))
        .role_session_name("cockpit")
        .send()
        .await
        .expect("assume");
    let cr = out.credentials().expect("creds");
    assert!(cr.access_key_id().starts_with("ASIA") && cr.access_key_id().len() == 20);
    assert!(cr.expiration().secs() > chrono::Utc::now().timestamp() + 3000);
    assert_eq!(
        out.assumed_role_user().map(|u| u.arn()),
        Some(
            format!("arn:aws:sts::{member}:assumed-role/OrganizationAccountAccessRole/cockpit")
                .as_str()
        )
    );
    let member_creds = Credentials::new(
        cr.access_key_id(),
        cr.secret_access_key(),
        Some(cr.session_token().to_string()),
        None,
        "assumed",
    );

    let who = sts(&h, member_creds.clone())
        .get_caller_identity()
        .send()
        .await
        .expect("member whoami");
    assert_eq!(who.account(), Some(member.as_str()));
    assert!(
        who.arn()
            .unwrap_or_default()
            .ends_with(":assumed-role/OrganizationAccountAccessRole/cockpit")
    );

    let mgmt_ids: HashSet<String> = all_nodes(&ssm(&h))
        .await
        .iter()
        .map(|n| n.instance_id().unwrap_or_default().to_string())
        .collect();
    let member_nodes = all_nodes(&ssm_with(
        &h,
        member_creds.clone(),
        "us-east-1",
        RetryConfig::disabled(),
    ))
    .await;
    let member_ids: HashSet<String> = member_nodes
        .iter()
        .map(|n| n.instance_id().unwrap_or_default().to_string())
        .collect();
    assert_eq!(member_ids.len(), 15);
    assert!(mgmt_ids.is_disjoint(&member_ids));

    // Same account twice: same data.
    let again = all_nodes(&ssm_with(
        &h,
        member_creds,
        "us-east-1",
        RetryConfig::disabled(),
    ))
    .await;
    assert_eq!(again.len(), 15);

    // Outside the organization.
    let err = s
        .assume_role()
        .role_arn("arn:aws:iam::999999999999:role/OrganizationAccountAccessRole")
        .role_session_name("cockpit")
        .send()
        .await
        .expect_err("not in org");
    assert_eq!(code(&err.into_service_error()), "AccessDenied");

    let err = s
        .assume_role()
        .role_arn("arn:aws:iam::nope:whatever/x")
        .role_session_name("cockpit")
        .send()
        .await
        .expect_err("malformed");
    assert_eq!(code(&err.into_service_error()), "ValidationError");

    // Denied by the knob.
    h.knobs().deny_account(&member, true);
    let err = s
        .assume_role()
        .role_arn(format!(
            "arn:aws:iam::{member}:role/OrganizationAccountAccessRole"
        ))
        .role_session_name("cockpit")
        .send()
        .await
        .expect_err("denied");
    assert_eq!(code(&err.into_service_error()), "AccessDenied");
}

#[tokio::test]
async fn organizations_lists_accounts_for_the_management_account_only() {
    let h = start(5, 10).await;
    let o = orgs(&h, mgmt_creds(&h));
    let org = o.describe_organization().send().await.expect("org");
    let org = org.organization().expect("organization");
    assert!(org.id().unwrap_or_default().starts_with("o-"));
    assert_eq!(org.master_account_id(), Some(h.management_account()));

    let pages: Vec<_> = o
        .list_accounts()
        .max_results(3)
        .into_paginator()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .expect("accounts");
    assert_eq!(pages.len(), 4);
    let all: Vec<_> = pages
        .iter()
        .flat_map(|p| p.accounts().iter().cloned())
        .collect();
    assert_eq!(all.len(), 10);
    let ids: HashSet<&str> = all.iter().filter_map(|a| a.id()).collect();
    assert_eq!(ids.len(), 10);
    let expected: HashSet<String> = h.accounts().into_iter().map(|(id, _)| id).collect();
    assert_eq!(ids, expected.iter().map(String::as_str).collect());
    let suspended = all
        .iter()
        .filter(|a| a.status().map(|s| s.as_str()) == Some("SUSPENDED"))
        .count();
    assert_eq!(suspended, 1);
    assert!(
        all.iter()
            .all(|a| a.joined_timestamp().is_some() && a.email().is_some() && a.arn().is_some())
    );

    let page = o.list_accounts().max_results(4).send().await.expect("page");
    assert_eq!(page.accounts().len(), 4);
    assert!(page.next_token().is_some());

    for bad in [0, 21] {
        let err = o
            .list_accounts()
            .max_results(bad)
            .send()
            .await
            .expect_err("range");
        assert_eq!(code(&err.into_service_error()), "InvalidInputException");
    }
    let err = o
        .list_accounts()
        .next_token("bogus")
        .send()
        .await
        .expect_err("token");
    assert_eq!(code(&err.into_service_error()), "InvalidInputException");

    // A member account may not list accounts.
    let member = h.accounts()[1].0.clone();
    let out = sts(&h, mgmt_creds(&h))
        .assume_role()
        .role_arn(format!(
            "arn:aws:iam::{member}:role/OrganizationAccountAccessRole"
        ))
        .role_session_name("x1")
        .send()
        .await
        .expect("assume");
    let cr = out.credentials().expect("creds");
    let member_creds = Credentials::new(
        cr.access_key_id(),
        cr.secret_access_key(),
        Some(cr.session_token().to_string()),
        None,
        "assumed",
    );
    let mo = orgs(&h, member_creds);
    let err = mo.list_accounts().send().await.expect_err("member");
    let svc = err.into_service_error();
    assert_eq!(code(&svc), "AccessDeniedException");
    assert!(svc.is_access_denied_exception());
    assert!(mo.describe_organization().send().await.is_ok());
}

#[tokio::test]
async fn rate_limit_throttles_bursts_and_sdk_retries_recover() {
    let h = sim::start(SimConfig {
        nodes_per_scope: 10,
        accounts: 1,
        rate_limit: Some(4.0),
        ..SimConfig::default()
    })
    .await
    .expect("sim");
    let c = ssm(&h);
    let mut throttled = 0;
    for _ in 0..10 {
        if let Err(e) = c.describe_instance_information().send().await {
            let svc = e.into_service_error();
            assert_eq!(code(&svc), "ThrottlingException");
            throttled += 1;
        }
    }
    assert!(throttled >= 4, "throttled {throttled}");

    let retrying = ssm_with(
        &h,
        mgmt_creds(&h),
        "us-east-1",
        RetryConfig::standard()
            .with_max_attempts(12)
            .with_initial_backoff(Duration::from_millis(100))
            .with_max_backoff(Duration::from_millis(600)),
    );
    let calls = (0..8).map(|_| {
        let c = retrying.clone();
        async move { c.describe_instance_information().send().await }
    });
    let results = futures_util::future::join_all(calls).await;
    assert!(
        results.iter().all(|r| r.is_ok()),
        "{:?}",
        results.iter().find(|r| r.is_err())
    );
    // Other operations have their own bucket.
    assert!(
        c.list_tags_for_resource()
            .resource_type(aws_sdk_ssm::types::ResourceTypeForTagging::ManagedInstance)
            .resource_id("mi-0000000000000000f")
            .send()
            .await
            .err()
            .map(|e| code(&e.into_service_error()))
            .as_deref()
            == Some("InvalidResourceId")
    );
    h.knobs().set_rate_limit(None);
    assert!(c.describe_instance_information().send().await.is_ok());
}

#[tokio::test]
async fn knobs_inject_faults() {
    let h = start(10, 3).await;
    let c = ssm(&h);

    h.knobs().throttle_region("us-east-1", true);
    let err = c
        .describe_instance_information()
        .send()
        .await
        .expect_err("throttled");
    assert_eq!(code(&err.into_service_error()), "ThrottlingException");
    let eu = ssm_with(&h, mgmt_creds(&h), "eu-west-1", RetryConfig::disabled());
    assert!(eu.describe_instance_information().send().await.is_ok());
    h.knobs().throttle_region("us-east-1", false);

    h.knobs().set_error_rate(1.0);
    let err = c
        .describe_instance_information()
        .send()
        .await
        .expect_err("500");
    assert_eq!(code(&err.into_service_error()), "InternalServerError");
    h.knobs().set_error_rate(0.0);

    h.knobs().deny_account(h.management_account(), true);
    let err = c
        .describe_instance_information()
        .send()
        .await
        .expect_err("denied");
    assert_eq!(code(&err.into_service_error()), "AccessDeniedException");
    h.knobs().deny_account(h.management_account(), false);

    h.knobs().set_latency(Duration::from_millis(150));
    let t = std::time::Instant::now();
    assert!(c.describe_instance_information().send().await.is_ok());
    assert!(t.elapsed() >= Duration::from_millis(150));
    h.knobs().set_latency(Duration::ZERO);
}

/// A raw HTTP/1.1 exchange: (status, body).
async fn raw(endpoint: &str, request: String) -> (u16, String) {
    let addr = endpoint.trim_start_matches("http://");
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    s.write_all(request.as_bytes()).await.expect("write");
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.expect("read");
    let text = String::from_utf8_lossy(&buf).to_string();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or_default()
        .to_string();
    (status, body)
}

/// A raw `POST /` to the sim `h`: JSON 1.1 with `target`, else AWS Query (STS). With
/// `auth`, signed by AWS's own signer with the sim's key pair.
fn post(h: &SimHandle, target: Option<&str>, auth: bool, body: &str) -> String {
    let mut headers = vec![("Host", "sim"), ("Connection", "close")];
    let service = match target {
        Some(t) => {
            headers.push(("X-Amz-Target", t));
            headers.push(("Content-Type", "application/x-amz-json-1.1"));
            "ssm"
        }
        None => {
            headers.push(("Content-Type", "application/x-www-form-urlencoded"));
            "sts"
        }
    };
    let mut r = String::from("POST / HTTP/1.1\r\n");
    for (k, v) in &headers {
        r.push_str(&format!("{k}: {v}\r\n"));
    }
    if auth {
        for (k, v) in common::sigv4_headers(
            &mgmt_creds(h),
            service,
            "us-east-1",
            "POST",
            "http://sim/",
            &headers,
            body.as_bytes(),
            std::time::SystemTime::now(),
        ) {
            r.push_str(&format!("{k}: {v}\r\n"));
        }
    }
    r.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    r
}

#[tokio::test]
async fn protocol_edge_cases_answer_with_errors() {
    let h = start(5, 1).await;
    let ep = h.endpoint().to_string();

    let (st, body) = raw(&ep, post(&h, Some("AmazonSSM.FlyToTheMoon"), true, "{}")).await;
    assert_eq!(st, 400);
    assert!(body.contains("UnknownOperationException"), "{body}");

    let (st, body) = raw(
        &ep,
        post(
            &h,
            Some("AmazonSSM.DescribeInstanceInformation"),
            true,
            "{not json",
        ),
    )
    .await;
    assert_eq!(st, 400);
    assert!(body.contains("SerializationException"), "{body}");

    let (st, body) = raw(
        &ep,
        post(
            &h,
            Some("AmazonSSM.DescribeInstanceInformation"),
            true,
            "{\"MaxResults\":\"ten\"}",
        ),
    )
    .await;
    assert_eq!(st, 400);
    assert!(body.contains("SerializationException"), "{body}");

    let (st, body) = raw(
        &ep,
        post(
            &h,
            Some("AmazonSSM.DescribeInstanceInformation"),
            false,
            "{}",
        ),
    )
    .await;
    assert_eq!(st, 400);
    assert!(
        body.contains("MissingAuthenticationTokenException"),
        "{body}"
    );

    let mut garbled = post(
        &h,
        Some("AmazonSSM.DescribeInstanceInformation"),
        false,
        "{}",
    );
    garbled = garbled.replacen(
        "Connection: close\r\n",
        "Connection: close\r\nAuthorization: AWS4-HMAC-SHA256 Credential=%%%\r\n",
        1,
    );
    let (st, body) = raw(&ep, garbled).await;
    assert_eq!(st, 400);
    assert!(body.contains("IncompleteSignatureException"), "{body}");

    let (st, body) = raw(
        &ep,
        post(&h, None, true, "Action=LaunchRockets&Version=2011-06-15"),
    )
    .await;
    assert_eq!(st, 400);
    assert!(body.contains("<Code>InvalidAction</Code>"), "{body}");

    let (st, body) = raw(
        &ep,
        post(
            &h,
            None,
            false,
            "Action=GetCallerIdentity&Version=2011-06-15",
        ),
    )
    .await;
    assert_eq!(st, 403);
    assert!(body.contains("<ErrorResponse"), "{body}");

    let (st, _) = raw(
        &ep,
        post(
            &h,
            Some("AmazonSSM.DescribeInstanceInformation"),
            true,
            "[1,2,3]",
        ),
    )
    .await;
    assert_eq!(st, 400);

    let huge = format!("{{\"NextToken\":\"{}\"}}", "a".repeat(2 << 20));
    let (st, _) = raw(
        &ep,
        post(
            &h,
            Some("AmazonSSM.DescribeInstanceInformation"),
            true,
            &huge,
        ),
    )
    .await;
    assert_eq!(st, 413);

    let (st, body) = raw(
        &ep,
        post(
            &h,
            Some("AmazonSSM.DescribeInstanceInformation"),
            true,
            "{}",
        ),
    )
    .await;
    assert_eq!(st, 200);
    assert!(body.contains("\"InstanceInformationList\""));

    // The server is still alive and counted everything.
    let mut get = String::from("GET /_sim/stats HTTP/1.1\r\nHost: sim\r\nConnection: close\r\n");
    for (k, v) in common::sigv4_headers(
        &mgmt_creds(&h),
        "sim",
        "us-east-1",
        "GET",
        "http://sim/_sim/stats",
        &[("Host", "sim")],
        b"",
        std::time::SystemTime::now(),
    ) {
        get.push_str(&format!("{k}: {v}\r\n"));
    }
    get.push_str("\r\n");
    let (st, body) = raw(&ep, get).await;
    assert_eq!(st, 200);
    let stats: serde_json::Value = serde_json::from_str(&body).expect("stats json");
    assert_eq!(stats["by_operation"]["FlyToTheMoon"], 1);
    assert!(stats["total"].as_u64().unwrap_or(0) >= 10);
}

#[tokio::test]
async fn stats_count_calls_by_operation_and_account() {
    let h = start(5, 2).await;
    let c = ssm(&h);
    for _ in 0..3 {
        c.describe_instance_information().send().await.expect("ok");
    }
    let _ = c
        .describe_instance_information()
        .max_results(1)
        .send()
        .await;
    let member = h.accounts()[1].0.clone();
    let out = sts(&h, mgmt_creds(&h))
        .assume_role()
        .role_arn(format!("arn:aws:iam::{member}:role/Admin"))
        .role_session_name("s1")
        .send()
        .await
        .expect("assume");
    let cr = out.credentials().expect("creds");
    let mc = ssm_with(
        &h,
        Credentials::new(
            cr.access_key_id(),
            cr.secret_access_key(),
            Some(cr.session_token().to_string()),
            None,
            "a",
        ),
        "eu-west-1",
        RetryConfig::disabled(),
    );
    mc.describe_instance_information()
        .send()
        .await
        .expect("member");

    let s = h.stats();
    assert_eq!(s.count("DescribeInstanceInformation"), 5);
    assert_eq!(s.count("AssumeRole"), 1);
    assert_eq!(s.total, 6);
    assert_eq!(
        s.by_account[h.management_account()]["DescribeInstanceInformation"],
        4
    );
    assert_eq!(s.by_account[&member]["DescribeInstanceInformation"], 1);
    h.shutdown().await;
}

#[tokio::test]
async fn garbage_input_never_kills_the_server() {
    let h = start(5, 2).await;
    let ep = h.endpoint().to_string();
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    let (st, body) = raw(
        &ep,
        post(
            &h,
            Some("AmazonSSM.DescribeInstanceInformation"),
            true,
            &deep,
        ),
    )
    .await;
    assert_eq!(st, 400, "{body}");

    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let fragments = [
        "{",
        "}",
        "[",
        "]",
        "\"Filters\"",
        "\"InstanceInformationFilterList\"",
        "\"Key\"",
        "\"key\"",
        "\"Values\"",
        "\"valueSet\"",
        "\"MaxResults\"",
        "\"NextToken\"",
        ":",
        ",",
        "null",
        "7",
        "-1",
        "1e99",
        "\"tag:\"",
        "\"PingStatus\"",
        "\"\u{1F4A5}\"",
        "true",
        "\"ResourceId\"",
    ];
    let targets = [
        "AmazonSSM.DescribeInstanceInformation",
        "AmazonSSM.ListTagsForResource",
        "AWSOrganizationsV20161128.ListAccounts",
        "AWSOrganizationsV20161128.DescribeOrganization",
        "AmazonSSM.",
        ".",
        "",
    ];
    for _ in 0..300 {
        let n = (next() % 12) as usize;
        let body: String = (0..n)
            .map(|_| fragments[(next() as usize) % fragments.len()])
            .collect();
        let target = targets[(next() as usize) % targets.len()];
        let (st, _) = raw(&ep, post(&h, Some(target), next() % 4 != 0, &body)).await;
        assert!((200..500).contains(&st), "{st} for {target} {body}");
    }
    for body in [
        "Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A&RoleSessionName=%FF%FE",
        "Action=AssumeRole&DurationSeconds=99999999999999999999",
        "%%%&&&===",
    ] {
        let (st, _) = raw(&ep, post(&h, None, true, body)).await;
        assert!((400..500).contains(&st), "{st} for {body}");
    }
    let c = ssm(&h);
    assert!(c.describe_instance_information().send().await.is_ok());
}

#[tokio::test]
async fn get_inventory_serves_ec2_tags() {
    let h = start(30, 1).await;
    let c = ssm(&h);
    let all = all_nodes(&c).await;
    let ec2: Vec<&str> = all
        .iter()
        .filter_map(|n| n.instance_id())
        .filter(|id| id.starts_with("i-"))
        .collect();
    let tag_type = aws_sdk_ssm::types::ResultAttribute::builder()
        .type_name("AWS:Tag")
        .build()
        .expect("attribute");
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let out = c
            .get_inventory()
            .result_attributes(tag_type.clone())
            .max_results(7)
            .set_next_token(token.take())
            .send()
            .await
            .expect("inventory page");
        for e in out.entities() {
            let data = e.data().expect("data");
            let item = data.get("AWS:Tag").expect("AWS:Tag item");
            assert!(
                item.content()
                    .iter()
                    .any(|row| row.get("Key").map(String::as_str) == Some("Name"))
            );
            seen.push(e.id().expect("id").to_string());
        }
        match out.next_token() {
            Some(t) => token = Some(t.to_string()),
            None => break,
        }
    }
    seen.sort();
    let mut expected: Vec<String> = ec2.iter().map(|s| s.to_string()).collect();
    expected.sort();
    assert_eq!(seen, expected, "every EC2 node once, no hybrid node");

    let err = c
        .get_inventory()
        .max_results(51)
        .send()
        .await
        .expect_err("MaxResults 51");
    assert_eq!(code(&err.into_service_error()), "ValidationException");
    let err = c
        .get_inventory()
        .result_attributes(
            aws_sdk_ssm::types::ResultAttribute::builder()
                .type_name("AWS:Banana")
                .build()
                .expect("attribute"),
        )
        .send()
        .await
        .expect_err("unknown type");
    assert_eq!(
        code(&err.into_service_error()),
        "InvalidResultAttributeException"
    );
}

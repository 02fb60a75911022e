//! Parameter Store and patch baselines of the simulated estate, exercised through the real
//! AWS SDK client: paging, limits, filters, validation errors, decryption, history,
//! PutParameter versions and errors, labels, GetPatchBaseline.

use aws_sdk_ssm::types::{
    ParameterMetadata, ParameterStringFilter, ParameterTier, ParameterType, ParametersFilter,
    ParametersFilterKey,
};

mod common;
use common::{service_code, ssm, start};

fn filter(key: &str, option: Option<&str>, values: &[&str]) -> ParameterStringFilter {
    let mut b = ParameterStringFilter::builder()
        .key(key)
        .set_option(option.map(str::to_string));
    for v in values {
        b = b.values(*v);
    }
    b.build().expect("filter")
}

async fn describe(
    c: &aws_sdk_ssm::Client,
    filters: Vec<ParameterStringFilter>,
) -> Vec<ParameterMetadata> {
    c.describe_parameters()
        .set_parameter_filters(Some(filters))
        .max_results(7)
        .into_paginator()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .expect("describe parameters")
        .into_iter()
        .flat_map(|p| p.parameters().to_vec())
        .collect()
}

fn names(list: &[ParameterMetadata]) -> Vec<&str> {
    list.iter().filter_map(|p| p.name()).collect()
}

#[tokio::test]
async fn describe_parameters_pages_and_filters() {
    let h = start(5, 2).await;
    let c = ssm(&h);
    let all = describe(&c, Vec::new()).await;
    assert!(all.len() >= 20, "{} parameters", all.len());
    let mut sorted = names(&all);
    sorted.dedup();
    assert_eq!(sorted.len(), all.len(), "pages overlap");
    assert!(all.iter().all(|p| p.value_missing_is_fine()));

    // Default page is 10, and the token is bound to the query.
    let first = c.describe_parameters().send().await.expect("page");
    assert_eq!(first.parameters().len(), 10);
    let token = first.next_token().expect("more").to_string();
    let err = c
        .describe_parameters()
        .parameter_filters(filter("Type", None, &["String"]))
        .next_token(token)
        .send()
        .await
        .expect_err("token of another query");
    assert_eq!(service_code(&err), "InvalidNextToken");

    // MaxResults 1..50.
    for bad in [0, 51] {
        let err = c
            .describe_parameters()
            .max_results(bad)
            .send()
            .await
            .expect_err("out of range");
        assert_eq!(service_code(&err), "ValidationException");
    }

    // Path OneLevel vs Recursive.
    let app = all
        .iter()
        .filter_map(|p| p.name())
        .find(|n| n.starts_with("/app/"))
        .expect("an /app parameter");
    let base: Vec<&str> = app.split('/').take(4).collect();
    let base = base.join("/");
    let one = describe(&c, vec![filter("Path", Some("OneLevel"), &[&base])]).await;
    let rec = describe(&c, vec![filter("Path", Some("Recursive"), &[&base])]).await;
    assert!(
        !one.is_empty() && rec.len() > one.len(),
        "{} vs {}",
        one.len(),
        rec.len()
    );
    assert!(
        names(&one)
            .iter()
            .all(|n| !n[base.len() + 1..].contains('/'))
    );
    assert!(names(&rec).iter().any(|n| n.ends_with("/db/password")));

    // Type, Name BeginsWith, KeyId, Tier, DataType, tag.
    let secure = describe(&c, vec![filter("Type", Some("Equals"), &["SecureString"])]).await;
    assert!(!secure.is_empty());
    assert!(
        secure
            .iter()
            .all(|p| p.r#type() == Some(&ParameterType::SecureString))
    );
    assert!(secure.iter().all(|p| p.key_id().is_some()));
    let begins = describe(&c, vec![filter("Name", Some("BeginsWith"), &["/shared/"])]).await;
    assert_eq!(begins.len(), 2, "{:?}", names(&begins));
    let custom_key = describe(
        &c,
        vec![filter("KeyId", Some("BeginsWith"), &["arn:aws:kms:"])],
    )
    .await;
    assert!(names(&custom_key).iter().all(|n| n.ends_with("/api-key")));
    let advanced = describe(&c, vec![filter("Tier", None, &["Advanced"])]).await;
    assert_eq!(names(&advanced), vec!["/infra/cloudwatch-agent/config"]);
    assert_eq!(advanced[0].tier(), Some(&ParameterTier::Advanced));
    let images = describe(&c, vec![filter("DataType", None, &["aws:ec2:image"])]).await;
    assert_eq!(names(&images), vec!["/ami/golden/al2023"]);
    let tagged = describe(&c, vec![filter("tag:ManagedBy", None, &["terraform"])]).await;
    assert_eq!(tagged.len(), all.len());
    let contains = describe(&c, vec![filter("Name", Some("Contains"), &["password"])]).await;
    assert!(!contains.is_empty());

    // Legacy filters, and not together with ParameterFilters.
    let legacy = c
        .describe_parameters()
        .filters(
            ParametersFilter::builder()
                .key(ParametersFilterKey::Type)
                .values("StringList")
                .build()
                .expect("filter"),
        )
        .max_results(50)
        .send()
        .await
        .expect("legacy");
    assert!(
        legacy
            .parameters()
            .iter()
            .all(|p| p.r#type() == Some(&ParameterType::StringList))
    );

    // Errors.
    let cases = [
        (filter("Label", None, &["x"]), "InvalidFilterKey"),
        (
            filter("Name", Some("Recursive"), &["/a"]),
            "InvalidFilterOption",
        ),
        (
            filter("Path", Some("Equals"), &["/a"]),
            "InvalidFilterOption",
        ),
        (filter("Type", None, &["Secret"]), "InvalidFilterValue"),
        (filter("Path", None, &["app"]), "InvalidFilterValue"),
        (filter("Bogus", None, &["x"]), "ValidationException"),
    ];
    for (f, want) in cases {
        let err = c
            .describe_parameters()
            .parameter_filters(f)
            .send()
            .await
            .expect_err(want);
        assert_eq!(service_code(&err), want);
    }
}

trait NoValue {
    fn value_missing_is_fine(&self) -> bool;
}

impl NoValue for ParameterMetadata {
    /// DescribeParameters carries metadata only; every entry has a name and a version.
    fn value_missing_is_fine(&self) -> bool {
        self.name().is_some() && self.version() >= 1
    }
}

#[tokio::test]
async fn by_path_get_and_decryption() {
    let h = start(5, 1).await;
    let c = ssm(&h);
    let all = c
        .get_parameters_by_path()
        .path("/")
        .recursive(true)
        .into_paginator()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .expect("by path")
        .into_iter()
        .flat_map(|p| p.parameters().to_vec())
        .collect::<Vec<_>>();
    assert!(all.len() >= 20);
    let first = c
        .get_parameters_by_path()
        .path("/")
        .recursive(true)
        .send()
        .await
        .expect("page");
    assert_eq!(first.parameters().len(), 10);
    let err = c
        .get_parameters_by_path()
        .path("/")
        .max_results(11)
        .send()
        .await
        .expect_err("max 10");
    assert_eq!(service_code(&err), "ValidationException");
    let err = c
        .get_parameters_by_path()
        .path("/")
        .parameter_filters(filter("Name", None, &["x"]))
        .send()
        .await
        .expect_err("Name not allowed by path");
    assert_eq!(service_code(&err), "InvalidFilterKey");

    // A SecureString is ciphertext unless decrypted.
    let pw = all
        .iter()
        .find(|p| p.name().is_some_and(|n| n.ends_with("/db/password")))
        .expect("a password");
    let name = pw.name().expect("name").to_string();
    assert_eq!(pw.r#type(), Some(&ParameterType::SecureString));
    let plain = c
        .get_parameter()
        .name(&name)
        .with_decryption(true)
        .send()
        .await
        .expect("decrypted");
    let plain = plain
        .parameter()
        .expect("p")
        .value()
        .expect("v")
        .to_string();
    assert_ne!(pw.value(), Some(plain.as_str()));
    assert!(plain.contains('-'));
    let enc = c
        .get_parameter()
        .name(&name)
        .send()
        .await
        .expect("encrypted");
    assert_eq!(enc.parameter().and_then(|p| p.value()), pw.value());

    // Labels: the path, label filter, and selectors.
    let labelled = c
        .get_parameters_by_path()
        .path(name.rsplit_once('/').map(|(p, _)| p).expect("parent"))
        .parameter_filters(filter("Label", None, &["previous"]))
        .with_decryption(true)
        .send()
        .await
        .expect("label filter");
    let prev = labelled.parameters().first().expect("labelled version");
    assert_eq!(prev.selector(), Some(":previous"));
    let by_label = c
        .get_parameter()
        .name(format!("{name}:previous"))
        .with_decryption(true)
        .send()
        .await
        .expect("selector");
    assert_eq!(
        by_label.parameter().map(|p| p.version()),
        Some(prev.version())
    );
    let err = c
        .get_parameter()
        .name(format!("{name}:999"))
        .send()
        .await
        .expect_err("no such version");
    assert_eq!(service_code(&err), "ParameterVersionNotFound");
    let err = c
        .get_parameter()
        .name("/nope/nothing")
        .send()
        .await
        .expect_err("missing");
    assert_eq!(service_code(&err), "ParameterNotFound");

    // GetParameters: up to 10 names, unknown ones listed as invalid.
    let got = c
        .get_parameters()
        .names(&name)
        .names("/nope/nothing")
        .send()
        .await
        .expect("get parameters");
    assert_eq!(got.parameters().len(), 1);
    assert_eq!(got.invalid_parameters(), ["/nope/nothing".to_string()]);
    let mut many = c.get_parameters();
    for i in 0..11 {
        many = many.names(format!("/p{i}"));
    }
    let err = many.send().await.expect_err("11 names");
    assert_eq!(service_code(&err), "ValidationException");

    // Public parameters.
    let ami = c
        .get_parameters_by_path()
        .path("/aws/service/ami-amazon-linux-latest")
        .send()
        .await
        .expect("public");
    assert!(ami.parameters().len() >= 3);
    assert!(
        ami.parameters()
            .iter()
            .all(|p| p.value().is_some_and(|v| v.starts_with("ami-")))
    );
}

#[tokio::test]
async fn history_put_and_labels() {
    let h = start(5, 1).await;
    let c = ssm(&h);
    let name = "/app/cockpit-test/prod/token";
    let put = c
        .put_parameter()
        .name(name)
        .value("first")
        .r#type(ParameterType::SecureString)
        .description("test token")
        .send()
        .await
        .expect("create");
    assert_eq!(put.version(), 1);
    assert_eq!(put.tier(), Some(&ParameterTier::Standard));
    let err = c
        .put_parameter()
        .name(name)
        .value("again")
        .send()
        .await
        .expect_err("exists");
    assert_eq!(service_code(&err), "ParameterAlreadyExists");
    let put = c
        .put_parameter()
        .name(name)
        .value("second")
        .overwrite(true)
        .send()
        .await
        .expect("overwrite");
    assert_eq!(put.version(), 2);
    let err = c
        .put_parameter()
        .name(name)
        .value("third")
        .r#type(ParameterType::String)
        .overwrite(true)
        .send()
        .await
        .expect_err("type change");
    assert_eq!(service_code(&err), "HierarchyTypeMismatchException");

    // History: oldest first, values encrypted unless asked.
    let hist = c
        .get_parameter_history()
        .name(name)
        .send()
        .await
        .expect("history");
    let versions: Vec<i64> = hist.parameters().iter().map(|p| p.version()).collect();
    assert_eq!(versions, vec![1, 2]);
    assert!(hist.parameters().iter().all(|p| p.value() != Some("first")));
    assert_eq!(hist.parameters()[1].description(), Some("test token"));
    let hist = c
        .get_parameter_history()
        .name(name)
        .with_decryption(true)
        .send()
        .await
        .expect("history decrypted");
    assert_eq!(hist.parameters()[0].value(), Some("first"));
    let err = c
        .get_parameter_history()
        .name(name)
        .max_results(51)
        .send()
        .await
        .expect_err("max 50");
    assert_eq!(service_code(&err), "ValidationException");

    // Labels move between versions; bad labels are reported.
    let l = c
        .label_parameter_version()
        .name(name)
        .parameter_version(1)
        .labels("stable")
        .labels("aws-nope")
        .send()
        .await
        .expect("label");
    assert_eq!(l.invalid_labels(), ["aws-nope".to_string()]);
    c.label_parameter_version()
        .name(name)
        .labels("stable")
        .send()
        .await
        .expect("move label");
    let hist = c
        .get_parameter_history()
        .name(name)
        .send()
        .await
        .expect("history");
    assert!(hist.parameters()[0].labels().is_empty());
    assert_eq!(hist.parameters()[1].labels(), ["stable".to_string()]);

    // Size limits and tiers.
    let big = "x".repeat(5000);
    let err = c
        .put_parameter()
        .name("/app/cockpit-test/prod/big")
        .value(&big)
        .r#type(ParameterType::String)
        .tier(ParameterTier::Standard)
        .send()
        .await
        .expect_err("4 KB");
    assert_eq!(service_code(&err), "ValidationException");
    let put = c
        .put_parameter()
        .name("/app/cockpit-test/prod/big")
        .value(&big)
        .r#type(ParameterType::String)
        .tier(ParameterTier::IntelligentTiering)
        .send()
        .await
        .expect("intelligent tiering");
    assert_eq!(put.tier(), Some(&ParameterTier::Advanced));
    let err = c
        .put_parameter()
        .name("/app/cockpit-test/prod/big")
        .value("small")
        .tier(ParameterTier::Standard)
        .overwrite(true)
        .send()
        .await
        .expect_err("no downgrade");
    assert_eq!(service_code(&err), "ValidationException");
    let err = c
        .put_parameter()
        .name("/app/cockpit-test/prod/huge")
        .value("x".repeat(8193))
        .r#type(ParameterType::String)
        .tier(ParameterTier::Advanced)
        .send()
        .await
        .expect_err("8 KB");
    assert_eq!(service_code(&err), "ValidationException");

    // Names.
    for (bad, want) in [
        ("/aws/mine", "ValidationException"),
        ("/a b", "ValidationException"),
        (
            "/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16",
            "HierarchyLevelLimitExceededException",
        ),
    ] {
        let err = c
            .put_parameter()
            .name(bad)
            .value("v")
            .r#type(ParameterType::String)
            .send()
            .await
            .expect_err(bad);
        assert_eq!(service_code(&err), want, "{bad}");
    }
    let err = c
        .put_parameter()
        .name("/app/cockpit-test/prod/ami")
        .value("not-an-ami")
        .r#type(ParameterType::String)
        .data_type("aws:ec2:image")
        .send()
        .await
        .expect_err("ami format");
    assert_eq!(service_code(&err), "ValidationException");
    let err = c
        .put_parameter()
        .name("/app/cockpit-test/prod/typed")
        .value("v")
        .send()
        .await
        .expect_err("type required to create");
    assert_eq!(service_code(&err), "ValidationException");

    // The new parameter shows up in DescribeParameters with its version.
    let found = describe(&c, vec![filter("Name", None, &[name])]).await;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].version(), 2);
    assert_eq!(found[0].key_id(), Some("alias/aws/ssm"));
}

#[tokio::test]
async fn patch_baselines_in_full() {
    let h = start(40, 2).await;
    let c = ssm(&h);
    let ids = c
        .describe_patch_baselines()
        .send()
        .await
        .expect("baselines");
    assert!(ids.baseline_identities().len() >= 8);
    let mut custom = 0;
    for b in ids.baseline_identities() {
        let id = b.baseline_id().expect("id");
        let full = c
            .get_patch_baseline()
            .baseline_id(id)
            .send()
            .await
            .expect("get patch baseline");
        assert_eq!(full.baseline_id(), Some(id));
        assert_eq!(full.name(), b.baseline_name());
        let rules = full.approval_rules().expect("rules").patch_rules();
        assert!(!rules.is_empty());
        assert!(
            rules
                .iter()
                .all(|r| r.approve_after_days().is_some() != r.approve_until_date().is_some())
        );
        if !b.baseline_name().unwrap_or_default().starts_with("AWS-") {
            custom += 1;
            assert!(!full.rejected_patches().is_empty());
            assert!(!full.patch_groups().is_empty());
        }
    }
    assert!(custom > 0, "some custom baselines");
    let err = c
        .get_patch_baseline()
        .baseline_id("pb-0000000000000000000")
        .send()
        .await
        .expect_err("unknown");
    assert_eq!(service_code(&err), "DoesNotExistException");
    let err = c
        .get_patch_baseline()
        .baseline_id("short")
        .send()
        .await
        .expect_err("too short");
    assert_eq!(service_code(&err), "ValidationException");

    // Patch groups map to the same baseline both ways.
    let groups = c.describe_patch_groups().send().await.expect("groups");
    for m in groups.mappings() {
        let g = m.patch_group().expect("group");
        let b = m.baseline_identity().expect("baseline");
        let os = b.operating_system().expect("os").clone();
        let for_group = c
            .get_patch_baseline_for_patch_group()
            .patch_group(g)
            .operating_system(os)
            .send()
            .await
            .expect("for group");
        assert_eq!(for_group.baseline_id(), b.baseline_id(), "{g}");
    }
}

fn export(h: &ssm_cockpit::sim::SimHandle, args: &[&str]) -> std::process::Output {
    let args = [&["export"], args].concat();
    common::cockpit_cmd(h.endpoint(), "us-east-1", h.credentials(), &args)
        .env("XDG_CONFIG_HOME", "/nonexistent/ssm-cockpit-test-xdg")
        .output()
        .expect("export runs")
}

#[tokio::test(flavor = "multi_thread")]
async fn export_leaves_secure_strings_out_unless_asked() {
    let h = ssm_cockpit::sim::start(ssm_cockpit::sim::SimConfig {
        accounts: 1,
        regions: vec!["us-east-1".into()],
        nodes_per_scope: 3,
        ..ssm_cockpit::sim::SimConfig::default()
    })
    .await
    .expect("sim");
    let c = ssm(&h);
    let secure = describe(&c, vec![filter("Type", None, &["SecureString"])]).await;
    let mut secrets = Vec::new();
    for p in &secure {
        let name = p.name().expect("name");
        let v = c
            .get_parameter()
            .name(name)
            .with_decryption(true)
            .send()
            .await
            .expect("decrypt");
        secrets.push(
            v.parameter()
                .and_then(|p| p.value())
                .expect("value")
                .to_string(),
        );
        let enc = c
            .get_parameter()
            .name(name)
            .send()
            .await
            .expect("encrypted");
        secrets.push(
            enc.parameter()
                .and_then(|p| p.value())
                .expect("value")
                .to_string(),
        );
    }
    assert!(secrets.len() >= 4);
    for format in ["json", "csv"] {
        let out = export(&h, &["parameters", "--format", format]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        for s in &secrets {
            assert!(!text.contains(s.as_str()), "{format} export leaks {s}");
        }
        assert!(
            text.contains("/db/password"),
            "{format}: secure names are listed"
        );
        assert!(
            text.contains(".rds.amazonaws.com"),
            "{format}: plain values are kept"
        );
    }
    let out = export(&h, &["parameters", "--format", "json"]);
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).expect("json");
    for r in rows.iter().filter(|r| r["type"] == "SecureString") {
        assert!(r["value"].is_null(), "{r}");
    }
    let out = export(&h, &["parameters", "--format", "json", "--with-decryption"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    // Plaintexts are there (every other entry of `secrets` is a ciphertext).
    for s in secrets.iter().step_by(2) {
        assert!(text.contains(s.as_str()), "--with-decryption misses {s}");
    }
    for s in secrets.iter().skip(1).step_by(2) {
        assert!(!text.contains(s.as_str()), "ciphertext exported");
    }

    for what in ["baselines", "documents"] {
        for format in ["json", "csv"] {
            let out = export(&h, &[what, "--format", format]);
            assert!(
                out.status.success(),
                "{what}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(out.stdout.len() > 100, "{what} {format}");
        }
    }
}

#[tokio::test]
async fn effective_patches_of_windows_baselines() {
    let h = start(40, 2).await;
    let c = ssm(&h);
    let ids = c
        .describe_patch_baselines()
        .send()
        .await
        .expect("baselines");
    let windows: Vec<_> = ids
        .baseline_identities()
        .iter()
        .filter(|b| b.operating_system().map(|o| o.as_str()) == Some("WINDOWS"))
        .filter_map(|b| b.baseline_id())
        .collect();
    assert!(!windows.is_empty());
    for id in windows {
        let all = c
            .describe_effective_patches_for_patch_baseline()
            .baseline_id(id)
            .max_results(7)
            .into_paginator()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .expect("effective patches")
            .into_iter()
            .flat_map(|p| p.effective_patches().to_vec())
            .collect::<Vec<_>>();
        assert!(!all.is_empty(), "{id}");
        for p in &all {
            let status = p.patch_status().expect("status");
            let dep = status.deployment_status().expect("deployment").as_str();
            assert!(
                [
                    "APPROVED",
                    "PENDING_APPROVAL",
                    "EXPLICIT_APPROVED",
                    "EXPLICIT_REJECTED"
                ]
                .contains(&dep),
                "{dep}"
            );
            assert!(p.patch().and_then(|p| p.kb_number()).is_some());
        }
    }
    let linux = ids
        .baseline_identities()
        .iter()
        .find(|b| b.operating_system().map(|o| o.as_str()) == Some("AMAZON_LINUX_2023"))
        .and_then(|b| b.baseline_id())
        .expect("an AL2023 baseline");
    let err = c
        .describe_effective_patches_for_patch_baseline()
        .baseline_id(linux)
        .send()
        .await
        .expect_err("windows only");
    assert_eq!(service_code(&err), "UnsupportedOperatingSystem");
    let err = c
        .describe_effective_patches_for_patch_baseline()
        .baseline_id(linux)
        .max_results(101)
        .send()
        .await
        .expect_err("max 100");
    assert_eq!(service_code(&err), "ValidationException");
}

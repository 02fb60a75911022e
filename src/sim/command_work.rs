//! What a Run Command invocation does on a node when nothing runs for real: the plugins
//! a document reports for the node's platform and a believable outcome for each
//! (AWS-RunPatchBaseline from the node's patch state, AWS-ConfigureAWSPackage from the
//! scope's packages, AWS-RunPowerShellScript echoing its output lines on Windows).
//! AWS-RunShellScript on Linux and macOS becomes a script for [`super::command_exec`].

use std::collections::BTreeMap;

use serde_json::Value;

use super::documents::{Document, step_str};
use super::estate::{Estate, Node, Platform};
use super::ops_data::patch_facts;
use super::records::{InvState, Outcome, Plugin, Work};
use super::wire::SplitMix;

fn step_applies(step: &Value, platform: Platform) -> bool {
    match step
        .get("precondition")
        .and_then(|p| p.get("StringEquals"))
        .and_then(Value::as_array)
    {
        Some(pair) => pair.get(1).and_then(Value::as_str) == Some(platform.as_str()),
        None => true,
    }
}

/// The plugins of a document: (name, action, applies to the platform).
fn plugins_of(doc: &Document, version: usize, platform: Platform) -> Vec<(String, String, bool)> {
    let Some(body) = doc.body(version) else {
        return Vec::new();
    };
    if let Some(rc) = body.get("runtimeConfig").and_then(Value::as_object) {
        return rc.keys().map(|k| (k.clone(), k.clone(), true)).collect();
    }
    body.get("mainSteps")
        .and_then(Value::as_array)
        .map(|steps| {
            steps
                .iter()
                .map(|s| {
                    let name = step_str(s, "name", "step");
                    let action = step_str(s, "action", "");
                    (name, action, step_applies(s, platform))
                })
                .collect()
        })
        .unwrap_or_default()
}

pub(crate) fn ok(stdout: impl Into<String>) -> Outcome {
    Outcome {
        state: InvState::Success,
        code: 0,
        stdout: stdout.into(),
        stderr: String::new(),
    }
}

pub(crate) fn failed(code: i64, stdout: impl Into<String>, stderr: impl Into<String>) -> Outcome {
    Outcome {
        state: InvState::Failed,
        code,
        stdout: stdout.into(),
        stderr: stderr.into(),
    }
}

/// Simulated output of one plugin.
pub(crate) struct WorkCtx<'a> {
    pub(crate) estate: &'a Estate,
    pub(crate) now: f64,
    pub(crate) account: usize,
    pub(crate) region: &'a str,
    pub(crate) node: &'a Node,
    pub(crate) params: &'a BTreeMap<String, Vec<String>>,
    /// The Package documents of the scope.
    pub(crate) packages: &'a [Document],
    pub(crate) rng: SplitMix,
}

impl WorkCtx<'_> {
    fn param(&self, name: &str) -> String {
        self.params
            .get(name)
            .map(|v| v.join("\n"))
            .unwrap_or_default()
    }
}

fn patch_baseline(w: &mut WorkCtx<'_>) -> Outcome {
    let facts = patch_facts(w.estate.seed, w.node, w.now, w.estate.started);
    let op = w.param("Operation");
    let reboot = w.param("RebootOption");
    let baseline = super::ops_data::baseline_for(
        w.region,
        &w.estate.accounts[w.account].id,
        w.estate.seed,
        w.node,
    );
    let mut out = format!(
        "Patch group: {}\nBaseline: {baseline}\nOperation: {op}\nInstalled: {}, InstalledOther: {}, InstalledPendingReboot: {}, Missing: {}, Failed: {}, NotApplicable: {}\n",
        facts.group,
        facts.installed,
        facts.installed_other,
        facts.pending_reboot,
        facts.missing,
        facts.failed,
        facts.not_applicable
    );
    if op == "Scan" {
        out.push_str(if facts.missing + facts.failed == 0 {
            "Instance is compliant with the patch baseline.\n"
        } else {
            "Instance is NON_COMPLIANT: missing patches were found.\n"
        });
        return ok(out);
    }
    if facts.failed > 0 {
        out.push_str(&format!(
            "Installed {} of {} patches; {} failed to install.\n",
            facts.missing,
            facts.missing + facts.failed,
            facts.failed
        ));
        return failed(1, out, "ERROR: one or more patches failed to install\n");
    }
    out.push_str(&format!("Installed {} patches.\n", facts.missing));
    if facts.missing + facts.pending_reboot > 0 {
        out.push_str(if reboot == "NoReboot" {
            "RebootOption NoReboot: the instance needs a reboot to finish patching.\n"
        } else {
            "Rebooting the instance to finish patching.\n"
        });
    }
    ok(out)
}

fn configure_package(w: &mut WorkCtx<'_>) -> Outcome {
    let name = w.param("name");
    let action = w.param("action");
    let version = w.param("version");
    let short = name.rsplit_once('/').map(|(_, n)| n).unwrap_or(&name);
    let pkg = w.packages.iter().find(|d| d.name == short);
    let Some(pkg) = pkg else {
        return failed(
            1,
            format!("Initiating {name} {action}\n"),
            format!(
                "failed to download manifest - failed to retrieve package document description: InvalidDocument: Document with name {short} does not exist.\n"
            ),
        );
    };
    let chosen = if version.is_empty() {
        pkg.version(pkg.default_version)
    } else {
        pkg.versions
            .iter()
            .find(|v| v.version_name.as_deref() == Some(version.as_str()))
    };
    let Some(chosen) = chosen else {
        return failed(
            1,
            format!("Initiating {short} {version} {action}\n"),
            format!("failed to find version {version} of package {short}\n"),
        );
    };
    let v = chosen.version_name.clone().unwrap_or_default();
    let verb = if action == "Uninstall" {
        "uninstalled"
    } else {
        "installed"
    };
    ok(format!(
        "Initiating {short} {v} {}\nPlugin aws:runShellScript ResultStatus Success\nSuccessfully {verb} {short} {v}\n",
        action.to_lowercase()
    ))
}

fn powershell(w: &mut WorkCtx<'_>) -> Outcome {
    if w.node.platform != Platform::Windows {
        return failed(
            127,
            "",
            "/bin/sh: 1: pwsh: not found\nfailed to run commands: exit status 127\n",
        );
    }
    let mut out = String::new();
    for line in w.param("commands").lines() {
        let line = line.trim();
        let arg = ["Write-Output ", "Write-Host ", "echo "]
            .iter()
            .find_map(|p| line.strip_prefix(p));
        if let Some(a) = arg {
            out.push_str(a.trim().trim_matches(['\'', '"']));
            out.push('\n');
        } else if line.eq_ignore_ascii_case("hostname")
            || line.eq_ignore_ascii_case("$env:COMPUTERNAME")
        {
            out.push_str(&w.node.computer_name);
            out.push('\n');
        } else if let Some(rest) = line.strip_prefix("exit ") {
            let code = rest.trim().parse::<i64>().unwrap_or(1);
            if code != 0 {
                return failed(
                    code,
                    out,
                    format!("failed to run commands: exit status {code}\n"),
                );
            }
        }
    }
    ok(out)
}

fn generic(w: &mut WorkCtx<'_>, doc: &str, step: &str, action: &str) -> Outcome {
    let elapsed = w.rng.range(1, 40);
    match action {
        "aws:updateSsmAgent" => ok(format!(
            "Updating amazon-ssm-agent from {} to {}\nSuccessfully updated amazon-ssm-agent to {}\n",
            w.node.agent_version,
            super::estate::LATEST_AGENT,
            super::estate::LATEST_AGENT
        )),
        "aws:softwareInventory" => ok(format!(
            "Inventory collection completed in {elapsed}s: AWS:Application, AWS:AWSComponent, AWS:Network, AWS:InstanceInformation\n"
        )),
        _ => {
            if w.rng.unit() < 0.04 {
                failed(
                    1,
                    format!("Running {doc} step {step}\n"),
                    "failed to run commands: exit status 1\n",
                )
            } else {
                ok(format!(
                    "Running {doc} step {step}\nCompleted in {elapsed}s.\n"
                ))
            }
        }
    }
}

/// The plugins an invocation will report and how it is carried out.
pub(crate) fn plan(w: &mut WorkCtx<'_>, doc: &Document, version: usize) -> (Vec<Plugin>, Work) {
    let plugins = plugins_of(doc, version, w.node.platform);
    let mk = |name: &str, skipped: bool, stdout: String| Plugin {
        name: name.to_string(),
        state: if skipped {
            InvState::Success
        } else {
            InvState::Pending
        },
        code: 0,
        start: None,
        end: None,
        stdout,
        stderr: String::new(),
        skipped,
    };
    if doc.name == "AWS-RunShellScript" {
        let name = "aws:runShellScript";
        if w.node.platform == Platform::Windows {
            let out = failed(
                1,
                "",
                format!(
                    "{name} is not supported on Windows. Use AWS-RunPowerShellScript for Windows managed nodes.\n"
                ),
            );
            return (
                vec![mk(name, false, String::new())],
                Work::Simulated {
                    outcomes: vec![out],
                    paces: 1,
                },
            );
        }
        let timeout = w.param("executionTimeout").parse::<f64>().unwrap_or(3600.0);
        let mut script = String::new();
        let dir = w.param("workingDirectory");
        if !dir.is_empty() {
            let rel = dir.trim_start_matches('/');
            script.push_str(&format!(
                "mkdir -p -- '{0}' && cd -- '{0}' || exit 1\n",
                rel.replace('\'', "'\\''")
            ));
        }
        script.push_str(&w.param("commands"));
        script.push('\n');
        return (
            vec![mk(name, false, String::new())],
            Work::Script {
                script,
                timeout,
                host: w.node.computer_name.clone(),
            },
        );
    }
    let mut outcomes = Vec::new();
    let mut list = Vec::new();
    for (name, action, applies) in &plugins {
        if !applies {
            list.push(mk(
                name,
                true,
                format!("Step execution skipped due to unsatisfied preconditions: '\"StringEquals\": [platformType, {}]'. Step name: {name}\n", w.node.platform.as_str()),
            ));
            continue;
        }
        let outcome = match doc.name.as_str() {
            "AWS-RunPowerShellScript" => powershell(w),
            "AWS-RunPatchBaseline" => patch_baseline(w),
            "AWS-ConfigureAWSPackage" => configure_package(w),
            _ => generic(w, &doc.name, name, action),
        };
        list.push(mk(name, false, String::new()));
        outcomes.push(outcome);
    }
    if list.is_empty() {
        list.push(mk("aws:runDocument", false, String::new()));
        outcomes.push(ok(""));
    }
    let paces = 1 + w.rng.range(1, 4) as u32;
    (list, Work::Simulated { outcomes, paces })
}

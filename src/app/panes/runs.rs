//! The Run Command forms a catalog entry fills in, from its pane or its popup: a patch
//! scan or install with a baseline (AWS-RunPatchBaseline), a package install or removal
//! (AWS-ConfigureAWSPackage).

use super::Cmd;
use crate::actions::{CommandTarget, RunCommandSpec, ScopedTarget};
use crate::model::{Estate, ScopeId};

/// The nodes of a scope patched with a baseline (from the patch feed), most missing
/// patches first.
pub fn baseline_nodes(estate: &Estate, scope: ScopeId, baseline_id: &str) -> Vec<String> {
    let mut v: Vec<_> = estate
        .scope_patch_states(scope)
        .iter()
        .filter(|p| p.baseline_id == baseline_id)
        .collect();
    v.sort_by(|a, b| {
        (b.missing + b.failed)
            .cmp(&(a.missing + a.failed))
            .then(a.instance_id.cmp(&b.instance_id))
    });
    v.into_iter().map(|p| p.instance_id.clone()).collect()
}

/// What AWS-RunPatchBaseline does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchOperation {
    Scan,
    Install,
}

/// The Run Command form for AWS-RunPatchBaseline on the patch groups a baseline serves
/// (or, without groups, the nodes patched with it); a note when neither exists, `None`
/// when the scope is gone.
pub fn patch_run(
    estate: &Estate,
    scope: ScopeId,
    baseline_id: &str,
    op: PatchOperation,
) -> Option<Cmd> {
    let s = estate.scope(scope).map(|s| s.scope.clone())?;
    let groups: Vec<String> = estate
        .scope_baselines(scope)
        .iter()
        .find(|b| b.id == baseline_id)
        .map(|b| b.patch_groups.clone())
        .unwrap_or_default();
    let states = estate.scope_patch_states(scope);
    let mut targets: Vec<ScopedTarget> = groups
        .iter()
        .map(|g| ScopedTarget {
            scope: s.clone(),
            target: CommandTarget::Tag {
                key: "Patch Group".into(),
                value: g.clone(),
            },
            expected: Some(states.iter().filter(|p| p.patch_group == *g).count()),
        })
        .collect();
    if targets.is_empty() {
        let nodes = baseline_nodes(estate, scope, baseline_id);
        if nodes.is_empty() {
            return Some(Cmd::Note {
                text: "no patch group or node uses this baseline".into(),
                error: true,
            });
        }
        targets.push(ScopedTarget::nodes(s, nodes));
    }
    let (operation, reboot) = match op {
        PatchOperation::Scan => ("Scan", "NoReboot"),
        PatchOperation::Install => ("Install", "RebootIfNeeded"),
    };
    let mut spec = RunCommandSpec::new("AWS-RunPatchBaseline")
        .with_parameter("Operation", vec![operation.into()])
        .with_parameter("RebootOption", vec![reboot.into()]);
    spec.targets = targets;
    spec.max_concurrency = "10%".into();
    spec.max_errors = "5%".into();
    spec.comment = format!("patch {} via {baseline_id}", operation.to_lowercase());
    Some(Cmd::RunCommand(Box::new(spec)))
}

/// The Run Command form for AWS-ConfigureAWSPackage installing or removing a package on
/// the nodes selected or marked in the nodes pane.
pub fn package_run(name: &str, install: bool) -> Cmd {
    let action = if install { "Install" } else { "Uninstall" };
    let mut spec = RunCommandSpec::new("AWS-ConfigureAWSPackage")
        .with_parameter("action", vec![action.into()])
        .with_parameter("name", vec![name.into()]);
    if install {
        spec = spec.with_parameter("installationType", vec!["Uninstall and reinstall".into()]);
    }
    spec.comment = format!("{} {name}", action.to_lowercase());
    Cmd::RunCommand(Box::new(spec))
}

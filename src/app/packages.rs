//! The actions of the baselines and packages panes, through the Run Command form opened
//! pre-filled: a patch scan or install (AWS-RunPatchBaseline, with its reboot option) on
//! a baseline's patch groups, and a Distributor package install or uninstall
//! (AWS-ConfigureAWSPackage) on the nodes selected in the nodes pane.

use crate::actions::{CommandTarget, RunCommandSpec, ScopedTarget};
use crate::model::ScopeId;

use super::App;

/// What AWS-RunPatchBaseline does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchOperation {
    Scan,
    Install,
}

impl App {
    /// The Run Command form for AWS-RunPatchBaseline on the patch groups a baseline
    /// serves (or, without groups, the nodes patched with it).
    pub fn open_patch_run(
        &mut self,
        scope: ScopeId,
        baseline_id: &str,
        op: PatchOperation,
    ) -> bool {
        let Some(s) = self.estate.scope(scope).map(|s| s.scope.clone()) else {
            return false;
        };
        let groups: Vec<String> = self
            .estate
            .scope_baselines(scope)
            .iter()
            .find(|b| b.id == baseline_id)
            .map(|b| b.patch_groups.clone())
            .unwrap_or_default();
        let states = self.estate.scope_patch_states(scope);
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
            let nodes = self.baseline_nodes(scope, baseline_id);
            if nodes.is_empty() {
                self.notice = Some(super::Notice {
                    text: "no patch group or node uses this baseline".into(),
                    error: true,
                });
                return true;
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
        self.open_run_command(spec)
    }

    /// The Run Command form for AWS-ConfigureAWSPackage installing or removing a package
    /// on the nodes selected or marked in the nodes pane.
    pub fn open_package_run(&mut self, name: &str, install: bool) -> bool {
        let action = if install { "Install" } else { "Uninstall" };
        let mut spec = RunCommandSpec::new("AWS-ConfigureAWSPackage")
            .with_parameter("action", vec![action.into()])
            .with_parameter("name", vec![name.into()]);
        if install {
            spec = spec.with_parameter("installationType", vec!["Uninstall and reinstall".into()]);
        }
        spec.comment = format!("{} {name}", action.to_lowercase());
        self.open_run_command(spec)
    }
}

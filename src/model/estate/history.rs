//! The estate's recent commands, automation executions and activations, per scope.

use super::super::{Activation, RecentAutomation, RecentCommand, ScopeId};
use super::Estate;

impl Estate {
    /// Recent commands of one scope.
    pub fn scope_commands(&self, id: ScopeId) -> &[RecentCommand] {
        self.data
            .get(id as usize)
            .map(|d| d.commands.as_slice())
            .unwrap_or(&[])
    }

    /// Recent commands of every scope, scope by scope.
    pub fn commands(&self) -> impl Iterator<Item = &RecentCommand> {
        self.data.iter().flat_map(|d| &d.commands)
    }

    /// Recent automation executions of one scope.
    pub fn scope_automations(&self, id: ScopeId) -> &[RecentAutomation] {
        self.data
            .get(id as usize)
            .map(|d| d.automations.as_slice())
            .unwrap_or(&[])
    }

    /// Recent automation executions of every scope, scope by scope.
    pub fn automations(&self) -> impl Iterator<Item = &RecentAutomation> {
        self.data.iter().flat_map(|d| &d.automations)
    }

    /// Hybrid activations of one scope.
    pub fn scope_activations(&self, id: ScopeId) -> &[Activation] {
        self.data
            .get(id as usize)
            .map(|d| d.activations.as_slice())
            .unwrap_or(&[])
    }

    /// The instance tier of one scope's on-premises nodes (`standard` / `advanced`), once
    /// the activations feed read it.
    pub fn scope_instance_tier(&self, id: ScopeId) -> Option<&str> {
        self.data.get(id as usize)?.instance_tier.as_deref()
    }

    /// Hybrid activations of every scope, scope by scope.
    pub fn activations(&self) -> impl Iterator<Item = &Activation> {
        self.data.iter().flat_map(|d| &d.activations)
    }
}

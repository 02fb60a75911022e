//! Every AWS operation the cockpit may call, as IAM action names, classified as read or
//! mutating. The IAM policy templates (`assets/iam/`) are checked against this list, and
//! the read-only test proves from the sim's call counter that no operation outside its
//! read half is ever sent in read-only mode: one list, so the two cannot drift.

/// How an operation touches the estate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Reads only (listing accounts and assuming the member-account role count as reads).
    Read,
    /// Changes something: runs a command or runbook, edits an item, opens a session.
    Mutating,
}

/// `service:Operation` and its access, sorted by service then operation.
pub const OPERATIONS: &[(&str, Access)] = &[
    ("organizations:ListAccounts", Access::Read),
    ("ssm:CancelCommand", Access::Mutating),
    ("ssm:DescribeActivations", Access::Read),
    ("ssm:DescribeAssociation", Access::Read),
    ("ssm:DescribeAssociationExecutionTargets", Access::Read),
    ("ssm:DescribeAssociationExecutions", Access::Read),
    ("ssm:DescribeAutomationExecutions", Access::Read),
    ("ssm:DescribeAutomationStepExecutions", Access::Read),
    ("ssm:DescribeDocument", Access::Read),
    ("ssm:DescribeInstanceAssociationsStatus", Access::Read),
    ("ssm:DescribeInstanceInformation", Access::Read),
    ("ssm:DescribeInstancePatchStates", Access::Read),
    ("ssm:DescribeInstancePatches", Access::Read),
    (
        "ssm:DescribeMaintenanceWindowExecutionTaskInvocations",
        Access::Read,
    ),
    ("ssm:DescribeMaintenanceWindowExecutionTasks", Access::Read),
    ("ssm:DescribeMaintenanceWindowExecutions", Access::Read),
    ("ssm:DescribeMaintenanceWindowSchedule", Access::Read),
    ("ssm:DescribeMaintenanceWindowTargets", Access::Read),
    ("ssm:DescribeMaintenanceWindowTasks", Access::Read),
    ("ssm:DescribeMaintenanceWindows", Access::Read),
    ("ssm:DescribeOpsItems", Access::Read),
    ("ssm:DescribeParameters", Access::Read),
    ("ssm:DescribePatchBaselines", Access::Read),
    ("ssm:DescribePatchGroups", Access::Read),
    ("ssm:DescribeSessions", Access::Read),
    ("ssm:GetAutomationExecution", Access::Read),
    ("ssm:GetCalendarState", Access::Read),
    ("ssm:GetCommandInvocation", Access::Read),
    ("ssm:GetDocument", Access::Read),
    ("ssm:GetInventory", Access::Read),
    ("ssm:GetInventorySchema", Access::Read),
    ("ssm:GetMaintenanceWindow", Access::Read),
    ("ssm:GetOpsItem", Access::Read),
    ("ssm:GetOpsSummary", Access::Read),
    ("ssm:GetParameter", Access::Read),
    ("ssm:GetParameterHistory", Access::Read),
    ("ssm:GetParameters", Access::Read),
    ("ssm:GetParametersByPath", Access::Read),
    ("ssm:GetPatchBaseline", Access::Read),
    ("ssm:GetPatchBaselineForPatchGroup", Access::Read),
    ("ssm:GetServiceSetting", Access::Read),
    ("ssm:ListAssociations", Access::Read),
    ("ssm:ListCommandInvocations", Access::Read),
    ("ssm:ListCommands", Access::Read),
    ("ssm:ListComplianceItems", Access::Read),
    ("ssm:ListComplianceSummaries", Access::Read),
    ("ssm:ListDocumentVersions", Access::Read),
    ("ssm:ListDocuments", Access::Read),
    ("ssm:ListInventoryEntries", Access::Read),
    ("ssm:ListOpsItemEvents", Access::Read),
    ("ssm:ListOpsItemRelatedItems", Access::Read),
    ("ssm:ListResourceComplianceSummaries", Access::Read),
    ("ssm:ListResourceDataSync", Access::Read),
    ("ssm:ListTagsForResource", Access::Read),
    ("ssm:PutParameter", Access::Mutating),
    ("ssm:ResumeSession", Access::Mutating),
    ("ssm:SendCommand", Access::Mutating),
    ("ssm:StartAssociationsOnce", Access::Mutating),
    ("ssm:StartAutomationExecution", Access::Mutating),
    ("ssm:StartSession", Access::Mutating),
    ("ssm:StopAutomationExecution", Access::Mutating),
    ("ssm:TerminateSession", Access::Mutating),
    ("ssm:UpdateOpsItem", Access::Mutating),
    ("sts:AssumeRole", Access::Read),
    ("sts:GetCallerIdentity", Access::Read),
];

/// The access of `op`, given as `ssm:SendCommand` or as the bare `SendCommand` (an SSM
/// operation, or the one service that has it); `None` when it is not classified.
pub fn access(op: &str) -> Option<Access> {
    let found = |name: &str| OPERATIONS.iter().find(|(o, _)| *o == name).map(|(_, a)| *a);
    if op.contains(':') {
        return found(op);
    }
    found(&format!("ssm:{op}")).or_else(|| {
        OPERATIONS
            .iter()
            .find(|(o, _)| o.split_once(':').is_some_and(|(_, n)| n == op))
            .map(|(_, a)| *a)
    })
}

/// Whether `op` (see [`access`]) changes anything; unclassified operations count as
/// mutating, so nothing unknown slips through a read-only check.
pub fn is_mutating(op: &str) -> bool {
    access(op) != Some(Access::Read)
}

/// The operations of one access, as IAM action names.
pub fn operations(a: Access) -> impl Iterator<Item = &'static str> {
    OPERATIONS
        .iter()
        .filter(move |(_, x)| *x == a)
        .map(|(o, _)| *o)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_unique_and_looked_up_either_way() {
        let names: Vec<&str> = OPERATIONS.iter().map(|(o, _)| *o).collect();
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(names, sorted, "keep OPERATIONS sorted and unique");
        assert_eq!(access("SendCommand"), Some(Access::Mutating));
        assert_eq!(access("ssm:ListCommands"), Some(Access::Read));
        assert_eq!(access("ListAccounts"), Some(Access::Read));
        assert_eq!(access("AssumeRole"), Some(Access::Read));
        assert!(is_mutating("CreateOpsItem"), "unknown counts as mutating");
        assert!(!is_mutating("DescribeInstanceInformation"));
    }
}

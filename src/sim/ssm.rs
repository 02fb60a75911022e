//! AWS Systems Manager operations (`AmazonSSM.*`).

use serde_json::{Value, json};

use super::ctx::Ctx;
use super::estate::Node;
use super::input::{self, Object};
use super::request::{self, is_instance_id, list_text, page_json, token_start};
use super::wire::{ApiError, constraint_message, epoch_json, fnv64};

pub(crate) const OPERATIONS: &[&str] = &[
    "CancelCommand",
    "CreateOpsItem",
    "DescribeActivations",
    "DescribeAssociation",
    "DescribeAssociationExecutionTargets",
    "DescribeAssociationExecutions",
    "DescribeAutomationExecutions",
    "DescribeAutomationStepExecutions",
    "DescribeEffectivePatchesForPatchBaseline",
    "DescribeInstanceAssociationsStatus",
    "DescribeInstanceInformation",
    "DescribeInstancePatchStates",
    "DescribeDocument",
    "DescribeInstancePatches",
    "DescribeMaintenanceWindowExecutionTaskInvocations",
    "DescribeMaintenanceWindowExecutionTasks",
    "DescribeMaintenanceWindowExecutions",
    "DescribeMaintenanceWindowSchedule",
    "DescribeMaintenanceWindowTargets",
    "DescribeMaintenanceWindowTasks",
    "DescribeMaintenanceWindows",
    "DescribeOpsItems",
    "DescribeParameters",
    "DescribePatchBaselines",
    "DescribePatchGroups",
    "DescribeSessions",
    "GetAutomationExecution",
    "GetCalendarState",
    "GetCommandInvocation",
    "GetDocument",
    "GetInventory",
    "GetInventorySchema",
    "GetMaintenanceWindow",
    "GetOpsItem",
    "GetOpsSummary",
    "GetParameter",
    "GetParameterHistory",
    "GetParameters",
    "GetParametersByPath",
    "GetPatchBaseline",
    "GetPatchBaselineForPatchGroup",
    "GetServiceSetting",
    "LabelParameterVersion",
    "ListAssociations",
    "ListCommandInvocations",
    "ListCommands",
    "ListComplianceItems",
    "ListDocumentVersions",
    "ListDocuments",
    "ListComplianceSummaries",
    "ListInventoryEntries",
    "ListOpsItemEvents",
    "ListOpsItemRelatedItems",
    "ListResourceComplianceSummaries",
    "ListResourceDataSync",
    "ListTagsForResource",
    "PutComplianceItems",
    "PutInventory",
    "PutParameter",
    "ResumeSession",
    "SendCommand",
    "StartAssociationsOnce",
    "StartAutomationExecution",
    "StartSession",
    "StopAutomationExecution",
    "TerminateSession",
    "UpdateOpsItem",
];

pub(crate) fn call(ctx: &Ctx<'_>, op: &str, body: &Object) -> Result<Value, ApiError> {
    match op {
        "DescribeInstanceInformation" => describe_instance_information(ctx, body),
        "ListTagsForResource" => list_tags_for_resource(ctx, body),
        "GetInventory" => super::inventory::get_inventory(ctx, body),
        "GetInventorySchema" => super::inventory::get_inventory_schema(ctx, body),
        "ListInventoryEntries" => super::inventory::list_inventory_entries(ctx, body),
        "PutInventory" => super::inventory::put_inventory(ctx, body),
        "CreateOpsItem" => super::opscenter::create_ops_item(ctx, body),
        "DescribeOpsItems" => super::opscenter::describe_ops_items(ctx, body),
        "GetOpsItem" => super::opscenter::get_ops_item(ctx, body),
        "UpdateOpsItem" => super::opscenter::update_ops_item(ctx, body),
        "ListOpsItemEvents" => super::opscenter::list_ops_item_events(ctx, body),
        "ListOpsItemRelatedItems" => super::opscenter::list_ops_item_related_items(ctx, body),
        "GetOpsSummary" => super::explorer::get_ops_summary(ctx, body),
        "ListResourceDataSync" => super::explorer::list_resource_data_sync(ctx, body),
        "ListComplianceSummaries" => super::compliance::list_compliance_summaries(ctx, body),
        "ListResourceComplianceSummaries" => {
            super::compliance::list_resource_compliance_summaries(ctx, body)
        }
        "ListComplianceItems" => super::compliance::list_compliance_items(ctx, body),
        "PutComplianceItems" => super::compliance::put_compliance_items(ctx, body),
        "DescribeInstancePatchStates" => super::patch::describe_instance_patch_states(ctx, body),
        "DescribeInstancePatches" => super::patch::describe_instance_patches(ctx, body),
        "DescribePatchGroups" => super::patch::describe_patch_groups(ctx, body),
        "DescribePatchBaselines" => super::patch::describe_patch_baselines(ctx, body),
        "GetPatchBaseline" => super::baselines::get_patch_baseline(ctx, body),
        "DescribeEffectivePatchesForPatchBaseline" => {
            super::baselines::describe_effective_patches_for_patch_baseline(ctx, body)
        }
        "GetPatchBaselineForPatchGroup" => {
            super::baselines::get_patch_baseline_for_patch_group(ctx, body)
        }
        "DescribeParameters" => super::parameters::describe_parameters(ctx, body),
        "GetParametersByPath" => super::parameters::get_parameters_by_path(ctx, body),
        "GetParameter" => super::parameters::get_parameter(ctx, body),
        "GetParameters" => super::parameters::get_parameters(ctx, body),
        "GetParameterHistory" => super::parameters::get_parameter_history(ctx, body),
        "PutParameter" => super::parameters::put_parameter(ctx, body),
        "LabelParameterVersion" => super::parameters::label_parameter_version(ctx, body),
        "DescribeActivations" => super::activations::describe_activations(ctx, body),
        "GetServiceSetting" => super::activations::get_service_setting(ctx, body),
        "StartSession" => super::sessions::start_session(ctx, body),
        "ResumeSession" => super::sessions::resume_session(ctx, body),
        "TerminateSession" => super::sessions::terminate_session(ctx, body),
        "DescribeSessions" => super::sessions::describe_sessions(ctx, body),
        "ListAssociations" => super::associations::list_associations(ctx, body),
        "DescribeAssociation" => super::associations::describe_association(ctx, body),
        "DescribeAssociationExecutions" => {
            super::associations::describe_association_executions(ctx, body)
        }
        "DescribeAssociationExecutionTargets" => {
            super::associations::describe_association_execution_targets(ctx, body)
        }
        "DescribeInstanceAssociationsStatus" => {
            super::associations::describe_instance_associations_status(ctx, body)
        }
        "StartAssociationsOnce" => super::associations::start_associations_once(ctx, body),
        "DescribeMaintenanceWindows" => super::windows::describe_maintenance_windows(ctx, body),
        "GetMaintenanceWindow" => super::windows::get_maintenance_window(ctx, body),
        "DescribeMaintenanceWindowSchedule" => {
            super::windows::describe_maintenance_window_schedule(ctx, body)
        }
        "DescribeMaintenanceWindowTargets" => {
            super::windows::describe_maintenance_window_targets(ctx, body)
        }
        "DescribeMaintenanceWindowTasks" => {
            super::windows::describe_maintenance_window_tasks(ctx, body)
        }
        "DescribeMaintenanceWindowExecutions" => {
            super::windows::describe_maintenance_window_executions(ctx, body)
        }
        "DescribeMaintenanceWindowExecutionTasks" => {
            super::windows::describe_maintenance_window_execution_tasks(ctx, body)
        }
        "DescribeMaintenanceWindowExecutionTaskInvocations" => {
            super::windows::describe_maintenance_window_execution_task_invocations(ctx, body)
        }
        "ListDocuments" => super::documents::list_documents(ctx, body),
        "DescribeDocument" => super::documents::describe_document(ctx, body),
        "GetDocument" => super::documents::get_document(ctx, body),
        "ListDocumentVersions" => super::documents::list_document_versions(ctx, body),
        "GetCalendarState" => super::calendar::get_calendar_state(ctx, body),
        "SendCommand" => super::commands::send_command(ctx, body),
        "ListCommands" => super::commands::list_commands(ctx, body),
        "ListCommandInvocations" => super::commands::list_command_invocations(ctx, body),
        "GetCommandInvocation" => super::commands::get_command_invocation(ctx, body),
        "CancelCommand" => super::commands::cancel_command(ctx, body),
        "StartAutomationExecution" => super::automation::start_automation_execution(ctx, body),
        "GetAutomationExecution" => super::automation::get_automation_execution(ctx, body),
        "DescribeAutomationExecutions" => {
            super::automation::describe_automation_executions(ctx, body)
        }
        "DescribeAutomationStepExecutions" => {
            super::automation::describe_automation_step_executions(ctx, body)
        }
        "StopAutomationExecution" => super::automation::stop_automation_execution(ctx, body),
        _ => Err(unknown_operation()),
    }
}

pub(crate) fn unknown_operation() -> ApiError {
    ApiError::new(400, "UnknownOperationException", "")
}

const DEFAULT_PAGE: i64 = 10;
const LEGACY_KEYS: &[&str] = &[
    "InstanceIds",
    "AgentVersion",
    "PingStatus",
    "PlatformTypes",
    "ActivationIds",
    "IamRole",
    "ResourceType",
    "AssociationStatus",
];
const STRING_KEYS: &[&str] = &["SourceIds", "SourceTypes"];

#[derive(Debug, Clone, PartialEq, Eq)]
enum Key {
    Named(&'static str),
    Tag(String),
    AnyTag,
}

#[derive(Debug)]
struct Filter {
    key: Key,
    values: Vec<String>,
}

fn valid_values(key: &str) -> Option<&'static [&'static str]> {
    match key {
        "PingStatus" => Some(&["Online", "ConnectionLost", "Inactive"]),
        "PlatformTypes" => Some(&["Windows", "Linux", "MacOS"]),
        "ResourceType" => Some(&["EC2Instance", "ManagedInstance"]),
        "AssociationStatus" => Some(&["Success", "Pending", "Failed"]),
        "SourceTypes" => Some(&[
            "AWS::EC2::Instance",
            "AWS::SSM::ManagedInstance",
            "AWS::IoT::Thing",
        ]),
        _ => None,
    }
}

/// Parses one filter list. `legacy` is `InstanceInformationFilterList` (`Key`/`valueSet`).
fn parse_filters(list: &[Value], legacy: bool) -> Result<Vec<Filter>, ApiError> {
    let (member, key_field, values_field, values_member) = if legacy {
        (
            "instanceInformationFilterList",
            "key",
            "valueSet",
            "valueSet",
        )
    } else {
        ("filters", "Key", "Values", "values")
    };
    let mut out = Vec::with_capacity(list.len());
    for (i, item) in list.iter().enumerate() {
        let obj = input::as_object(item, member)?;
        let path = format!("{member}.{}.member", i + 1);
        let key = input::opt_str(obj, key_field)?.ok_or_else(|| {
            ApiError::validation(constraint_message(
                "null",
                &format!("{path}.key"),
                "Member must not be null",
            ))
        })?;
        let values = input::opt_array(obj, values_field)?.ok_or_else(|| {
            ApiError::validation(constraint_message(
                "null",
                &format!("{path}.{values_member}"),
                "Member must not be null",
            ))
        })?;
        let values = input::string_list(values, values_field)?;
        if values.is_empty() || values.len() > 100 {
            let bound = if values.is_empty() {
                "Member must have length greater than or equal to 1"
            } else {
                "Member must have length less than or equal to 100"
            };
            return Err(ApiError::validation(constraint_message(
                &format!("'[{}]'", values.join(", ")),
                &format!("{path}.{values_member}"),
                bound,
            )));
        }
        if key.is_empty() {
            return Err(ApiError::validation(constraint_message(
                "''",
                &format!("{path}.key"),
                "Member must have length greater than or equal to 1",
            )));
        }
        let parsed = if let Some(k) = LEGACY_KEYS.iter().find(|k| **k == key) {
            Key::Named(k)
        } else if legacy {
            return Err(invalid_key(key));
        } else if let Some(k) = STRING_KEYS.iter().find(|k| **k == key) {
            Key::Named(k)
        } else if key == "tag-key" {
            Key::AnyTag
        } else if let Some(tag) = key.strip_prefix("tag:").filter(|t| !t.is_empty()) {
            Key::Tag(tag.to_string())
        } else {
            return Err(invalid_key(key));
        };
        if let Key::Named(name) = &parsed {
            if let Some(allowed) = valid_values(name)
                && let Some(bad) = values.iter().find(|v| !allowed.contains(&v.as_str()))
            {
                return Err(ApiError::new(
                    400,
                    "InvalidInstanceInformationFilterValue",
                    format!("The filter value {bad} is not valid for the {name} filter key."),
                ));
            }
            if *name == "InstanceIds"
                && let Some(bad) = values.iter().find(|v| !is_instance_id(v))
            {
                return Err(ApiError::new(
                    400,
                    "InvalidInstanceId",
                    format!("Instance Id {bad} is not valid."),
                ));
            }
        }
        out.push(Filter {
            key: parsed,
            values,
        });
    }
    Ok(out)
}

fn invalid_key(key: &str) -> ApiError {
    ApiError::new(
        400,
        "InvalidFilterKey",
        format!("The filter key {key} is not valid."),
    )
}

fn matches(node: &Node, f: &Filter) -> bool {
    let any = |v: &str| f.values.iter().any(|x| x == v);
    match &f.key {
        Key::AnyTag => node.tags.iter().any(|(k, _)| any(k)),
        Key::Tag(k) => node.tag(k).is_some_and(any),
        Key::Named(name) => match *name {
            "InstanceIds" | "SourceIds" => any(&node.instance_id),
            "AgentVersion" => any(node.agent_version),
            "PingStatus" => any(node.ping.as_str()),
            "PlatformTypes" => any(node.platform.as_str()),
            "ActivationIds" => node.activation_id.as_deref().is_some_and(any),
            "IamRole" => node.iam_role.is_some_and(any),
            "ResourceType" => any(node.resource_type()),
            "AssociationStatus" => node.association.as_ref().is_some_and(|a| any(a.status)),
            "SourceTypes" => any(node.source_type()),
            _ => false,
        },
    }
}

fn describe_instance_information(ctx: &Ctx<'_>, body: &Object) -> Result<Value, ApiError> {
    let max_results = input::opt_int(body, "MaxResults")?;
    if let Some(m) = max_results {
        input::check_range(m, "maxResults", 5, 50)?;
    }
    let next_token = input::opt_str(body, "NextToken")?;
    let legacy = input::opt_array(body, "InstanceInformationFilterList")?;
    let string_filters = input::opt_array(body, "Filters")?;
    if legacy.is_some_and(|l| !l.is_empty()) && string_filters.is_some_and(|l| !l.is_empty()) {
        return Err(ApiError::validation(
            "InstanceInformationFilterList and Filters can't be used together. Use Filters.",
        ));
    }
    let legacy_filters = parse_filters(legacy.map(Vec::as_slice).unwrap_or_default(), true)?;
    let filters = parse_filters(string_filters.map(Vec::as_slice).unwrap_or_default(), false)?;

    let nodes = super::associations::overlay_nodes(ctx, ctx.estate.nodes(ctx.account, ctx.region));

    // The legacy list reports instance ids that are not in the account.
    for f in &legacy_filters {
        if f.key == Key::Named("InstanceIds")
            && let Some(missing) = f
                .values
                .iter()
                .find(|id| !nodes.iter().any(|n| &n.instance_id == *id))
        {
            return Err(ApiError::new(
                400,
                "InvalidInstanceId",
                format!("Instance Id {missing} is not valid or not in a valid state for account."),
            ));
        }
    }

    let query_hash = fnv64(&[
        ctx.estate.accounts[ctx.account].id.as_bytes(),
        ctx.region.as_bytes(),
        list_text(legacy).as_bytes(),
        list_text(string_filters).as_bytes(),
    ]);
    let offset = token_start(next_token, query_hash)?;
    let page = usize::try_from(max_results.unwrap_or(DEFAULT_PAGE)).unwrap_or(10);
    let all: Vec<&Node> = nodes
        .iter()
        .filter(|n| legacy_filters.iter().chain(&filters).all(|f| matches(n, f)))
        .collect();
    let (start, end, next) = request::page(offset, page, all.len(), query_hash)?;
    let items: Vec<Value> = all[start..end]
        .iter()
        .map(|n| {
            super::associations::overlay_instance(ctx, n, node_json(n, ctx.now, ctx.estate.started))
        })
        .collect();
    Ok(page_json("InstanceInformationList", items, next))
}

fn node_json(n: &Node, now: f64, started: f64) -> Value {
    let last_ping = n.last_ping(now, started);
    let mut o = serde_json::Map::new();
    o.insert("InstanceId".into(), n.instance_id.clone().into());
    o.insert("PingStatus".into(), n.ping.as_str().into());
    o.insert("LastPingDateTime".into(), epoch_json(last_ping));
    o.insert("AgentVersion".into(), n.agent_version.into());
    o.insert("IsLatestVersion".into(), n.is_latest().into());
    o.insert("PlatformType".into(), n.platform.as_str().into());
    o.insert("PlatformName".into(), n.platform_name.into());
    o.insert("PlatformVersion".into(), n.platform_version.into());
    if let Some(a) = &n.activation_id {
        o.insert("ActivationId".into(), a.clone().into());
    }
    if let Some(r) = n.iam_role {
        o.insert("IamRole".into(), r.into());
    }
    if let Some(ago) = n.registered_ago {
        o.insert(
            "RegistrationDate".into(),
            epoch_json(started - f64::from(ago)),
        );
    }
    o.insert("ResourceType".into(), n.resource_type().into());
    if let Some(name) = &n.name {
        o.insert("Name".into(), name.clone().into());
    }
    o.insert("IPAddress".into(), n.ip_string().into());
    o.insert("ComputerName".into(), n.computer_name.clone().into());
    if let Some(a) = &n.association {
        let exec = last_ping - f64::from(a.last_exec_before_ping);
        o.insert("AssociationStatus".into(), a.status.into());
        o.insert("LastAssociationExecutionDate".into(), epoch_json(exec));
        if let Some(before) = a.last_success_before_exec {
            o.insert(
                "LastSuccessfulAssociationExecutionDate".into(),
                epoch_json(exec - f64::from(before)),
            );
        }
        let mut counts = serde_json::Map::new();
        counts.insert(a.status.into(), a.count.into());
        o.insert(
            "AssociationOverview".into(),
            json!({
                "DetailedStatus": a.status,
                "InstanceAssociationStatusAggregatedCount": counts,
            }),
        );
    }
    o.insert("SourceId".into(), n.instance_id.clone().into());
    o.insert("SourceType".into(), n.source_type().into());
    Value::Object(o)
}

const TAGGABLE: &[&str] = &[
    "Association",
    "Automation",
    "CloudConnector",
    "Document",
    "MaintenanceWindow",
    "ManagedInstance",
    "OpsItem",
    "OpsMetadata",
    "Parameter",
    "PatchBaseline",
];

fn list_tags_for_resource(ctx: &Ctx<'_>, body: &Object) -> Result<Value, ApiError> {
    let resource_type = input::opt_str(body, "ResourceType")?;
    let resource_id = input::opt_str(body, "ResourceId")?;
    let Some(resource_type) = resource_type else {
        return Err(ApiError::validation(constraint_message(
            "null",
            "resourceType",
            "Member must not be null",
        )));
    };
    let Some(resource_id) = resource_id else {
        return Err(ApiError::validation(constraint_message(
            "null",
            "resourceId",
            "Member must not be null",
        )));
    };
    if !TAGGABLE.contains(&resource_type) {
        return Err(ApiError::validation(constraint_message(
            &format!("'{resource_type}'"),
            "resourceType",
            &format!(
                "Member must satisfy enum value set: [{}]",
                TAGGABLE.join(", ")
            ),
        )));
    }
    let not_found = || {
        ApiError::new(
            400,
            "InvalidResourceId",
            "The resource ID isn't valid. Verify that you entered the correct ID and try again.",
        )
    };
    if resource_type != "ManagedInstance" {
        return Err(not_found());
    }
    let nodes = ctx.estate.nodes(ctx.account, ctx.region);
    // The ManagedInstance type is for on-premises (`mi-`) nodes only; EC2 instance tags
    // are read through the AWS:Tag inventory.
    let node = nodes
        .iter()
        .find(|n| n.hybrid && n.instance_id == resource_id)
        .ok_or_else(not_found)?;
    let tags: Vec<Value> = node
        .tags
        .iter()
        .map(|(k, v)| json!({ "Key": k, "Value": v }))
        .collect();
    Ok(json!({ "TagList": tags }))
}

//! SSM documents: the catalog every (account, region) sees — AWS-owned documents with
//! their real parameters, AWS-owned Distributor packages, the account's own Command,
//! Automation, Package and ChangeCalendar documents, and documents shared by another
//! account — and the operations ListDocuments, DescribeDocument, GetDocument and
//! ListDocumentVersions. The catalog derives from the seed, the account and the region.

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::ctx::Ctx;
use super::estate::Estate;
use super::input::{self, Object};
use super::request::{
    check_count, check_len, max_results, page, page_json, page_start, query_hash, required_str,
};
use super::wire::{ApiError, SplitMix, constraint_message, epoch_json, fnv64};

/// The owner of AWS-provided documents.
pub(crate) const AMAZON: &str = "Amazon";

/// One version of a document.
#[derive(Debug, Clone)]
pub(crate) struct Version {
    pub version_name: Option<String>,
    pub created: f64,
    pub content: Content,
}

/// A document's content: a JSON value (rendered as JSON or YAML) or text (iCalendar).
#[derive(Debug, Clone)]
pub(crate) enum Content {
    Structured(Value),
    Text(String),
}

#[derive(Debug, Clone)]
pub(crate) struct Document {
    pub name: String,
    /// [`AMAZON`] or the owning account's id.
    pub owner: String,
    pub doc_type: &'static str,
    /// `JSON`, `YAML` or `TEXT`, as stored.
    pub format: &'static str,
    pub target_type: Option<&'static str>,
    pub platforms: &'static [&'static str],
    pub display_name: Option<String>,
    pub author: Option<String>,
    pub tags: Vec<(String, String)>,
    /// Version `n` is `versions[n - 1]`.
    pub versions: Vec<Version>,
    /// 1-based.
    pub default_version: usize,
}

impl Document {
    pub fn latest(&self) -> usize {
        self.versions.len()
    }

    pub fn version(&self, n: usize) -> Option<&Version> {
        n.checked_sub(1).and_then(|i| self.versions.get(i))
    }

    /// The structured content of version `n` (`None` for text documents).
    pub fn body(&self, n: usize) -> Option<&Value> {
        match &self.version(n)?.content {
            Content::Structured(v) => Some(v),
            Content::Text(_) => None,
        }
    }

    pub fn text(&self, n: usize) -> Option<&str> {
        match &self.version(n)?.content {
            Content::Text(t) => Some(t),
            Content::Structured(_) => None,
        }
    }

    pub fn schema_version(&self, n: usize) -> String {
        match self.body(n) {
            Some(b) => b
                .get("schemaVersion")
                .and_then(Value::as_str)
                .unwrap_or("2.2")
                .to_string(),
            None => "2.0".into(),
        }
    }

    /// Declared parameters of version `n`: (name, definition).
    pub fn parameters(&self, n: usize) -> Vec<(String, Value)> {
        self.body(n)
            .and_then(|b| b.get("parameters"))
            .and_then(Value::as_object)
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default()
    }

    pub fn description(&self, n: usize) -> String {
        self.body(n)
            .and_then(|b| b.get("description"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    }

    /// The content of version `n` in a format (`JSON`, `YAML` or `TEXT`).
    pub fn render(&self, n: usize, format: &str) -> Option<String> {
        match &self.version(n)?.content {
            Content::Text(t) => Some(t.clone()),
            Content::Structured(v) if format == "YAML" => Some(to_yaml(v)),
            Content::Structured(v) => {
                Some(serde_json::to_string_pretty(v).unwrap_or_else(|_| "{}".into()))
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Catalog

/// 2024-03-04, when the sim's AWS-owned documents were last published.
const AWS_EPOCH: f64 = 1_709_510_400.0;

fn param(kind: &str, description: &str, default: Option<Value>) -> Value {
    let mut o = Map::new();
    o.insert("type".into(), kind.into());
    o.insert("description".into(), description.into());
    if let Some(d) = default {
        o.insert("default".into(), d);
    }
    Value::Object(o)
}

fn with(mut p: Value, key: &str, v: Value) -> Value {
    if let Some(o) = p.as_object_mut() {
        o.insert(key.into(), v);
    }
    p
}

const TIMEOUT_PATTERN: &str =
    "([1-9][0-9]{0,4})|(1[0-6][0-9]{4})|(17[0-1][0-9]{3})|(172[0-7][0-9]{2})|(172800)";

fn shell_params() -> Value {
    json!({
        "commands": with(param("StringList", "(Required) Specify a shell script or a command to run.", None), "displayType", "textarea".into()),
        "workingDirectory": param("String", "(Optional) The path to the working directory on your instance.", Some("".into())),
        "executionTimeout": with(param("String", "(Optional) The time in seconds for a command to complete before it is considered to have failed. Default is 3600 (1 hour). Maximum is 172800 (48 hours).", Some("3600".into())), "allowedPattern", TIMEOUT_PATTERN.into()),
    })
}

fn run_shell_script() -> Value {
    script_document(
        "Run a shell script or specify the commands to run.",
        shell_params(),
        "aws:runShellScript",
    )
}

/// A schema 1.2 document with one script plugin running `{{ commands }}`.
fn script_document(description: &str, parameters: Value, plugin: &str) -> Value {
    json!({
        "schemaVersion": "1.2",
        "description": description,
        "parameters": parameters,
        "runtimeConfig": {
            plugin: {
                "properties": [{
                    "id": format!("0.{plugin}"),
                    "runCommand": "{{ commands }}",
                    "workingDirectory": "{{ workingDirectory }}",
                    "timeoutSeconds": "{{ executionTimeout }}"
                }]
            }
        }
    })
}

fn run_powershell_script() -> Value {
    let mut params = shell_params();
    if let Some(c) = params.get_mut("commands") {
        *c = with(
            param(
                "StringList",
                "(Required) Specify the commands to run or the paths to existing scripts on the instance.",
                None,
            ),
            "displayType",
            "textarea".into(),
        );
    }
    script_document(
        "Run a PowerShell script or specify the paths to scripts to run.",
        params,
        "aws:runPowerShellScript",
    )
}

fn run_patch_baseline() -> Value {
    json!({
        "schemaVersion": "2.2",
        "description": "Scans for or installs patches from a patch baseline to a Linux or Windows operating system.",
        "parameters": {
            "Operation": with(param("String", "(Required) The update or configuration to perform on the instance. The system checks if patches specified in the patch baseline are installed on the instance. The install operation installs patches missing from the baseline.", None), "allowedValues", json!(["Scan", "Install"])),
            "SnapshotId": with(param("String", "(Optional) The snapshot ID to use to retrieve a patch baseline snapshot.", Some("".into())), "allowedPattern", "(^$)|^[a-fA-F0-9]{8}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{12}$".into()),
            "InstallOverrideList": with(param("String", "(Optional) An https URL or an Amazon S3 path-style URL to a list of patches to be installed. This patch installation list overrides the patches specified by the default patch baseline.", Some("".into())), "allowedPattern", "(^$)|^https://.+$|^s3://([^/]+)/(.*?([^/]+))$".into()),
            "BaselineOverride": param("String", "(Optional) Defines the baseline override to use during patching.", Some("".into())),
            "RebootOption": with(param("String", "(Optional) Reboot behavior after a patch Install operation. If you choose NoReboot and patches are installed, the instance is marked as non-compliant until a subsequent reboot and scan.", Some("RebootIfNeeded".into())), "allowedValues", json!(["RebootIfNeeded", "NoReboot"])),
        },
        "mainSteps": [
            {"precondition": {"StringEquals": ["platformType", "Windows"]}, "action": "aws:runPowerShellScript", "name": "PatchWindows", "inputs": {"timeoutSeconds": 7200, "runCommand": ["# Windows patching is handled by the Patch Baseline Operations module."]}},
            {"precondition": {"StringEquals": ["platformType", "Linux"]}, "action": "aws:runShellScript", "name": "PatchLinux", "inputs": {"timeoutSeconds": 7200, "runCommand": ["#!/bin/bash", "# Linux patching is handled by the patch baseline operations package."]}},
            {"precondition": {"StringEquals": ["platformType", "MacOS"]}, "action": "aws:runShellScript", "name": "PatchMacOS", "inputs": {"timeoutSeconds": 7200, "runCommand": ["#!/bin/bash", "# macOS patching is handled by the patch baseline operations package."]}}
        ]
    })
}

fn configure_package() -> Value {
    json!({
        "schemaVersion": "2.2",
        "description": "Install or uninstall a Distributor package. You can install the latest version, default version, or a version of the package you specify. Packages provided by AWS such as AmazonCloudWatchAgent, AwsEnaNetworkDriver, and AWSPVDriver are also supported.",
        "parameters": {
            "action": with(param("String", "(Required) Specify whether or not to install or uninstall the package.", None), "allowedValues", json!(["Install", "Uninstall"])),
            "installationType": with(param("String", "(Optional) Specify the type of installation. Uninstall and reinstall: The application is taken offline until the reinstallation process completes. In-place update: The application is available while new or updated files are added to the installation.", Some("Uninstall and reinstall".into())), "allowedValues", json!(["Uninstall and reinstall", "In-place update"])),
            "name": with(param("String", "(Required) The package to install/uninstall.", None), "allowedPattern", "^arn:[a-z0-9][-.a-z0-9]{0,62}:[a-z0-9][-.a-z0-9]{0,62}:([a-z0-9][-.a-z0-9]{0,62})?:([a-z0-9][-.a-z0-9]{0,62})?:(package|document)\\/[a-zA-Z0-9/:.\\-_]{1,128}$|^[a-zA-Z0-9/:.\\-_]{1,128}$".into()),
            "version": param("String", "(Optional) The version of the package to install or uninstall. If you don't specify a version, the system installs the latest published version by default. The system will only attempt to uninstall the version that is currently installed. If no version of the package is installed, the system returns an error.", Some("".into())),
            "additionalArguments": param("StringMap", "(Optional) The additional parameters to provide to your install, uninstall, or update scripts. Each parameter must be prefixed with SSM_.", Some(json!({}))),
        },
        "mainSteps": [{"action": "aws:configurePackage", "name": "configurePackage", "inputs": {"name": "{{ name }}", "action": "{{ action }}", "installationType": "{{installationType}}", "version": "{{ version }}", "additionalArguments": "{{ additionalArguments }}"}}]
    })
}

fn update_ssm_agent() -> Value {
    json!({
        "schemaVersion": "1.2",
        "description": "Updates the Amazon SSM Agent to the specified version or the latest version.",
        "parameters": {
            "version": param("String", "(Optional) A specific version of the Amazon SSM Agent to install. If not specified, the agent will be updated to the latest version.", Some("".into())),
            "allowDowngrade": with(param("String", "(Optional) Allow the Amazon SSM Agent service to be downgraded to an earlier version. If set to false, the service can be upgraded to newer versions only (default). If set to true, specify the earlier version.", Some("false".into())), "allowedValues", json!(["true", "false"])),
        },
        "runtimeConfig": {"aws:updateSsmAgent": {"properties": [{"agentName": "amazon-ssm-agent", "source": "https://s3.{Region}.amazonaws.com/amazon-ssm-{Region}/ssm-agent-manifest.json", "allowDowngrade": "{{ allowDowngrade }}", "targetVersion": "{{ version }}"}]}}
    })
}

fn gather_inventory() -> Value {
    let enabled = |what: &str| {
        with(
            param(
                "String",
                &format!("(Optional) Collect data for {what}."),
                Some("Enabled".into()),
            ),
            "allowedValues",
            json!(["Enabled", "Disabled"]),
        )
    };
    json!({
        "schemaVersion": "2.0",
        "description": "Software Inventory Policy Document.",
        "parameters": {
            "applications": enabled("installed applications"),
            "awsComponents": enabled("AWS Components like amazon-ssm-agent"),
            "files": param("String", "<p>(Optional, requires SSMAgent version 2.2.64.0 and above)<br/>Linux example:<br/><em>[{\"Path\":\"/usr/bin\", \"Pattern\":[\"aws*\", \"*ssm*\"],\"Recursive\":false},{\"Path\":\"/var/log\", \"Pattern\":[\"amazon*.*\"], \"Recursive\":true, \"DirScanLimit\":1000}]</em></p>", Some("".into())),
            "networkConfig": enabled("Network configurations"),
            "billingInfo": enabled("billing info for license included applications"),
            "windowsUpdates": enabled("all Windows Updates"),
            "instanceDetailedInformation": enabled("additional information about the instance, including the CPU model, speed, and the number of cores"),
            "services": enabled("service configurations"),
            "windowsRegistry": param("String", "(Optional, requires SSMAgent version 2.2.64.0 and above) Collect data for Windows registry keys.", Some("".into())),
            "windowsRoles": enabled("Microsoft Windows role configurations"),
            "customInventory": enabled("custom inventory"),
        },
        "mainSteps": [{"action": "aws:softwareInventory", "name": "collectSoftwareInventoryItems", "inputs": {"applications": "{{ applications }}", "awsComponents": "{{ awsComponents }}", "networkConfig": "{{ networkConfig }}", "files": "{{ files }}", "services": "{{ services }}", "windowsRoles": "{{ windowsRoles }}", "windowsRegistry": "{{ windowsRegistry}}", "windowsUpdates": "{{ windowsUpdates }}", "instanceDetailedInformation": "{{ instanceDetailedInformation }}", "billingInfo": "{{ billingInfo }}", "customInventory": "{{ customInventory }}"}}]
    })
}

fn assume_role_param() -> Value {
    param(
        "String",
        "(Optional) The ARN of the role that allows Automation to perform the actions on your behalf.",
        Some("".into()),
    )
}

fn instance_ids_param() -> Value {
    param("StringList", "(Required) EC2 Instance(s) to act on.", None)
}

fn change_state_runbook(description: &str, steps: &[(&str, &str)]) -> Value {
    let steps: Vec<Value> = steps
        .iter()
        .map(|(name, state)| {
            json!({"name": name, "action": "aws:changeInstanceState", "inputs": {"InstanceIds": "{{InstanceId}}", "DesiredState": state}})
        })
        .collect();
    json!({
        "schemaVersion": "0.3",
        "description": description,
        "assumeRole": "{{ AutomationAssumeRole }}",
        "parameters": {
            "InstanceId": instance_ids_param(),
            "AutomationAssumeRole": assume_role_param(),
        },
        "mainSteps": steps
    })
}

fn create_image() -> Value {
    json!({
        "schemaVersion": "0.3",
        "description": "Creates a new Amazon Machine Image (AMI) from an Amazon EC2 instance.",
        "assumeRole": "{{ AutomationAssumeRole }}",
        "parameters": {
            "InstanceId": param("String", "(Required) The ID of the Amazon EC2 instance.", None),
            "NoReboot": param("Boolean", "(Optional) Do not reboot the instance before creating the image.", Some(false.into())),
            "AutomationAssumeRole": assume_role_param(),
        },
        "mainSteps": [{"name": "createImage", "action": "aws:createImage", "onFailure": "Abort", "inputs": {"InstanceId": "{{ InstanceId }}", "ImageName": "{{ InstanceId }}_{{automation:EXECUTION_ID}}", "NoReboot": "{{ NoReboot }}"}}],
        "outputs": ["createImage.ImageId"]
    })
}

/// `AWS-ResizeInstance`: stops the instance, changes its type and starts it again;
/// nothing to do when it already has the type.
fn resize_instance() -> Value {
    json!({
        "schemaVersion": "0.3",
        "description": "Change the instance type of an Amazon Elastic Compute Cloud (Amazon EC2) instance.",
        "assumeRole": "{{ AutomationAssumeRole }}",
        "parameters": {
            "InstanceId": param("String", "(Required) The ID of the instance.", None),
            "InstanceType": param("String", "(Required) The instance type.", None),
            "SleepWait": with(param("String", "(Optional) The desired wait time before starting instance", Some("PT5S".into())), "allowedPattern", "^PT([0-9]{1,6}S|[0-9]{1,5}M|[0-9]{1,3}H)$|^PD[0-7]$".into()),
            "AutomationAssumeRole": assume_role_param(),
        },
        "mainSteps": [
            {"name": "assertInstanceType", "action": "aws:assertAwsResourceProperty", "onFailure": "step:stopInstance", "isEnd": true, "inputs": {"Service": "ec2", "Api": "DescribeInstances", "InstanceIds": ["{{ InstanceId }}"], "PropertySelector": "$.Reservations[0].Instances[0].InstanceType", "DesiredValues": ["{{ InstanceType }}"]}},
            {"name": "stopInstance", "action": "aws:changeInstanceState", "inputs": {"InstanceIds": ["{{ InstanceId }}"], "DesiredState": "stopped"}},
            {"name": "resizeInstance", "action": "aws:executeAwsApi", "inputs": {"Service": "ec2", "Api": "ModifyInstanceAttribute", "InstanceId": "{{ InstanceId }}", "InstanceType": {"Value": "{{ InstanceType }}"}}},
            {"name": "wait", "action": "aws:sleep", "inputs": {"Duration": "{{ SleepWait }}"}},
            {"name": "startInstance", "action": "aws:changeInstanceState", "inputs": {"InstanceIds": ["{{ InstanceId }}"], "DesiredState": "running"}}
        ]
    })
}

/// `AWSSupport-TroubleshootManagedInstance`: checks why an EC2 instance does not report
/// to Systems Manager (state, network path to the endpoints, instance profile, agent).
fn troubleshoot_managed_instance() -> Value {
    json!({
        "schemaVersion": "0.3",
        "description": "The AWSSupport-TroubleshootManagedInstance runbook helps you determine why an Amazon Elastic Compute Cloud (Amazon EC2) instance that meets the prerequisites for AWS Systems Manager is not reporting as a managed node. The runbook reviews the instance state, the network configuration of its VPC (security groups, network ACLs, route tables and VPC endpoints), its instance profile and its SSM Agent.",
        "assumeRole": "{{ AutomationAssumeRole }}",
        "parameters": {
            "InstanceId": param("String", "(Required) The ID of the Amazon EC2 instance that is not reporting as managed by Systems Manager.", None),
            "AutomationAssumeRole": assume_role_param(),
        },
        "mainSteps": [
            {"name": "getInstanceProperties", "action": "aws:executeAwsApi", "onFailure": "Abort", "inputs": {"Service": "ec2", "Api": "DescribeInstances", "InstanceIds": ["{{ InstanceId }}"]}, "outputs": [{"Name": "VpcId", "Selector": "$.Reservations[0].Instances[0].VpcId", "Type": "String"}, {"Name": "SubnetId", "Selector": "$.Reservations[0].Instances[0].SubnetId", "Type": "String"}]},
            {"name": "assertInstanceIsRunning", "action": "aws:assertAwsResourceProperty", "onFailure": "Abort", "inputs": {"Service": "ec2", "Api": "DescribeInstances", "InstanceIds": ["{{ InstanceId }}"], "PropertySelector": "$.Reservations[0].Instances[0].State.Name", "DesiredValues": ["running"]}},
            {"name": "checkVPCEndpoints", "action": "aws:executeScript", "inputs": {"Runtime": "python3.11", "Handler": "check_vpc_endpoints", "InputPayload": {"InstanceId": "{{ InstanceId }}", "VpcId": "{{ getInstanceProperties.VpcId }}"}}},
            {"name": "checkSecurityGroups", "action": "aws:executeScript", "inputs": {"Runtime": "python3.11", "Handler": "check_security_groups", "InputPayload": {"InstanceId": "{{ InstanceId }}"}}},
            {"name": "checkNetworkACLs", "action": "aws:executeScript", "inputs": {"Runtime": "python3.11", "Handler": "check_network_acls", "InputPayload": {"SubnetId": "{{ getInstanceProperties.SubnetId }}"}}},
            {"name": "checkInstanceProfile", "action": "aws:executeScript", "inputs": {"Runtime": "python3.11", "Handler": "check_instance_profile", "InputPayload": {"InstanceId": "{{ InstanceId }}"}}},
            {"name": "generateReport", "action": "aws:executeScript", "inputs": {"Runtime": "python3.11", "Handler": "generate_report", "InputPayload": {"InstanceId": "{{ InstanceId }}"}}, "outputs": [{"Name": "Output", "Selector": "$.Payload.report", "Type": "String"}]}
        ],
        "outputs": ["generateReport.Output"]
    })
}

/// `AWSSupport-ExecuteEC2Rescue`: runs EC2Rescue for Windows Server or for Linux on
/// the root volume of an unreachable instance, through `AWSSupport-StartEC2RescueWorkflow`.
fn execute_ec2_rescue() -> Value {
    let branch = |os: &str, first: bool| {
        let run = format!("runEC2RescueFor{os}");
        let ami = format!("get{os}BackupAmi");
        let result = format!("getEC2RescueFor{os}Result");
        vec![
            json!({"name": run, "action": "aws:executeAutomation", "onFailure": "Abort", "inputs": {"DocumentName": "AWSSupport-StartEC2RescueWorkflow", "RuntimeParameters": {"InstanceId": "{{ UnreachableInstanceId }}", "OfflineScript": format!("EC2Rescue for {os} offline script"), "EC2RescueInstanceType": "{{ EC2RescueInstanceType }}", "SubnetId": "{{ SubnetId }}", "S3BucketName": "{{ LogDestination }}", "AutomationAssumeRole": "{{ AutomationAssumeRole }}"}}}),
            json!({"name": ami, "action": "aws:executeAwsApi", "inputs": {"Service": "ssm", "Api": "GetAutomationExecution", "AutomationExecutionId": format!("{{{{ {run}.ExecutionId }}}}")}, "outputs": [{"Name": "ImageId", "Selector": "$.AutomationExecution.Outputs.'preScriptBackup.ImageId'[0]", "Type": "String"}]}),
            json!({"name": result, "action": "aws:executeAwsApi", "isEnd": first, "inputs": {"Service": "ssm", "Api": "GetAutomationExecution", "AutomationExecutionId": format!("{{{{ {run}.ExecutionId }}}}")}, "outputs": [{"Name": "Output", "Selector": format!("$.AutomationExecution.Outputs.'runScriptFor{os}.Output'[0]"), "Type": "String"}]}),
        ]
    };
    let mut steps = vec![
        json!({"name": "assertInstanceIsWindows", "action": "aws:assertAwsResourceProperty", "onFailure": "step:runEC2RescueForLinux", "inputs": {"Service": "ec2", "Api": "DescribeInstances", "InstanceIds": ["{{ UnreachableInstanceId }}"], "PropertySelector": "$.Reservations[0].Instances[0].Platform", "DesiredValues": ["windows"]}}),
    ];
    steps.extend(branch("Windows", true));
    steps.extend(branch("Linux", false));
    json!({
        "schemaVersion": "0.3",
        "description": "This runbook uses the EC2Rescue tool to troubleshoot and, where possible, repair common connectivity issues with the specified Amazon EC2 instance for Linux or Windows Server. Instances with encrypted root volumes are not supported.",
        "assumeRole": "{{ AutomationAssumeRole }}",
        "parameters": {
            "UnreachableInstanceId": with(param("String", "(Required) ID of your unreachable EC2 instance. IMPORTANT: AWS Systems Manager Automation stops this instance, and creates an AMI before attempting any operations. Data stored in instance store volumes will be lost. The public IP address will change if you are not using an Elastic IP.", None), "allowedPattern", "^[m]{0,1}i-[a-z0-9]{8,17}$".into()),
            "EC2RescueInstanceType": with(param("String", "(Required) The EC2 instance type for the EC2Rescue instance. Recommended size: t2.small.", Some("t2.small".into())), "allowedValues", json!(["t2.small", "t2.medium", "t2.large"])),
            "SubnetId": param("String", "(Optional) The subnet ID for the EC2Rescue instance. By default, AWS Systems Manager Automation creates a new VPC. Alternatively, Use SelectedInstanceSubnet to use the same subnet as your instance, or specify a custom subnet ID. IMPORTANT: The subnet must be in the same Availability Zone as UnreachableInstanceId, and it must allow access to the SSM endpoints.", Some("CreateNewVPC".into())),
            "LogDestination": param("String", "(Optional) S3 bucket name in your account where you want to upload the troubleshooting logs. Make sure the bucket policy does not grant unnecessary read/write permissions to parties that do not need access to the collected logs.", Some("".into())),
            "AutomationAssumeRole": assume_role_param(),
        },
        "mainSteps": steps,
        "outputs": ["getEC2RescueForWindowsResult.Output", "getWindowsBackupAmi.ImageId", "getEC2RescueForLinuxResult.Output", "getLinuxBackupAmi.ImageId"]
    })
}

/// `AWS-CreateRdsSnapshot`: a manual snapshot of an RDS DB instance.
fn create_rds_snapshot() -> Value {
    json!({
        "schemaVersion": "0.3",
        "description": "Create an Amazon Relational Database Service (Amazon RDS) snapshot for an Amazon RDS instance.",
        "assumeRole": "{{ AutomationAssumeRole }}",
        "parameters": {
            "DBInstanceIdentifier": param("String", "(Required) The DBInstanceId ID of the RDS Instance to create Snapshot from.", None),
            "DBSnapshotIdentifier": param("String", "(Optional) The DBSnapshotIdentifier ID of the RDS snapshot to create.", Some("".into())),
            "InstanceTags": param("String", "(Optional) Tags to create for instance.", Some("".into())),
            "SnapshotTags": param("String", "(Optional) Tags to create for snapshot.", Some("".into())),
            "AutomationAssumeRole": assume_role_param(),
        },
        "mainSteps": [
            {"name": "createRDSSnapshot", "action": "aws:executeAwsApi", "onFailure": "Abort", "inputs": {"Service": "rds", "Api": "CreateDBSnapshot", "DBInstanceIdentifier": "{{ DBInstanceIdentifier }}", "DBSnapshotIdentifier": "{{ DBSnapshotIdentifier }}", "Tags": "{{ SnapshotTags }}"}, "outputs": [{"Name": "SnapshotId", "Selector": "$.DBSnapshot.DBSnapshotIdentifier", "Type": "String"}]},
            {"name": "verifyRDSSnapshot", "action": "aws:waitForAwsResourceProperty", "timeoutSeconds": 1800, "inputs": {"Service": "rds", "Api": "DescribeDBSnapshots", "DBInstanceIdentifier": "{{ DBInstanceIdentifier }}", "DBSnapshotIdentifier": "{{ createRDSSnapshot.SnapshotId }}", "PropertySelector": "$.DBSnapshots[0].Status", "DesiredValues": ["available"]}}
        ],
        "outputs": ["createRDSSnapshot.SnapshotId"]
    })
}

/// `AWS-RebootRdsInstance`: reboots a DB instance unless it is rebooting already.
fn reboot_rds_instance() -> Value {
    json!({
        "schemaVersion": "0.3",
        "description": "The AWS-RebootRdsInstance runbook reboots an Amazon Relational Database Service (Amazon RDS) DB instance if it isn't already rebooting.",
        "assumeRole": "{{ AutomationAssumeRole }}",
        "parameters": {
            "InstanceId": param("String", "(Required) The ID of the Amazon RDS DB instance that you want to reboot.", None),
            "AutomationAssumeRole": assume_role_param(),
        },
        "mainSteps": [
            {"name": "RebootInstance", "action": "aws:executeAwsApi", "onFailure": "Abort", "inputs": {"Service": "rds", "Api": "RebootDBInstance", "DBInstanceIdentifier": "{{ InstanceId }}"}},
            {"name": "WaitForAvailableState", "action": "aws:waitForAwsResourceProperty", "timeoutSeconds": 1800, "inputs": {"Service": "rds", "Api": "DescribeDBInstances", "DBInstanceIdentifier": "{{ InstanceId }}", "PropertySelector": "$.DBInstances[0].DBInstanceStatus", "DesiredValues": ["available"]}}
        ]
    })
}

fn session_document(
    description: &str,
    session_type: &str,
    params: Value,
    properties: Value,
) -> Value {
    json!({
        "schemaVersion": "1.0",
        "description": description,
        "sessionType": session_type,
        "parameters": params,
        "properties": properties
    })
}

fn aws_documents(region: &str) -> Vec<Document> {
    let mut docs = Vec::new();
    let mut add = |name: &str,
                   doc_type: &'static str,
                   platforms: &'static [&'static str],
                   target_type: Option<&'static str>,
                   versions: Vec<Value>| {
        let count = versions.len();
        docs.push(Document {
            name: name.to_string(),
            owner: AMAZON.into(),
            doc_type,
            format: "JSON",
            target_type,
            platforms,
            display_name: None,
            author: None,
            tags: Vec::new(),
            versions: versions
                .into_iter()
                .enumerate()
                .map(|(i, content)| Version {
                    version_name: None,
                    created: AWS_EPOCH - 86_400.0 * 90.0 * (count - i) as f64,
                    content: Content::Structured(content),
                })
                .collect(),
            default_version: count,
        });
    };
    const ALL: &[&str] = &["Windows", "Linux", "MacOS"];
    const UNIX: &[&str] = &["Linux", "MacOS"];
    let instance = Some("/AWS::EC2::Instance");
    add(
        "AWS-RunShellScript",
        "Command",
        UNIX,
        None,
        vec![run_shell_script()],
    );
    add(
        "AWS-RunPowerShellScript",
        "Command",
        ALL,
        None,
        vec![run_powershell_script()],
    );
    add(
        "AWS-RunPatchBaseline",
        "Command",
        ALL,
        None,
        vec![run_patch_baseline()],
    );
    add(
        "AWS-ConfigureAWSPackage",
        "Command",
        ALL,
        None,
        vec![configure_package()],
    );
    add(
        "AWS-UpdateSSMAgent",
        "Command",
        ALL,
        None,
        vec![update_ssm_agent()],
    );
    add(
        "AWS-GatherSoftwareInventory",
        "Command",
        ALL,
        None,
        vec![gather_inventory()],
    );
    add(
        "AWS-RestartEC2Instance",
        "Automation",
        ALL,
        instance,
        vec![change_state_runbook(
            "Restart EC2 instances(s)",
            &[("stopInstances", "stopped"), ("startInstances", "running")],
        )],
    );
    add(
        "AWS-StopEC2Instance",
        "Automation",
        ALL,
        instance,
        vec![change_state_runbook(
            "Stop EC2 instances(s)",
            &[("stopInstances", "stopped")],
        )],
    );
    add(
        "AWS-StartEC2Instance",
        "Automation",
        ALL,
        instance,
        vec![change_state_runbook(
            "Start EC2 instances(s)",
            &[("startInstances", "running")],
        )],
    );
    add(
        "AWS-TerminateEC2Instance",
        "Automation",
        ALL,
        instance,
        vec![change_state_runbook(
            "Terminate EC2 instances(s)",
            &[("terminateInstances", "terminated")],
        )],
    );
    add(
        "AWS-CreateImage",
        "Automation",
        ALL,
        instance,
        vec![create_image()],
    );
    add(
        "AWS-ResizeInstance",
        "Automation",
        ALL,
        instance,
        vec![resize_instance()],
    );
    add(
        "AWSSupport-TroubleshootManagedInstance",
        "Automation",
        ALL,
        instance,
        vec![troubleshoot_managed_instance()],
    );
    add(
        "AWSSupport-ExecuteEC2Rescue",
        "Automation",
        ALL,
        instance,
        vec![execute_ec2_rescue()],
    );
    let db = Some("/AWS::RDS::DBInstance");
    add(
        "AWS-CreateRdsSnapshot",
        "Automation",
        ALL,
        db,
        vec![create_rds_snapshot()],
    );
    add(
        "AWS-RebootRdsInstance",
        "Automation",
        ALL,
        db,
        vec![reboot_rds_instance()],
    );
    add(
        "AWS-StartInteractiveCommand",
        "Session",
        ALL,
        None,
        vec![session_document(
            "Document to run single interactive command on an instance",
            "InteractiveCommands",
            json!({"command": param("String", "The command to run.", None)}),
            json!({"windows": {"commands": "{{command}}", "runAsElevated": false}, "linux": {"commands": "{{command}}", "runAsElevated": false}, "macos": {"commands": "{{command}}", "runAsElevated": false}}),
        )],
    );
    add(
        "AWS-StartPortForwardingSession",
        "Session",
        ALL,
        None,
        vec![session_document(
            "Document to start port forwarding session over Session Manager",
            "Port",
            json!({
                "portNumber": with(param("String", "(Optional) Port number of the server on the instance", Some("80".into())), "allowedPattern", "^([1-9]|[1-9][0-9]{1,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$".into()),
                "localPortNumber": with(param("String", "(Optional) Port number on local machine to forward traffic to. An open port is chosen at run-time if not provided", Some("0".into())), "allowedPattern", "^([0-9]|[1-9][0-9]{1,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$".into()),
            }),
            json!({"portNumber": "{{ portNumber }}", "type": "LocalPortForwarding", "localPortNumber": "{{ localPortNumber }}"}),
        )],
    );
    add(
        "AWS-StartPortForwardingSessionToRemoteHost",
        "Session",
        ALL,
        None,
        vec![session_document(
            "Document to start port forwarding session over Session Manager to a remote host",
            "Port",
            json!({
                "host": param("String", "(Required) The IP address or DNS name of the remote host", None),
                "portNumber": param("String", "(Optional) Port number of the server on the remote host", Some("80".into())),
                "localPortNumber": param("String", "(Optional) Port number on local machine to forward traffic to. An open port is chosen at run-time if not provided", Some("0".into())),
            }),
            json!({"portNumber": "{{ portNumber }}", "type": "LocalPortForwarding", "localPortNumber": "{{ localPortNumber }}", "host": "{{ host }}"}),
        )],
    );
    add(
        "SSM-SessionManagerRunShell",
        "Session",
        ALL,
        None,
        vec![session_document(
            "Document to hold regional settings for Session Manager",
            "Standard_Stream",
            json!({}),
            json!({}),
        )
        .as_object()
        .map(|o| {
            let mut o = o.clone();
            o.remove("parameters");
            o.remove("properties");
            o.insert("inputs".into(), json!({"s3BucketName": "", "s3KeyPrefix": "", "s3EncryptionEnabled": true, "cloudWatchLogGroupName": "", "cloudWatchEncryptionEnabled": true, "cloudWatchStreamingEnabled": true, "idleSessionTimeout": "20", "runAsEnabled": false, "shellProfile": {"windows": "", "linux": ""}}));
            Value::Object(o)
        })
        .unwrap_or_default()],
    );
    for (name, publisher, versions) in [
        (
            "AmazonCloudWatchAgent",
            "AmazonCloudWatchAgent",
            &[
                "1.300032.3b392",
                "1.300039.0b612",
                "1.300041.0b681",
                "1.300049.1b929",
            ][..],
        ),
        (
            "AWSCodeDeployAgent",
            "AWSCodeDeployAgent",
            &["1.6.0-49", "1.7.0-92", "1.7.1-110"][..],
        ),
    ] {
        let count = versions.len();
        docs.push(Document {
            name: name.into(),
            owner: AMAZON.into(),
            doc_type: "Package",
            format: "JSON",
            target_type: None,
            platforms: ALL,
            display_name: None,
            author: None,
            tags: Vec::new(),
            versions: versions
                .iter()
                .enumerate()
                .map(|(i, v)| Version {
                    version_name: Some(v.to_string()),
                    created: AWS_EPOCH - 86_400.0 * 45.0 * (count - i) as f64,
                    content: Content::Structured(package_manifest(
                        publisher,
                        v,
                        region,
                        name == "AmazonCloudWatchAgent",
                    )),
                })
                .collect(),
            default_version: count,
        });
    }
    docs
}

/// A Distributor manifest: the files of a package version per platform and architecture.
fn package_manifest(name: &str, version: &str, seed_text: &str, windows_arm: bool) -> Value {
    let mut files = Map::new();
    let mut packages = Map::new();
    let targets: &[(&str, &str, &[&str])] = &[
        ("amazon", "_any", &["x86_64", "arm64"]),
        ("ubuntu", "_any", &["x86_64", "arm64"]),
        ("redhat", "_any", &["x86_64", "arm64"]),
        ("suse", "_any", &["x86_64"]),
        ("debian", "_any", &["x86_64"]),
        (
            "windows",
            "_any",
            if windows_arm {
                &["x86_64", "arm64"]
            } else {
                &["x86_64"]
            },
        ),
    ];
    for (platform, platform_version, arches) in targets {
        let mut per_arch = Map::new();
        for arch in *arches {
            let file = format!("{name}-{platform}-{arch}.zip");
            let digest = Sha256::digest(format!("{file}{version}{seed_text}").as_bytes());
            let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
            files.insert(file.clone(), json!({"checksums": {"sha256": hex}}));
            per_arch.insert((*arch).into(), json!({"file": file}));
        }
        packages.insert(
            (*platform).into(),
            json!({ *platform_version: Value::Object(per_arch) }),
        );
    }
    json!({
        "schemaVersion": "2.0",
        "version": version,
        "publisher": "Amazon Web Services",
        "packages": packages,
        "files": files
    })
}

fn rotate_logs(retention: u32) -> Value {
    json!({
        "schemaVersion": "2.2",
        "description": "Compresses and prunes application logs older than the retention period.",
        "parameters": {
            "logDirectory": param("String", "(Optional) Directory holding the application logs.", Some("/var/log/app".into())),
            "retentionDays": with(param("String", "(Optional) Days of logs to keep.", Some(retention.to_string().into())), "allowedPattern", "^[0-9]{1,3}$".into()),
        },
        "mainSteps": [{
            "action": "aws:runShellScript",
            "name": "rotateLogs",
            "precondition": {"StringEquals": ["platformType", "Linux"]},
            "inputs": {"runCommand": [
                "set -eu",
                "dir='{{ logDirectory }}'",
                "find \"$dir\" -name '*.log' -mtime +1 -exec gzip -9 {} \\;",
                "find \"$dir\" -name '*.gz' -mtime +{{ retentionDays }} -delete",
                "echo \"rotated logs in $dir\""
            ]}
        }]
    })
}

fn restart_service_runbook() -> Value {
    json!({
        "schemaVersion": "0.3",
        "description": "Restarts a systemd service on a managed node and checks that it is running again.",
        "assumeRole": "{{ AutomationAssumeRole }}",
        "parameters": {
            "InstanceId": param("String", "(Required) The managed node to act on.", None),
            "ServiceName": with(param("String", "(Optional) The systemd unit to restart. Default: amazon-ssm-agent, the agent that connects the managed node to Systems Manager.", Some("amazon-ssm-agent".into())), "allowedPattern", "^[a-zA-Z0-9@._-]{1,128}$".into()),
            "AutomationAssumeRole": assume_role_param(),
        },
        "mainSteps": [
            {"name": "checkManaged", "action": "aws:assertAwsResourceProperty", "inputs": {"Service": "ssm", "Api": "DescribeInstanceInformation", "InstanceInformationFilterList": [{"key": "InstanceIds", "valueSet": ["{{ InstanceId }}"]}], "PropertySelector": "$.InstanceInformationList[0].PingStatus", "DesiredValues": ["Online"]}},
            {"name": "restartService", "action": "aws:runCommand", "inputs": {"DocumentName": "AWS-RunShellScript", "InstanceIds": ["{{ InstanceId }}"], "Parameters": {"commands": ["systemctl restart {{ ServiceName }}"]}}},
            {"name": "verifyService", "action": "aws:runCommand", "inputs": {"DocumentName": "AWS-RunShellScript", "InstanceIds": ["{{ InstanceId }}"], "Parameters": {"commands": ["systemctl is-active {{ ServiceName }}"]}}}
        ],
        "outputs": ["restartService.Output"]
    })
}

fn hardening_document() -> Value {
    json!({
        "schemaVersion": "2.2",
        "description": "Applies the organization's CIS-aligned hardening profile.",
        "parameters": {
            "profile": with(param("String", "(Optional) Hardening profile to apply.", Some("level1".into())), "allowedValues", json!(["level1", "level2"])),
        },
        "mainSteps": [
            {"action": "aws:runShellScript", "name": "hardenLinux", "precondition": {"StringEquals": ["platformType", "Linux"]}, "inputs": {"runCommand": ["echo applying {{ profile }} hardening"]}},
            {"action": "aws:runPowerShellScript", "name": "hardenWindows", "precondition": {"StringEquals": ["platformType", "Windows"]}, "inputs": {"runCommand": ["Write-Output 'applying {{ profile }} hardening'"]}}
        ]
    })
}

/// The account's in-house agent package: its versions.
const EDGE_AGENT_VERSIONS: &[&str] = &["2.3.0", "2.4.1", "2.5.0"];

fn account_documents(estate: &Estate, account: usize, region: &str, started: f64) -> Vec<Document> {
    let acct = &estate.accounts[account];
    let org = estate.org_name();
    let mut rng =
        SplitMix::new(estate.seed ^ fnv64(&[acct.id.as_bytes(), region.as_bytes(), b"documents"]));
    let base = acct.joined as f64 + rng.range(30, 200) as f64 * 86_400.0;
    let mut docs = Vec::new();
    let own = |name: String,
               doc_type: &'static str,
               format: &'static str,
               platforms: &'static [&'static str],
               versions: Vec<Version>,
               default_version: usize| Document {
        name,
        owner: acct.id.clone(),
        doc_type,
        format,
        target_type: None,
        platforms,
        display_name: None,
        author: None,
        tags: vec![("Owner".into(), "platform-team".into())],
        versions,
        default_version,
    };
    let step =
        |i: usize, rng: &mut SplitMix| base + (i as f64) * 86_400.0 * rng.range(20, 90) as f64;

    let rotate: Vec<Version> = [30, 14]
        .iter()
        .enumerate()
        .map(|(i, r)| Version {
            version_name: None,
            created: step(i, &mut rng),
            content: Content::Structured(rotate_logs(*r)),
        })
        .collect();
    docs.push(own(
        format!("{org}-RotateLogs"),
        "Command",
        "JSON",
        &["Linux"],
        rotate,
        2,
    ));

    let mut restart = own(
        format!("{org}-RestartService"),
        "Automation",
        "YAML",
        &["Windows", "Linux", "MacOS"],
        vec![Version {
            version_name: None,
            created: step(1, &mut rng),
            content: Content::Structured(restart_service_runbook()),
        }],
        1,
    );
    restart.target_type = Some("/AWS::EC2::Instance");
    docs.push(restart);

    let pkg_name = format!("{org}-EdgeAgent");
    let pkg_versions: Vec<Version> = EDGE_AGENT_VERSIONS
        .iter()
        .enumerate()
        .map(|(i, v)| Version {
            version_name: Some(v.to_string()),
            created: step(i, &mut rng),
            content: Content::Structured(package_manifest(&pkg_name, v, &acct.id, false)),
        })
        .collect();
    // The newest version is still being rolled out: the default stays one behind.
    docs.push(own(
        pkg_name,
        "Package",
        "JSON",
        &["Windows", "Linux", "MacOS"],
        pkg_versions,
        EDGE_AGENT_VERSIONS.len() - 1,
    ));

    for (name, text) in calendars(estate, account, region, started) {
        let mut d = own(
            name.into(),
            "ChangeCalendar",
            "TEXT",
            &[],
            vec![Version {
                version_name: None,
                created: step(2, &mut rng),
                content: Content::Text(text),
            }],
            1,
        );
        d.tags.push(("Purpose".into(), "change-control".into()));
        docs.push(d);
    }

    // Shared by the management account with every member (the management account owns
    // it); the management account in turn sees one shared by the network account.
    let (sharer, shared_name, content) = if account == 0 {
        (
            estate.accounts.get(1),
            format!("{org}-NetworkDiagnostics"),
            rotate_like_network(),
        )
    } else {
        (
            Some(estate.management()),
            format!("{org}-BaselineHardening"),
            hardening_document(),
        )
    };
    if let Some(sharer) = sharer {
        docs.push(Document {
            name: shared_name,
            owner: sharer.id.clone(),
            doc_type: "Command",
            format: "JSON",
            target_type: None,
            platforms: &["Windows", "Linux"],
            display_name: None,
            author: Some(sharer.name.clone()),
            tags: Vec::new(),
            versions: vec![Version {
                version_name: Some("1.0".into()),
                created: base - 86_400.0 * 10.0,
                content: Content::Structured(content),
            }],
            default_version: 1,
        });
    }
    docs
}

fn rotate_like_network() -> Value {
    json!({
        "schemaVersion": "2.2",
        "description": "Collects routes, DNS settings and connectivity to the SSM endpoints.",
        "parameters": {
            "targetHost": param("String", "(Optional) A host to test connectivity to.", Some("ssm.amazonaws.com".into())),
        },
        "mainSteps": [{"action": "aws:runShellScript", "name": "diagnose", "precondition": {"StringEquals": ["platformType", "Linux"]}, "inputs": {"runCommand": ["ip route", "cat /etc/resolv.conf", "curl -sS -m 5 -o /dev/null -w '%{http_code}\\n' https://{{ targetHost }}"]}}]
    })
}

/// The account's change calendars: (name, iCalendar text). Events are placed relative to
/// the day the sim started, so a calendar is always in the state its name promises now.
pub(crate) fn calendars(
    estate: &Estate,
    account: usize,
    region: &str,
    started: f64,
) -> Vec<(&'static str, String)> {
    let acct = &estate.accounts[account];
    let day = (started / 86_400.0).floor() * 86_400.0;
    let stamp = ical_time(day);
    let uid = |n: &str| {
        SplitMix::new(estate.seed ^ fnv64(&[acct.id.as_bytes(), region.as_bytes(), n.as_bytes()]))
            .uuid()
    };
    let event = |n: &str,
                 summary: &str,
                 description: &str,
                 start: f64,
                 end: f64,
                 rrule: Option<&str>| {
        let mut e = format!(
            "BEGIN:VEVENT\r\nDTSTAMP:{stamp}\r\nUID:{}\r\nSUMMARY:{summary}\r\nDESCRIPTION:{description}\r\nDTSTART:{}\r\nDTEND:{}\r\n",
            uid(n),
            ical_time(start),
            ical_time(end)
        );
        if let Some(r) = rrule {
            e.push_str(&format!("RRULE:{r}\r\n"));
        }
        e.push_str("END:VEVENT\r\n");
        e
    };
    let calendar = |kind: &str, description: &str, events: &[String]| {
        format!(
            "BEGIN:VCALENDAR\r\nPRODID:-//AWS//Change Calendar 1.0//EN\r\nVERSION:2.0\r\nX-CALENDAR-TYPE:{kind}\r\nX-WR-CALDESC:{description}\r\nX-CALENDAR-CMEVENTS:DISABLED\r\n{}END:VCALENDAR\r\n",
            events.concat()
        )
    };
    let h = 3600.0;
    let d = 86_400.0;
    let freeze = calendar(
        "DEFAULT_OPEN",
        "Changes are allowed except during freezes",
        &[
            event(
                "freeze-1",
                "Quarter-end change freeze",
                "No production changes while finance closes the quarter",
                day + 2.0 * d,
                day + 4.0 * d,
                None,
            ),
            event(
                "freeze-2",
                "Datacenter network maintenance",
                "Carrier maintenance on the dc1 uplinks",
                day + 9.0 * d + 18.0 * h,
                day + 10.0 * d + 6.0 * h,
                None,
            ),
        ],
    );
    let prod = calendar(
        "DEFAULT_CLOSED",
        "Production is frozen outside release windows",
        &[
            event(
                "window",
                "Weekly release window",
                "Approved changes may be deployed to production",
                day + d + 8.0 * h,
                day + d + 12.0 * h,
                Some("FREQ=WEEKLY;COUNT=8"),
            ),
            event(
                "window-2",
                "Weekly hotfix window",
                "Hotfixes approved by the on-call lead",
                day + 4.0 * d + 14.0 * h,
                day + 4.0 * d + 16.0 * h,
                Some("FREQ=WEEKLY;COUNT=8"),
            ),
        ],
    );
    vec![("change-freeze", freeze), ("prod-freeze", prod)]
}

fn ical_time(secs: f64) -> String {
    chrono::DateTime::from_timestamp(secs as i64, 0)
        .map(|t| t.format("%Y%m%dT%H%M%SZ").to_string())
        .unwrap_or_default()
}

/// Every document visible in a scope: AWS-owned first, then the account's and shared.
/// The string `key` of a document step (`mainSteps` member), or `default`.
pub(crate) fn step_str(step: &Value, key: &str, default: &str) -> String {
    step.get(key)
        .and_then(Value::as_str)
        .unwrap_or(default)
        .to_string()
}

pub(crate) fn catalog(estate: &Estate, account: usize, region: &str) -> Vec<Document> {
    let mut docs = aws_documents(region);
    if account < estate.accounts.len() {
        docs.extend(account_documents(estate, account, region, estate.started));
    }
    docs
}

/// A document by name or ARN, as the caller sees it.
///
/// As in AWS, a document shared by another account is only found by its ARN
/// (`arn:aws:ssm:REGION:OWNER:document/NAME`); the caller's own and AWS-owned documents
/// by name or ARN.
pub(crate) fn find(ctx: &Ctx<'_>, name_or_arn: &str) -> Option<Document> {
    let me = &ctx.estate.accounts[ctx.account].id;
    let (name, owner) = match name_or_arn.strip_prefix("arn:") {
        Some(rest) => {
            let (head, name) = rest.rsplit_once(":document/")?;
            // head: PARTITION:ssm:REGION:ACCOUNT
            let account = head.rsplit(':').next().unwrap_or_default();
            (name, Some(account))
        }
        None => (name_or_arn, None),
    };
    catalog(ctx.estate, ctx.account, ctx.region)
        .into_iter()
        .find(|d| {
            d.name == name
                && match owner {
                    None => d.owner == AMAZON || &d.owner == me,
                    Some(acct) => {
                        d.owner == acct
                            || (d.owner == AMAZON && acct.is_empty())
                            || (acct == me && d.owner == AMAZON)
                    }
                }
        })
}

pub(crate) fn invalid_document(name: &str) -> ApiError {
    ApiError::new(
        400,
        "InvalidDocument",
        format!("Document with name {name} does not exist."),
    )
}

pub(crate) fn invalid_version() -> ApiError {
    ApiError::new(
        400,
        "InvalidDocumentVersion",
        "The document version is not valid or does not exist.",
    )
}

/// The version a request names (`DocumentVersion` number, `$LATEST`, `$DEFAULT`, or
/// `VersionName`); the default version when it names none.
pub(crate) fn resolve_version(
    doc: &Document,
    version: Option<&str>,
    version_name: Option<&str>,
) -> Result<usize, ApiError> {
    let n = match version {
        None | Some("$DEFAULT") => doc.default_version,
        Some("$LATEST") => doc.latest(),
        Some(v) => {
            if !v.bytes().all(|b| b.is_ascii_digit()) || v.is_empty() {
                return Err(ApiError::validation(constraint_message(
                    &format!("'{v}'"),
                    "documentVersion",
                    "Member must satisfy regular expression pattern: ([$]LATEST|[$]DEFAULT|^[1-9][0-9]*$)",
                )));
            }
            v.parse::<usize>().map_err(|_| invalid_version())?
        }
    };
    let n = match version_name {
        Some(name) => {
            let found = doc
                .versions
                .iter()
                .position(|v| v.version_name.as_deref() == Some(name))
                .map(|i| i + 1)
                .ok_or_else(invalid_version)?;
            if version.is_some() && found != n {
                return Err(invalid_version());
            }
            found
        }
        None => n,
    };
    doc.version(n).map(|_| n).ok_or_else(invalid_version)
}

fn hash(doc: &Document, n: usize) -> String {
    let text = doc.render(n, doc.format).unwrap_or_default();
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn tags_json(doc: &Document) -> Value {
    Value::Array(
        doc.tags
            .iter()
            .map(|(k, v)| json!({"Key": k, "Value": v}))
            .collect(),
    )
}

/// A parameter's default as DescribeDocument shows it (text).
pub(crate) fn default_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn identifier_json(doc: &Document) -> Value {
    let n = doc.default_version;
    let mut o = Map::new();
    o.insert("Name".into(), doc.name.clone().into());
    o.insert(
        "CreatedDate".into(),
        epoch_json(doc.version(1).map(|v| v.created).unwrap_or(AWS_EPOCH)),
    );
    o.insert("Owner".into(), doc.owner.clone().into());
    if let Some(vn) = doc.version(n).and_then(|v| v.version_name.clone()) {
        o.insert("VersionName".into(), vn.into());
    }
    o.insert("PlatformTypes".into(), json!(doc.platforms));
    o.insert("DocumentVersion".into(), n.to_string().into());
    o.insert("DocumentType".into(), doc.doc_type.into());
    o.insert("SchemaVersion".into(), doc.schema_version(n).into());
    o.insert("DocumentFormat".into(), doc.format.into());
    if let Some(t) = doc.target_type {
        o.insert("TargetType".into(), t.into());
    }
    if let Some(a) = &doc.author {
        o.insert("Author".into(), a.clone().into());
    }
    if let Some(d) = &doc.display_name {
        o.insert("DisplayName".into(), d.clone().into());
    }
    o.insert("Tags".into(), tags_json(doc));
    Value::Object(o)
}

fn description_json(doc: &Document, n: usize, region: &str) -> Value {
    let mut o = Map::new();
    let h = hash(doc, n);
    o.insert("Sha1".into(), h.clone().into());
    o.insert("Hash".into(), h.into());
    o.insert("HashType".into(), "Sha256".into());
    o.insert("Name".into(), doc.name.clone().into());
    if let Some(d) = &doc.display_name {
        o.insert("DisplayName".into(), d.clone().into());
    }
    if let Some(vn) = doc.version(n).and_then(|v| v.version_name.clone()) {
        o.insert("VersionName".into(), vn.into());
    }
    o.insert("Owner".into(), doc.owner.clone().into());
    o.insert(
        "CreatedDate".into(),
        epoch_json(doc.version(n).map(|v| v.created).unwrap_or(AWS_EPOCH)),
    );
    o.insert("Status".into(), "Active".into());
    o.insert("DocumentVersion".into(), n.to_string().into());
    let description = doc.description(n);
    if !description.is_empty() {
        o.insert("Description".into(), description.into());
    }
    let params: Vec<Value> = doc
        .parameters(n)
        .iter()
        .map(|(name, def)| {
            let mut p = Map::new();
            p.insert("Name".into(), name.clone().into());
            p.insert(
                "Type".into(),
                def.get("type").cloned().unwrap_or_else(|| "String".into()),
            );
            if let Some(d) = def.get("description").and_then(Value::as_str) {
                p.insert("Description".into(), d.into());
            }
            if let Some(d) = def.get("default") {
                p.insert("DefaultValue".into(), default_text(d).into());
            }
            Value::Object(p)
        })
        .collect();
    if !params.is_empty() {
        o.insert("Parameters".into(), Value::Array(params));
    }
    o.insert("PlatformTypes".into(), json!(doc.platforms));
    o.insert("DocumentType".into(), doc.doc_type.into());
    o.insert("SchemaVersion".into(), doc.schema_version(n).into());
    o.insert("LatestVersion".into(), doc.latest().to_string().into());
    o.insert(
        "DefaultVersion".into(),
        doc.default_version.to_string().into(),
    );
    o.insert("DocumentFormat".into(), doc.format.into());
    if let Some(t) = doc.target_type {
        o.insert("TargetType".into(), t.into());
    }
    o.insert("Tags".into(), tags_json(doc));
    if let Some(a) = &doc.author {
        o.insert("Author".into(), a.clone().into());
    }
    let _ = region;
    Value::Object(o)
}

// ---------------------------------------------------------------------------------------
// ListDocuments

const DOC_TYPES: &[&str] = &[
    "Command",
    "Policy",
    "Automation",
    "Session",
    "Package",
    "ApplicationConfiguration",
    "ApplicationConfigurationSchema",
    "DeploymentStrategy",
    "ChangeCalendar",
    "Automation.ChangeTemplate",
    "ProblemAnalysis",
    "ProblemAnalysisTemplate",
    "CloudFormation",
    "ConformancePackTemplate",
    "QuickSetup",
    "ManualApprovalPolicy",
    "AutoApprovalPolicy",
];
const OWNERS: &[&str] = &["Self", "Amazon", "Private", "Public", "ThirdParty", "All"];

enum DocFilter {
    Types(Vec<String>),
    Owner(String),
    NamePrefix(Vec<String>),
    Platforms(Vec<String>),
    Keyword(Vec<String>),
    TargetType(Vec<String>),
    Tag(String, Vec<String>),
    TagKeys(Vec<String>),
}

fn owner_matches(doc: &Document, owner: &str, me: &str) -> bool {
    match owner {
        "Self" => doc.owner == me,
        "Amazon" => doc.owner == AMAZON,
        "Private" => doc.owner != AMAZON,
        "Public" | "ThirdParty" => false,
        _ => true,
    }
}

fn doc_matches(doc: &Document, f: &DocFilter, me: &str) -> bool {
    let any = |vals: &[String], x: &str| vals.iter().any(|v| v == x);
    match f {
        DocFilter::Types(v) => any(v, doc.doc_type),
        DocFilter::Owner(o) => owner_matches(doc, o, me),
        DocFilter::NamePrefix(v) => v.iter().any(|p| doc.name.starts_with(p.as_str())),
        DocFilter::Platforms(v) => doc.platforms.iter().any(|p| any(v, p)),
        DocFilter::Keyword(v) => {
            let name = doc.name.to_lowercase();
            v.iter().any(|k| name.contains(&k.to_lowercase()))
        }
        DocFilter::TargetType(v) => doc.target_type.is_some_and(|t| any(v, t)),
        DocFilter::Tag(k, v) => doc
            .tags
            .iter()
            .any(|(tk, tv)| tk == k && (v.is_empty() || any(v, tv))),
        DocFilter::TagKeys(v) => doc.tags.iter().any(|(tk, _)| any(v, tk)),
    }
}

fn parse_key_values_filters(list: &[Value]) -> Result<Vec<DocFilter>, ApiError> {
    check_count(list.len(), "filters", 0, 6)?;
    let mut out = Vec::new();
    for (i, item) in list.iter().enumerate() {
        let obj = input::as_object(item, "Filters")?;
        let key = input::opt_str(obj, "Key")?.unwrap_or_default();
        check_len(key, &format!("filters.{}.member.key", i + 1), 1, 128)?;
        let values = match input::opt_array(obj, "Values")? {
            Some(v) => input::string_list(v, "Values")?,
            None => Vec::new(),
        };
        check_count(
            values.len(),
            &format!("filters.{}.member.values", i + 1),
            0,
            20,
        )?;
        out.push(filter_for(key, values)?);
    }
    Ok(out)
}

fn filter_for(key: &str, values: Vec<String>) -> Result<DocFilter, ApiError> {
    Ok(match key {
        "DocumentType" => {
            if let Some(bad) = values.iter().find(|v| !DOC_TYPES.contains(&v.as_str())) {
                return Err(ApiError::validation(format!(
                    "The DocumentType filter value {bad} is not valid."
                )));
            }
            DocFilter::Types(values)
        }
        "Owner" => {
            if values.len() != 1 {
                return Err(ApiError::validation(
                    "Only one Owner can be specified in a request.",
                ));
            }
            let v = values.into_iter().next().unwrap_or_default();
            if !OWNERS.contains(&v.as_str()) && !v.bytes().all(|b| b.is_ascii_digit()) {
                return Err(ApiError::new(
                    400,
                    "InvalidFilterValue",
                    format!("The filter value {v} is not valid for the Owner filter key."),
                ));
            }
            DocFilter::Owner(v)
        }
        "Name" => DocFilter::NamePrefix(values),
        "PlatformTypes" => DocFilter::Platforms(values),
        "SearchKeyword" => DocFilter::Keyword(values),
        "TargetType" => DocFilter::TargetType(values),
        "TagKeys" => DocFilter::TagKeys(values),
        k => match k.strip_prefix("tag:").filter(|t| !t.is_empty()) {
            Some(t) => DocFilter::Tag(t.to_string(), values),
            None => {
                return Err(ApiError::new(
                    400,
                    "InvalidFilterKey",
                    format!("The filter key {k} is not valid."),
                ));
            }
        },
    })
}

/// `DocumentFilterList`: `{key, value}` pairs with keys Name, Owner, PlatformTypes,
/// DocumentType.
fn parse_legacy_filters(list: &[Value]) -> Result<Vec<DocFilter>, ApiError> {
    check_count(list.len(), "documentFilterList", 1, 100)?;
    let mut out = Vec::new();
    for (i, item) in list.iter().enumerate() {
        let obj = input::as_object(item, "DocumentFilterList")?;
        let member = format!("documentFilterList.{}.member", i + 1);
        let key = required_str(obj, "key", &format!("{member}.key"))?;
        let value = required_str(obj, "value", &format!("{member}.value"))?;
        check_len(value, &format!("{member}.value"), 1, 256)?;
        if !["Name", "Owner", "PlatformTypes", "DocumentType"].contains(&key) {
            return Err(ApiError::validation(constraint_message(
                &format!("'{key}'"),
                &format!("{member}.key"),
                "Member must satisfy enum value set: [Owner, Name, PlatformTypes, DocumentType]",
            )));
        }
        out.push(filter_for(key, vec![value.to_string()])?);
    }
    Ok(out)
}

pub(crate) fn list_documents(ctx: &Ctx<'_>, body: &Object) -> Result<Value, ApiError> {
    let size = max_results(body, "maxResults", 1, 50, 50)?;
    let legacy = input::opt_array(body, "DocumentFilterList")?;
    let filters = input::opt_array(body, "Filters")?;
    if legacy.is_some_and(|l| !l.is_empty()) && filters.is_some_and(|f| !f.is_empty()) {
        return Err(ApiError::validation(
            "DocumentFilterList and Filters can't be used together. Use Filters.",
        ));
    }
    let mut parsed = match legacy {
        Some(l) => parse_legacy_filters(l)?,
        None => Vec::new(),
    };
    parsed.extend(parse_key_values_filters(
        filters.map(Vec::as_slice).unwrap_or_default(),
    )?);
    let hash = query_hash(ctx, "ListDocuments", body);
    let start = page_start(body, hash)?;
    let me = ctx.estate.accounts[ctx.account].id.clone();
    let mut docs: Vec<Document> = catalog(ctx.estate, ctx.account, ctx.region)
        .into_iter()
        .filter(|d| parsed.iter().all(|f| doc_matches(d, f, &me)))
        .collect();
    docs.sort_by(|a, b| a.name.cmp(&b.name));
    let (start, end, next) = page(start, size, docs.len(), hash)?;
    let items: Vec<Value> = docs[start..end].iter().map(identifier_json).collect();
    Ok(page_json("DocumentIdentifiers", items, next))
}

// ---------------------------------------------------------------------------------------
// DescribeDocument, GetDocument, ListDocumentVersions

fn named_document(ctx: &Ctx<'_>, body: &Object) -> Result<Document, ApiError> {
    let name = required_str(body, "Name", "name")?;
    find(ctx, name).ok_or_else(|| invalid_document(name))
}

/// The document `Name` names and the version `DocumentVersion` or `VersionName` picks.
fn named_version(ctx: &Ctx<'_>, body: &Object) -> Result<(Document, usize), ApiError> {
    let doc = named_document(ctx, body)?;
    let n = resolve_version(
        &doc,
        input::opt_str(body, "DocumentVersion")?,
        input::opt_str(body, "VersionName")?,
    )?;
    Ok((doc, n))
}

pub(crate) fn describe_document(ctx: &Ctx<'_>, body: &Object) -> Result<Value, ApiError> {
    let (doc, n) = named_version(ctx, body)?;
    Ok(json!({ "Document": description_json(&doc, n, ctx.region) }))
}

pub(crate) fn get_document(ctx: &Ctx<'_>, body: &Object) -> Result<Value, ApiError> {
    let (doc, n) = named_version(ctx, body)?;
    let format = match input::opt_str(body, "DocumentFormat")? {
        None => doc.format,
        Some(f) => {
            super::request::check_enum(f, "documentFormat", &["YAML", "JSON", "TEXT"])?;
            match (doc.format, f) {
                ("TEXT", "TEXT") => "TEXT",
                ("TEXT", _) | (_, "TEXT") => {
                    return Err(ApiError::validation(format!(
                        "Document format conversion from {} to {f} is not supported.",
                        doc.format
                    )));
                }
                (_, "YAML") => "YAML",
                _ => "JSON",
            }
        }
    };
    let content = doc.render(n, format).unwrap_or_default();
    let mut o = Map::new();
    o.insert("Name".into(), doc.name.clone().into());
    o.insert(
        "CreatedDate".into(),
        epoch_json(doc.version(n).map(|v| v.created).unwrap_or(AWS_EPOCH)),
    );
    if let Some(vn) = doc.version(n).and_then(|v| v.version_name.clone()) {
        o.insert("VersionName".into(), vn.into());
    }
    o.insert("DocumentVersion".into(), n.to_string().into());
    o.insert("Status".into(), "Active".into());
    o.insert("Content".into(), content.into());
    o.insert("DocumentType".into(), doc.doc_type.into());
    o.insert("DocumentFormat".into(), format.into());
    Ok(Value::Object(o))
}

pub(crate) fn list_document_versions(ctx: &Ctx<'_>, body: &Object) -> Result<Value, ApiError> {
    let size = max_results(body, "maxResults", 1, 50, 50)?;
    let doc = named_document(ctx, body)?;
    let hash = query_hash(ctx, "ListDocumentVersions", body);
    let start = page_start(body, hash)?;
    let n = doc.latest();
    let (start, end, next) = page(start, size, n, hash)?;
    let items: Vec<Value> = (start..end)
        .map(|i| {
            let version = n - i;
            let v = &doc.versions[version - 1];
            let mut o = Map::new();
            o.insert("Name".into(), doc.name.clone().into());
            o.insert("DocumentVersion".into(), version.to_string().into());
            if let Some(vn) = &v.version_name {
                o.insert("VersionName".into(), vn.clone().into());
            }
            o.insert("CreatedDate".into(), epoch_json(v.created));
            o.insert(
                "IsDefaultVersion".into(),
                (version == doc.default_version).into(),
            );
            o.insert("DocumentFormat".into(), doc.format.into());
            o.insert("Status".into(), "Active".into());
            Value::Object(o)
        })
        .collect();
    Ok(page_json("DocumentVersions", items, next))
}

// ---------------------------------------------------------------------------------------
// YAML rendering

/// YAML for a JSON value (block style; strings quoted when YAML would misread them).
pub(crate) fn to_yaml(v: &Value) -> String {
    let mut out = String::new();
    yaml_value(v, 0, &mut out, false);
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

fn yaml_scalar(v: &Value) -> String {
    match v {
        Value::String(s) => yaml_string(s),
        Value::Null => "null".into(),
        other => other.to_string(),
    }
}

fn yaml_string(s: &str) -> String {
    let plain = !s.is_empty()
        && !s.starts_with(|c: char| " -?:,[]{}#&*!|>'\"%@`".contains(c))
        && !s.ends_with(' ')
        && !s.contains(": ")
        && !s.contains(" #")
        && !s.contains('\n')
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "~"
        )
        && s.parse::<f64>().is_err();
    if plain {
        s.to_string()
    } else {
        serde_json::to_string(s).unwrap_or_else(|_| "''".into())
    }
}

fn yaml_value(v: &Value, indent: usize, out: &mut String, in_list: bool) {
    let pad = " ".repeat(indent);
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (i, (k, val)) in m.iter().enumerate() {
                if !(in_list && i == 0) {
                    out.push_str(&pad);
                }
                out.push_str(&yaml_string(k));
                out.push(':');
                yaml_child(val, indent + 2, out);
            }
        }
        Value::Array(a) if !a.is_empty() => {
            for item in a {
                out.push_str(&pad);
                out.push_str("- ");
                match item {
                    Value::Object(m) if !m.is_empty() => yaml_value(item, indent + 2, out, true),
                    Value::Array(x) if !x.is_empty() => {
                        out.push('\n');
                        yaml_value(item, indent + 2, out, false);
                    }
                    _ => {
                        out.push_str(&yaml_empty_or_scalar(item));
                        out.push('\n');
                    }
                }
            }
        }
        other => {
            out.push_str(&pad);
            out.push_str(&yaml_empty_or_scalar(other));
            out.push('\n');
        }
    }
}

fn yaml_empty_or_scalar(v: &Value) -> String {
    match v {
        Value::Object(_) => "{}".into(),
        Value::Array(_) => "[]".into(),
        other => yaml_scalar(other),
    }
}

fn yaml_child(v: &Value, indent: usize, out: &mut String) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            yaml_value(v, indent, out, false);
        }
        Value::Array(a) if !a.is_empty() => {
            out.push('\n');
            yaml_value(v, indent, out, false);
        }
        other => {
            out.push(' ');
            out.push_str(&yaml_empty_or_scalar(other));
            out.push('\n');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_renders_nested_values() {
        let v = json!({"a": [1, {"b": "x: y", "c": []}], "d": {}, "e": "true"});
        assert_eq!(
            to_yaml(&v),
            "a:\n  - 1\n  - b: \"x: y\"\n    c: []\nd: {}\ne: \"true\"\n"
        );
    }

    #[test]
    fn catalog_is_deterministic_and_has_calendars() {
        let e = Estate::new(5, 3, vec!["us-east-1".into()], 2, 1_764_000_000.0);
        let a = catalog(&e, 1, "us-east-1");
        let b = catalog(&e, 1, "us-east-1");
        assert_eq!(a.len(), b.len());
        assert!(
            a.iter()
                .zip(&b)
                .all(|(x, y)| x.name == y.name && hash(x, 1) == hash(y, 1))
        );
        let cals: Vec<_> = a
            .iter()
            .filter(|d| d.doc_type == "ChangeCalendar")
            .collect();
        assert_eq!(cals.len(), 2);
        assert!(
            cals[0]
                .text(1)
                .is_some_and(|t| t.contains("X-CALENDAR-TYPE:DEFAULT_OPEN"))
        );
        assert!(
            a.iter()
                .any(|d| d.owner == e.accounts[0].id && d.doc_type == "Command")
        );
    }
}

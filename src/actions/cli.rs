//! The headless actions: `ssm-cockpit run` (Run Command) and `ssm-cockpit automation`
//! (a runbook). Same executor as the cockpit — calendar gate, confirmation, audit log —
//! with progress on stderr and per-node results on stdout.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::mpsc;

use crate::aws::{AwsOptions, Connector, WriteAccess, discover};
use crate::config::{AccountsConfig, Config};
use crate::model::{CommandInvocation, InvocationTally, Scope, check_parameters, parameter_rules};

use super::audit::{AuditLog, default_path};
use super::executor::{ActionEvent, Executor};
use super::gate::Gate;
use super::request::{
    ActionRequest, AutomationSpec, CommandTarget, Confirmation, RunCommandSpec, ScopedTarget,
};

/// `ssm-cockpit run`: send a Run Command document and follow it to the end.
#[derive(clap::Args, Debug, Clone)]
pub struct RunArgs {
    /// The document, e.g. AWS-RunShellScript.
    #[arg(long)]
    pub document: String,
    /// Document version (a number, $LATEST or $DEFAULT).
    #[arg(long)]
    pub document_version: Option<String>,
    /// Targets: tag:KEY=VALUE, resource-group:NAME, or node ids (i-…, mi-…, comma-separated).
    /// Repeat for several.
    #[arg(long = "target", required = true)]
    pub targets: Vec<String>,
    /// A parameter NAME=VALUE; repeat a name for several values (e.g. several commands).
    #[arg(long = "param")]
    pub params: Vec<String>,
    /// Nodes at a time: a number or a percentage.
    #[arg(long, default_value = "50")]
    pub max_concurrency: String,
    /// Errors allowed before the command stops: a number or a percentage.
    #[arg(long, default_value = "0")]
    pub max_errors: String,
    /// Seconds the command may wait for delivery.
    #[arg(long = "timeout", default_value_t = 600)]
    pub timeout_seconds: i32,
    #[arg(long, default_value = "")]
    pub comment: String,
    /// Only these accounts (ids or names); default: every account watched.
    #[arg(long = "account")]
    pub accounts: Vec<String>,
    #[command(flatten)]
    pub common: ActionArgs,
}

/// `ssm-cockpit automation`: start a runbook and follow it to the end.
#[derive(clap::Args, Debug, Clone)]
pub struct AutomationArgs {
    /// The runbook, e.g. AWS-RestartEC2Instance.
    #[arg(long)]
    pub document: String,
    /// A parameter NAME=VALUE; repeat a name for several values.
    #[arg(long = "param")]
    pub params: Vec<String>,
    /// The account to run in (id or name); default: the caller's own.
    #[arg(long)]
    pub account: Option<String>,
    #[command(flatten)]
    pub common: ActionArgs,
}

/// What every headless action takes.
#[derive(clap::Args, Debug, Clone)]
pub struct ActionArgs {
    /// Do not ask: the confirmation is printed, and the action runs.
    #[arg(long)]
    pub yes: bool,
    /// The override word, to act while a change calendar is CLOSED (it is audited).
    #[arg(long = "override")]
    pub override_word: Option<String>,
    /// Milliseconds between progress reads (100 to 60000).
    #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u64).range(100..=60_000))]
    pub poll_ms: u64,
}

/// Exit statuses of the headless actions.
pub mod exit {
    /// Everything ran and succeeded.
    pub const OK: u8 = 0;
    /// Refused, not confirmed, or a call failed.
    pub const FAILED: u8 = 1;
    /// Sent, but some nodes (or steps) failed.
    pub const PARTIAL: u8 = 2;
}

/// `[audit] path`, else the default.
pub fn audit_path(config: &Config) -> Result<PathBuf, String> {
    config
        .audit
        .path
        .clone()
        .or_else(default_path)
        .ok_or_else(|| "no home directory for the audit log: set [audit] path".to_string())
}

/// `NAME=VALUE` pairs, values of a repeated name gathered in order.
pub fn parse_params(params: &[String]) -> Result<Vec<(String, Vec<String>)>, String> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for p in params {
        let (name, value) = p
            .split_once('=')
            .ok_or_else(|| format!("--param {p:?}: write NAME=VALUE"))?;
        if name.is_empty() {
            return Err(format!("--param {p:?}: the name is empty"));
        }
        match out.iter_mut().find(|(n, _)| n == name) {
            Some((_, v)) => v.push(value.to_string()),
            None => out.push((name.to_string(), vec![value.to_string()])),
        }
    }
    Ok(out)
}

/// What a headless action needs besides its own arguments.
pub struct Context<'a> {
    pub aws: &'a AwsOptions,
    pub accounts: &'a AccountsConfig,
    pub config: &'a Config,
    pub access: WriteAccess,
}

impl Context<'_> {
    async fn executor(&self, poll_ms: u64) -> Result<(Executor, Connector), String> {
        let path = audit_path(self.config)?;
        let audit = AuditLog::open(&path).map_err(|e| e.to_string())?;
        let conn = Connector::connect(self.aws)
            .await
            .map_err(|e| e.to_string())?;
        let exec = Executor::new(
            conn.clone(),
            self.access.clone(),
            self.accounts.role_name.clone(),
            Gate::new(self.config.actions.clone()),
            audit,
        )
        .with_poll_interval(Duration::from_millis(poll_ms));
        Ok((exec, conn))
    }
}

fn matches_account(scope: &Scope, wanted: &[String]) -> bool {
    wanted.is_empty()
        || wanted
            .iter()
            .any(|a| *a == scope.account.id || a.eq_ignore_ascii_case(&scope.account.name))
}

/// `ssm-cockpit run …`; returns the exit status.
pub async fn run_command(ctx: Context<'_>, args: RunArgs) -> Result<u8, String> {
    let parameters = parse_params(&args.params)?;
    let targets: Vec<CommandTarget> = args
        .targets
        .iter()
        .map(|t| CommandTarget::parse(t))
        .collect::<Result<_, _>>()?;
    let (exec, conn) = ctx.executor(args.common.poll_ms).await?;
    let discovery = discover(&conn, ctx.accounts)
        .await
        .map_err(|e| e.to_string())?;
    let scopes: Vec<Scope> = discovery
        .scopes
        .into_iter()
        .filter(|s| matches_account(s, &args.accounts))
        .collect();
    if scopes.is_empty() {
        return Err("no account and region matches --account".into());
    }
    let node_ids: Vec<&String> = targets
        .iter()
        .filter_map(|t| match t {
            CommandTarget::Nodes(ids) => Some(ids),
            _ => None,
        })
        .flatten()
        .collect();
    let homes = if node_ids.is_empty() {
        HashMap::new()
    } else {
        find_nodes(&conn, &ctx.accounts.role_name, &scopes, &node_ids).await?
    };
    let mut scoped = Vec::new();
    for t in &targets {
        match t {
            CommandTarget::Nodes(ids) => {
                let mut by_scope: Vec<(Scope, Vec<String>)> = Vec::new();
                for id in ids {
                    let scope = homes.get(id).ok_or_else(|| {
                        format!("node {id} is not in any account and region watched")
                    })?;
                    match by_scope.iter_mut().find(|(s, _)| s == scope) {
                        Some((_, v)) => v.push(id.clone()),
                        None => by_scope.push((scope.clone(), vec![id.clone()])),
                    }
                }
                scoped.extend(
                    by_scope
                        .into_iter()
                        .map(|(s, ids)| ScopedTarget::nodes(s, ids)),
                );
            }
            other => scoped.extend(scopes.iter().map(|s| ScopedTarget {
                scope: s.clone(),
                target: other.clone(),
                expected: None,
            })),
        }
    }
    let spec = RunCommandSpec {
        document: args.document.clone(),
        document_version: args.document_version.clone(),
        parameters,
        secret_parameters: Vec::new(),
        targets: scoped,
        max_concurrency: args.max_concurrency.clone(),
        max_errors: args.max_errors.clone(),
        timeout_seconds: Some(args.timeout_seconds),
        comment: args.comment.clone(),
        document_refs: Vec::new(),
    };
    let request = ActionRequest::RunCommand(spec);
    request.validate()?;
    if let ActionRequest::RunCommand(spec) = &request
        && let Some(first) = spec.targets.first()
    {
        let read = conn
            .ssm_read(
                &first.scope.account.id,
                &first.scope.region,
                &ctx.accounts.role_name,
            )
            .await;
        check_document_parameters(
            &read,
            &spec.document,
            spec.document_version.as_deref(),
            &spec.parameters,
        )
        .await?;
    }
    execute(&exec, request, &args.common).await
}

/// Checks typed parameters against what the document allows (its content, as AWS
/// converts it to JSON), before anything is confirmed or sent.
async fn check_document_parameters(
    read: &crate::aws::SsmRead,
    document: &str,
    version: Option<&str>,
    parameters: &[(String, Vec<String>)],
) -> Result<(), String> {
    let content = read
        .get_document(document, version, Some("JSON"))
        .await
        .map_err(|e| e.to_string())?;
    let rules = parameter_rules(&content.content)?;
    check_parameters(&rules, parameters)
}

/// `ssm-cockpit automation …`; returns the exit status.
pub async fn start_automation(ctx: Context<'_>, args: AutomationArgs) -> Result<u8, String> {
    let parameters = parse_params(&args.params)?;
    let (exec, conn) = ctx.executor(args.common.poll_ms).await?;
    let discovery = discover(&conn, ctx.accounts)
        .await
        .map_err(|e| e.to_string())?;
    let own = conn.caller().account.clone();
    let wanted: Vec<String> = vec![args.account.clone().unwrap_or(own)];
    let scope = discovery
        .scopes
        .into_iter()
        .find(|s| matches_account(s, &wanted))
        .ok_or_else(|| format!("account {} is not watched", wanted[0]))?;
    let read = conn
        .ssm_read(&scope.account.id, &scope.region, &ctx.accounts.role_name)
        .await;
    check_document_parameters(&read, &args.document, None, &parameters).await?;
    let spec = AutomationSpec {
        parameters,
        ..AutomationSpec::new(scope, args.document.clone())
    };
    execute(&exec, ActionRequest::StartAutomation(spec), &args.common).await
}

/// Which scope each node is in (DescribeInstanceInformation of every scope).
async fn find_nodes(
    conn: &Connector,
    role_name: &str,
    scopes: &[Scope],
    ids: &[&String],
) -> Result<HashMap<String, Scope>, String> {
    let mut homes = HashMap::new();
    for (i, scope) in scopes.iter().enumerate() {
        let read = conn
            .ssm_read(&scope.account.id, &scope.region, role_name)
            .await;
        let mut token = None;
        loop {
            let page = read
                .nodes_page(i as u32, token)
                .await
                .map_err(|e| format!("{}: {e}", scope.label()))?;
            for n in page.nodes {
                if ids.iter().any(|id| **id == n.instance_id) {
                    homes.insert(n.instance_id.clone(), scope.clone());
                }
            }
            match page.next_token {
                Some(t) => token = Some(t),
                None => break,
            }
        }
        if homes.len() == ids.len() {
            break;
        }
    }
    Ok(homes)
}

/// Prints the confirmation lines.
pub fn confirmation_lines(c: &Confirmation) -> Vec<String> {
    let mut lines = vec![format!("{}: {}", c.title, c.what)];
    for (n, v) in &c.parameters {
        let mut vals = v.lines();
        lines.push(format!("  {n} = {}", vals.next().unwrap_or("")));
        for more in vals {
            lines.push(format!(
                "  {:width$}   {more}",
                "",
                width = n.chars().count()
            ));
        }
    }
    for s in &c.scopes {
        let count = s.count.map_or_else(|| "?".to_string(), |n| n.to_string());
        lines.push(format!(
            "  {} {} · {count} · {}",
            s.scope.account.id, s.scope.region, s.how
        ));
    }
    if let Some(r) = &c.rate {
        lines.push(format!("  {r}"));
    }
    lines
}

async fn execute(
    exec: &Executor,
    request: ActionRequest,
    common: &ActionArgs,
) -> Result<u8, String> {
    let confirmation = request.confirmation();
    let mut err = std::io::stderr().lock();
    for line in confirmation_lines(&confirmation) {
        let _ = writeln!(err, "{line}");
    }
    if !common.yes {
        if !std::io::stdin().is_terminal() {
            return Err("not confirmed: add --yes to run without a terminal".into());
        }
        let expected = match confirmation.typed_count {
            Some(n) => {
                let _ = write!(
                    err,
                    "This is destructive. Type the {} ({n}) to go on: ",
                    confirmation.typed_what
                );
                n.to_string()
            }
            None => {
                let _ = write!(err, "Type yes to go on: ");
                "yes".to_string()
            }
        };
        let _ = err.flush();
        let mut answer = String::new();
        let _ = std::io::stdin().lock().read_line(&mut answer);
        if answer.trim() != expected {
            let _ = writeln!(err, "not confirmed; nothing was sent");
            return Ok(exit::FAILED);
        }
    }
    drop(err);
    let (tx, mut rx) = mpsc::channel(256);
    let printer = tokio::spawn(async move {
        let mut p = Printer::default();
        while let Some(e) = rx.recv().await {
            p.event(e);
        }
        p
    });
    let ok = exec
        .run(1, &request, common.override_word.as_deref(), &tx)
        .await;
    drop(tx);
    let printer = printer
        .await
        .map_err(|e| format!("progress printer: {e}"))?;
    Ok(printer.status(ok))
}

/// Turns events into lines: progress on stderr (only when it changed), results on stdout.
#[derive(Default)]
struct Printer {
    /// Last progress line per command.
    last: HashMap<String, String>,
    /// Final invocations per (scope label, command).
    invocations: BTreeMap<(String, String), (Scope, Vec<CommandInvocation>)>,
    refused: bool,
    failed: bool,
    finished_ok: bool,
}

impl Printer {
    fn event(&mut self, e: ActionEvent) {
        let mut err = std::io::stderr().lock();
        match e {
            ActionEvent::Refused {
                reason,
                can_override,
                wrong_word,
                ..
            } => {
                self.refused = true;
                let _ = writeln!(err, "refused: {reason}");
                if wrong_word {
                    let _ = writeln!(err, "the word given is not the override word");
                } else if can_override {
                    let _ = writeln!(
                        err,
                        "nothing was sent; --override WORD acts anyway (it is audited)"
                    );
                }
            }
            ActionEvent::Sent {
                scope,
                action,
                id,
                overridden,
                ..
            } => {
                let _ = writeln!(
                    err,
                    "{action} {id} in {}{}",
                    scope.label(),
                    if overridden {
                        " (change calendar overridden)"
                    } else {
                        ""
                    }
                );
            }
            ActionEvent::Failed { scope, error, .. } => {
                self.failed = true;
                match scope {
                    Some(s) => {
                        let _ = writeln!(err, "failed in {}: {error}", s.label());
                    }
                    None => {
                        let _ = writeln!(err, "failed: {error}");
                    }
                }
            }
            ActionEvent::Invocations {
                scope,
                command_id,
                invocations,
                ..
            } => {
                let tally = InvocationTally::of(&invocations);
                let line = format!(
                    "{} {} {command_id}: {}",
                    scope.account.id,
                    scope.region,
                    tally.label()
                );
                if self.last.get(&command_id) != Some(&line) {
                    let _ = writeln!(err, "{line}");
                    self.last.insert(command_id.clone(), line);
                }
                self.invocations
                    .insert((scope.label(), command_id), (scope, invocations));
            }
            ActionEvent::Automation { execution, .. } => {
                let (done, all) = execution.steps_done();
                let line = format!(
                    "{} {}: {} ({done}/{all} steps){}",
                    execution.document_name,
                    execution.execution_id,
                    execution.status,
                    if execution.current_step.is_empty() {
                        String::new()
                    } else {
                        format!(" · {}", execution.current_step)
                    }
                );
                if self.last.get(&execution.execution_id) != Some(&line) {
                    let _ = writeln!(err, "{line}");
                    self.last.insert(execution.execution_id.clone(), line);
                }
            }
            ActionEvent::WatchError { scope, error, .. } => {
                let _ = writeln!(err, "reading progress in {}: {error}", scope.label());
            }
            // The CLI never asks for a node's full output.
            ActionEvent::Output { .. } => {}
            ActionEvent::Finished { ok, summary, .. } => {
                self.finished_ok = ok;
                let _ = writeln!(err, "{}: {summary}", if ok { "done" } else { "ended" });
                drop(err);
                self.print_results();
            }
        }
    }

    /// One line per node on stdout: account, region, node, status, exit code, output.
    fn print_results(&self) {
        let mut out = std::io::stdout().lock();
        for (scope, invocations) in self.invocations.values() {
            for i in invocations {
                let output = i.output.trim_end().replace('\n', "\\n");
                let _ = writeln!(
                    out,
                    "{}\t{}\t{}\t{}\t{}\t{output}",
                    scope.account.id,
                    scope.region,
                    i.instance_id,
                    i.status.label(),
                    i.response_code
                        .map_or_else(|| "-".to_string(), |c| c.to_string()),
                );
            }
        }
        let _ = out.flush();
    }

    fn status(&self, ok: bool) -> u8 {
        if self.refused || (self.failed && self.invocations.is_empty()) {
            exit::FAILED
        } else if ok && self.finished_ok {
            exit::OK
        } else if self.failed && !self.invocations.is_empty() {
            exit::PARTIAL
        } else if self.invocations.is_empty() {
            exit::FAILED
        } else {
            exit::PARTIAL
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_gather_repeated_names() {
        let p = parse_params(&[
            "commands=uptime".into(),
            "commands=df -h".into(),
            "workingDirectory=/tmp".into(),
            "x=a=b".into(),
        ])
        .unwrap();
        assert_eq!(p[0].1, vec!["uptime".to_string(), "df -h".to_string()]);
        assert_eq!(p[2].1, vec!["a=b".to_string()]);
        assert!(parse_params(&["novalue".into()]).is_err());
        assert!(parse_params(&["=x".into()]).is_err());
    }
}

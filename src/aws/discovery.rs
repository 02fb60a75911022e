use crate::config::AccountsConfig;
use crate::model::{Account, Scope};

use super::connect::Connector;
use super::error::{AwsError, ErrorKind};

/// The scopes to watch and how they were found.
#[derive(Debug, Clone)]
pub struct Discovery {
    pub scopes: Vec<Scope>,
    /// For the status bar, e.g. "organization o-abc: 12 active accounts".
    pub note: String,
}

/// Decides which accounts to watch: the config's list; else every ACTIVE account of the
/// organization (when the caller may list them); else the caller's own account.
pub async fn discover(conn: &Connector, cfg: &AccountsConfig) -> Result<Discovery, AwsError> {
    let (accounts, note) = if !cfg.list.is_empty() {
        let accounts = cfg
            .list
            .iter()
            .map(|a| Account {
                id: a.id.clone(),
                name: a.name.clone().unwrap_or_else(|| a.id.clone()),
            })
            .collect::<Vec<_>>();
        let note = format!("{} accounts from the config file", accounts.len());
        (accounts, note)
    } else if cfg.discover {
        match list_active_accounts(conn).await {
            Ok(accounts) if !accounts.is_empty() => {
                let note = format!("organization: {} active accounts", accounts.len());
                (accounts, note)
            }
            Ok(_) => own_account(conn, "the organization lists no active account"),
            Err(e) if e.kind == ErrorKind::AccessDenied => own_account(
                conn,
                &format!("cannot list the organization's accounts ({})", e.message),
            ),
            Err(e) => return Err(e),
        }
    } else {
        own_account(conn, "account discovery is off in the config")
    };
    let mut scopes = Vec::with_capacity(accounts.len() * conn.regions().len());
    for account in accounts {
        for region in conn.regions() {
            scopes.push(Scope {
                account: account.clone(),
                region: region.clone(),
            });
        }
    }
    Ok(Discovery { scopes, note })
}

fn own_account(conn: &Connector, why: &str) -> (Vec<Account>, String) {
    let id = conn.caller().account.clone();
    let note = format!("{why}: watching the caller's account {id} only");
    (
        vec![Account {
            name: id.clone(),
            id,
        }],
        note,
    )
}

/// Every ACTIVE account, the caller's first, then by name.
async fn list_active_accounts(conn: &Connector) -> Result<Vec<Account>, AwsError> {
    let org = conn.organizations();
    let mut accounts = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = org
            .list_accounts()
            .max_results(20)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("organizations:ListAccounts", e))?;
        for a in page.accounts() {
            let active = match (a.state(), a.status()) {
                (Some(state), _) => state.as_str() == "ACTIVE",
                (None, Some(status)) => status.as_str() == "ACTIVE",
                (None, None) => true,
            };
            if let (true, Some(id)) = (active, a.id()) {
                accounts.push(Account {
                    id: id.to_string(),
                    name: a.name().unwrap_or(id).to_string(),
                });
            }
        }
        match page.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => break,
        }
    }
    let caller = conn.caller().account.clone();
    accounts.sort_by(|a, b| (a.id != caller, &a.name).cmp(&(b.id != caller, &b.name)));
    Ok(accounts)
}

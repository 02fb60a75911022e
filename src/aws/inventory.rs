use std::collections::HashMap;

use aws_sdk_ssm::types::{InventoryFilter, InventoryQueryOperatorType, ResultAttribute};

use crate::model::{ApplicationHit, InventoryRows, ScopeId};

use super::convert::{next_token, sorted_pairs, text};
use super::error::{AwsError, ErrorKind};
use super::nodes::{INVENTORY_PAGE_SIZE, Page, SsmRead};

fn build_error(what: &str, e: impl std::fmt::Display) -> AwsError {
    AwsError::new(ErrorKind::Validation, format!("{what}: {e}"))
}

type Entities = Vec<(
    String,
    HashMap<String, aws_sdk_ssm::types::InventoryResultItem>,
)>;

fn rows_of(scope: ScopeId, entities: Entities, only: Option<&str>) -> Vec<InventoryRows> {
    let mut out = Vec::new();
    for (id, data) in entities {
        let mut types: Vec<_> = data
            .into_iter()
            .filter(|(t, _)| only.is_none_or(|o| o == t))
            .collect();
        types.sort_by(|a, b| a.0.cmp(&b.0));
        for (type_name, item) in types {
            out.push(InventoryRows {
                scope,
                instance_id: id.clone(),
                type_name,
                capture_time: text(item.capture_time()),
                schema_version: item.schema_version().to_string(),
                entries: item.content().iter().map(sorted_pairs).collect(),
            });
        }
    }
    out
}

impl SsmRead {
    /// GetInventory with optional result type and filters: raw entities and the next token.
    async fn inventory_entities(
        &self,
        type_name: Option<&str>,
        filters: Vec<InventoryFilter>,
        token: Option<String>,
    ) -> Result<(Entities, Option<String>), AwsError> {
        let mut req = self
            .client
            .get_inventory()
            .max_results(INVENTORY_PAGE_SIZE)
            .set_next_token(token)
            .set_filters((!filters.is_empty()).then_some(filters));
        if let Some(t) = type_name {
            req = req.result_attributes(
                ResultAttribute::builder()
                    .type_name(t)
                    .build()
                    .map_err(|e| build_error("ssm:GetInventory", e))?,
            );
        }
        let out = req
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ssm:GetInventory", e))?;
        let entities = out
            .entities()
            .iter()
            .filter_map(|e| Some((e.id()?.to_string(), e.data()?.clone())))
            .collect();
        Ok((entities, next_token(out.next_token())))
    }

    /// One page of GetInventory for one type: that type's rows of every node.
    pub async fn inventory_page(
        &self,
        scope: ScopeId,
        type_name: &str,
        token: Option<String>,
    ) -> Result<Page<InventoryRows>, AwsError> {
        let (entities, next) = self
            .inventory_entities(Some(type_name), Vec::new(), token)
            .await?;
        Ok(Page {
            items: rows_of(scope, entities, Some(type_name)),
            next,
        })
    }

    /// Every inventory type of one node (GetInventory filtered on its instance id).
    pub async fn node_inventory_page(
        &self,
        scope: ScopeId,
        instance_id: &str,
        token: Option<String>,
    ) -> Result<Page<InventoryRows>, AwsError> {
        let f = InventoryFilter::builder()
            .key("AWS:InstanceInformation.InstanceId")
            .values(instance_id)
            .r#type(InventoryQueryOperatorType::Equal)
            .build()
            .map_err(|e| build_error("ssm:GetInventory", e))?;
        let (entities, next) = self.inventory_entities(None, vec![f], token).await?;
        Ok(Page {
            items: rows_of(scope, entities, None),
            next,
        })
    }

    /// One page of ListInventoryEntries: one type on one node.
    pub async fn inventory_entries_page(
        &self,
        scope: ScopeId,
        instance_id: &str,
        type_name: &str,
        token: Option<String>,
    ) -> Result<(InventoryRows, Option<String>), AwsError> {
        let out = self
            .client
            .list_inventory_entries()
            .instance_id(instance_id)
            .type_name(type_name)
            .max_results(INVENTORY_PAGE_SIZE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ssm:ListInventoryEntries", e))?;
        Ok((
            InventoryRows {
                scope,
                instance_id: text(out.instance_id()),
                type_name: text(out.type_name()),
                capture_time: text(out.capture_time()),
                schema_version: text(out.schema_version()),
                entries: out.entries().iter().map(sorted_pairs).collect(),
            },
            next_token(out.next_token()),
        ))
    }

    /// One page of nodes running an application whose name begins with `name`
    /// (GetInventory filtered on `AWS:Application.Name`).
    pub async fn applications_page(
        &self,
        scope: ScopeId,
        name: &str,
        token: Option<String>,
    ) -> Result<Page<ApplicationHit>, AwsError> {
        let f = InventoryFilter::builder()
            .key("AWS:Application.Name")
            .values(name)
            .r#type(InventoryQueryOperatorType::BeginWith)
            .build()
            .map_err(|e| build_error("ssm:GetInventory", e))?;
        let (entities, next) = self
            .inventory_entities(Some("AWS:Application"), vec![f], token)
            .await?;
        let mut hits = Vec::new();
        for rows in rows_of(scope, entities, Some("AWS:Application")) {
            for e in &rows.entries {
                let get = |k: &str| {
                    e.iter()
                        .find(|(a, _)| a == k)
                        .map(|(_, v)| v.clone())
                        .unwrap_or_default()
                };
                let app = get("Name");
                if !app.starts_with(name) {
                    continue;
                }
                hits.push(ApplicationHit {
                    scope,
                    instance_id: rows.instance_id.clone(),
                    name: app,
                    version: get("Version"),
                    publisher: get("Publisher"),
                });
            }
        }
        Ok(Page { items: hits, next })
    }
}

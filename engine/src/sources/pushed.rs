//! Records pushed through the API: what a Custom Identity Source's bulk
//! import session staged, read in the order it was uploaded. An upserted
//! user is a record with its profile; a deleted one is its account as the
//! app has it, disabled (an account the app does not have is skipped).
//! Groups are the app's groups with the session's changes made to them.

use super::{BoxFuture, GroupRecord, Item, Member, Record, Source};
use crate::error::{Error, Result};
use crate::store::Store;
use std::collections::{BTreeMap, BTreeSet};

/// Records read per batch: as many as a CSV file's, each batch one
/// transaction.
const BATCH: i64 = super::csv::BATCH_ROWS as i64;

/// The session a run reads.
#[derive(Debug, Clone)]
pub struct Staged {
    pub store: Store,
    pub app_id: String,
    pub session_id: String,
    /// Users staged.
    pub users: i64,
}

pub struct PushedSource {
    staged: Staged,
    total: Option<i64>,
    after: i64,
    done: bool,
}

impl PushedSource {
    pub fn new(staged: Staged) -> PushedSource {
        PushedSource {
            total: Some(staged.users),
            staged,
            after: 0,
            done: false,
        }
    }

    async fn next(&mut self) -> Result<Option<Vec<Item>>> {
        while !self.done {
            let s = &self.staged;
            let (rows, last) = s
                .store
                .staged_users(&s.session_id, &s.app_id, self.after, BATCH)
                .await?;
            match last {
                Some(last) => self.after = last,
                None => self.done = true,
            }
            let items: Vec<Item> = rows
                .into_iter()
                .map(|(seq, external_id, attributes, deleted)| {
                    Ok(Item::Record(Record {
                        line: Some(seq),
                        external_id,
                        attributes: attributes_of(&attributes)?,
                        active: !deleted,
                    }))
                })
                .collect::<Result<_>>()?;
            if !items.is_empty() {
                return Ok(Some(items));
            }
        }
        Ok(None)
    }

    async fn read_groups(&mut self) -> Result<Option<Vec<GroupRecord>>> {
        let s = &self.staged;
        let staged = s.store.staged_groups(&s.session_id).await?;
        let memberships = s.store.staged_memberships(&s.session_id).await?;
        if staged.is_empty() && memberships.is_empty() {
            return Ok(None);
        }
        // The app's groups as the store has them, members by account id,
        // with the session's changes made to them.
        let mut conn = s.store.pool().acquire().await?;
        let mut groups = crate::store::groups::app_groups(&mut conn, &s.app_id).await?;
        for (external_id, profile) in staged {
            match profile {
                None => {
                    groups.remove(&external_id);
                }
                Some((name, description)) => {
                    let group = groups.entry(external_id).or_insert_with(|| {
                        crate::store::groups::StoredGroup {
                            id: String::new(),
                            name: String::new(),
                            description: String::new(),
                            dn: String::new(),
                            members: BTreeSet::new(),
                        }
                    });
                    group.name = name;
                    group.description = description;
                }
            }
        }
        for (group, member, deleted) in memberships {
            if let Some(g) = groups.get_mut(&group) {
                match deleted {
                    true => g.members.remove(&member),
                    false => g.members.insert(member),
                };
            }
        }
        let records: BTreeMap<String, GroupRecord> = groups
            .into_iter()
            .map(|(external_id, g)| {
                let record = GroupRecord {
                    external_id: external_id.clone(),
                    name: g.name,
                    description: g.description,
                    dn: g.dn,
                    members: g.members.into_iter().map(Member::Account).collect(),
                };
                (external_id, record)
            })
            .collect();
        Ok(Some(records.into_values().collect()))
    }
}

/// A staged profile (a JSON object of strings) as a record's attributes.
fn attributes_of(json: &str) -> Result<Vec<(String, String)>> {
    let map: serde_json::Map<String, serde_json::Value> = serde_json::from_str(json)
        .map_err(|e| Error::Internal(format!("a staged profile is not JSON: {e}")))?;
    Ok(map
        .into_iter()
        .filter_map(|(k, v)| match v {
            serde_json::Value::String(s) => Some((k, s)),
            serde_json::Value::Null => None,
            other => Some((k, other.to_string())),
        })
        .collect())
}

impl Source for PushedSource {
    fn total(&self) -> Option<i64> {
        self.total
    }
    fn next_batch(&mut self) -> BoxFuture<'_, Result<Option<Vec<Item>>>> {
        Box::pin(self.next())
    }
    fn groups(&mut self) -> BoxFuture<'_, Result<Option<Vec<GroupRecord>>>> {
        Box::pin(self.read_groups())
    }
}

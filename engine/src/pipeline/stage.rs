//! Stage: each record read is checked against what the app user looked like
//! after the last import (its content hash), mapped to a profile and
//! validated. Unchanged rows of an incremental import stop here; the rest go
//! on to be decided, together with the app-user rows to write.

use crate::model::{RowError, RunCounts, UserProfile, EXTERNAL_ID_MAX};
use crate::settings::ProfileMapper;
use crate::sources::{Item, Record};
use crate::store::{AppUserState, StagedRow};
use std::collections::HashMap;

/// A stable 64-bit hash of a record's attributes (FNV-1a), so a changed row
/// is told from an unchanged one without keeping the old values around.
pub fn content_hash(attributes: &[(String, String)], active: bool) -> i64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0100_0000_01b3;
    let mut h = OFFSET;
    let mut feed = |bytes: &[u8]| {
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(PRIME);
        }
    };
    for (k, v) in attributes {
        feed(k.as_bytes());
        feed(&[0x1f]);
        feed(v.as_bytes());
        feed(&[0x1e]);
    }
    feed(&[u8::from(active)]);
    h as i64
}

/// A record of an app user linked to a Muster user.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkedRecord {
    pub line: Option<i64>,
    pub external_id: String,
    pub profile: UserProfile,
    pub active: bool,
    /// Its content changed since the last import.
    pub changed: bool,
    /// The source had it active at the last import.
    pub was_active: bool,
}

/// What staging made of one batch.
#[derive(Debug, Default)]
pub struct StagedBatch {
    /// App-user rows whose content is new or changed.
    pub rows: Vec<StagedRow>,
    /// Rows that cannot be used.
    pub errors: Vec<RowError>,
    /// Accounts not linked to a Muster user yet: to match and queue.
    pub unlinked: Vec<(String, UserProfile)>,
    /// Accounts linked to a Muster user that may change it.
    pub linked: Vec<LinkedRecord>,
}

/// The run's memory of what it has staged: the app's users as the last
/// import left them, and the logins and accounts seen so far.
pub struct Stager {
    known: HashMap<String, AppUserState>,
    /// Logins seen in this run, with the line they were first seen on.
    seen: HashMap<String, Option<i64>>,
    /// Account ids seen in this run, when the username format or mappings
    /// make logins differ from them.
    seen_accounts: HashMap<String, Option<i64>>,
    full: bool,
    mapper: ProfileMapper,
    pub counts: RunCounts,
}

impl Stager {
    pub fn new(known: HashMap<String, AppUserState>, full: bool, mapper: ProfileMapper) -> Stager {
        Stager {
            known,
            seen: HashMap::new(),
            seen_accounts: HashMap::new(),
            full,
            mapper,
            counts: RunCounts::default(),
        }
    }

    /// Adds what the store knows of accounts about to be staged (an
    /// incremental import learns it batch by batch).
    pub fn know(&mut self, states: HashMap<String, AppUserState>) {
        for (external_id, state) in states {
            self.known.entry(external_id).or_insert(state);
        }
    }

    /// Stages one batch of the source.
    pub fn stage(&mut self, items: Vec<Item>) -> StagedBatch {
        let mut out = StagedBatch::default();
        for item in items {
            self.counts.scanned += 1;
            match item {
                Item::Rejected(e) => {
                    self.counts.errors += 1;
                    out.errors.push(e);
                }
                Item::RejectedAccount { external_id, error } => {
                    // The source still has the account: not gone.
                    self.mark_seen(&external_id);
                    self.counts.errors += 1;
                    out.errors.push(error);
                }
                Item::Record(r) => self.stage_record(r, &mut out),
            }
        }
        out
    }

    /// App users linked, active and not ignored that no record of this run
    /// named: a full import's accounts gone from the source.
    pub fn unseen_linked(&self) -> Vec<&str> {
        self.known
            .iter()
            .filter(|(_, s)| !s.seen && s.linked && s.active && !s.ignored)
            .map(|(ext, _)| ext.as_str())
            .collect()
    }

    fn mark_seen(&mut self, external_id: &str) {
        if let Some(p) = self.known.get_mut(external_id) {
            p.seen = true;
        }
    }

    fn reject(
        &mut self,
        out: &mut StagedBatch,
        line: Option<i64>,
        field: &str,
        value: &str,
        message: String,
    ) {
        self.counts.errors += 1;
        out.errors.push(RowError {
            line,
            field: Some(field.into()),
            value: Some(value.into()),
            message,
        });
    }

    fn stage_record(&mut self, r: Record, out: &mut StagedBatch) {
        // The source still has this account even when its row is rejected
        // below: a full import must not remove its user as gone.
        self.mark_seen(&r.external_id);
        let hash = content_hash(&r.attributes, r.active);
        let previous = self.known.get(&r.external_id).copied();
        // An incremental import has nothing to do for a row that did not
        // change, unless it tells of a linked user leaving or coming back.
        if let Some(p) = previous {
            let lifecycle = p.linked && !p.ignored && (!r.active || !p.active);
            if !self.full && p.content_hash == hash && !lifecycle {
                self.counts.unchanged += 1;
                return;
            }
        }
        let mapped = match self.mapper.map(&r.attributes) {
            Ok(m) => m,
            Err(e) => {
                let message = format!("{}: the mapping failed: {}", e.attribute, e.message);
                return self.reject(out, r.line, &e.attribute, "", message);
            }
        };
        let profile = match UserProfile::from_attributes(&mapped) {
            Ok(p) => p,
            Err(field_errors) => {
                self.counts.errors += 1;
                out.errors
                    .extend(field_errors.into_iter().map(|fe| RowError {
                        line: r.line,
                        message: format!(
                            "{}: \"{}\" {}",
                            fe.field,
                            fe.value,
                            strip_field(&fe.message, &fe.field)
                        ),
                        field: Some(fe.field),
                        value: Some(fe.value),
                    }));
                return;
            }
        };
        if r.external_id.chars().count() > EXTERNAL_ID_MAX {
            let message = format!("externalId is longer than {EXTERNAL_ID_MAX} characters");
            return self.reject(out, r.line, "externalId", &r.external_id.clone(), message);
        }
        let login_key = profile.login.key();
        if let Some(first) = self.seen.get(&login_key) {
            let first = first
                .map(|l| format!(" (first on line {l})"))
                .unwrap_or_default();
            let login = profile.login.as_str();
            let message = format!("login: \"{login}\" appears more than once in the import{first}");
            return self.reject(out, r.line, "login", login, message);
        }
        self.seen.insert(login_key, r.line);
        if !self.mapper.is_identity() {
            if let Some(first) = self.seen_accounts.get(&r.external_id) {
                let first = first
                    .map(|l| format!(" (first on line {l})"))
                    .unwrap_or_default();
                let message = format!(
                    "the account \"{}\" appears more than once in the import{first}",
                    r.external_id
                );
                return self.reject(out, r.line, "login", &r.external_id.clone(), message);
            }
            self.seen_accounts.insert(r.external_id.clone(), r.line);
        }

        let changed = previous.is_none_or(|p| p.content_hash != hash);
        match previous {
            None => self.counts.new += 1,
            Some(_) if changed => self.counts.updated += 1,
            Some(_) => self.counts.unchanged += 1,
        }
        if changed {
            out.rows.push(StagedRow {
                external_id: r.external_id.clone(),
                // As a JSON object (keys in order, the last of a repeated
                // key kept), borrowed rather than copied into a map.
                attributes: crate::model::json_text(
                    &r.attributes
                        .iter()
                        .map(|(k, v)| (k.as_str(), v.as_str()))
                        .collect::<std::collections::BTreeMap<_, _>>(),
                ),
                content_hash: hash,
                active: r.active,
            });
        }
        match previous {
            Some(p) if p.ignored => {}
            Some(p) if p.linked => {
                // A full import checks every sourced profile, so changed
                // mappings reach users whose rows did not change.
                if changed || self.full || !r.active || !p.active {
                    out.linked.push(LinkedRecord {
                        line: r.line,
                        external_id: r.external_id,
                        profile,
                        active: r.active,
                        changed,
                        was_active: p.active,
                    });
                }
            }
            // A full import restores the queue of users still unconfirmed.
            _ if (changed || self.full) && r.active => out.unlinked.push((r.external_id, profile)),
            _ => {}
        }
    }
}

/// `"email is required"` reads better after the field and value as `is required`.
fn strip_field<'a>(message: &'a str, field: &str) -> &'a str {
    message
        .strip_prefix(field)
        .map(str::trim_start)
        .unwrap_or(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_changes_with_any_value() {
        let a = vec![
            ("login".to_string(), "a".to_string()),
            ("x".to_string(), "1".to_string()),
        ];
        let mut b = a.clone();
        b[1].1 = "2".into();
        assert_ne!(content_hash(&a, true), content_hash(&b, true));
        assert_ne!(content_hash(&a, true), content_hash(&a, false));
        assert_eq!(content_hash(&a, true), content_hash(&a.clone(), true));
    }
}

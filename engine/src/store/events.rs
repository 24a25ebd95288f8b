//! The System Log's events.

use super::{Store, ROWS_PER_STATEMENT};
use crate::error::Result;
use crate::model::json_text;
use crate::syslog::{matches_keywords, EventPage, EventQuery, NewEvent, StoredEvent};
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};

/// Rows read per round while a filter is applied.
const SCAN_CHUNK: i64 = 500;

/// How many of the last templates an event is compared with: the events of
/// one write come in a few repeating shapes.
const TEMPLATES_TRIED: usize = 8;

/// True when two events share everything a template holds: all but their
/// type, their time and their first target.
fn same_shape(a: &NewEvent, b: &NewEvent) -> bool {
    a.severity == b.severity
        && a.outcome == b.outcome
        && a.display_message == b.display_message
        && a.transaction_id == b.transaction_id
        && a.actor == b.actor
        && a.targets.get(1..) == b.targets.get(1..)
        && a.reason == b.reason
        && a.client == b.client
        && a.debug_data == b.debug_data
}

/// Each event's template among `events` (by the index of the first event
/// of its shape), for the shapes that more than one event has.
fn shapes(events: &[NewEvent]) -> Vec<Option<usize>> {
    let mut firsts: Vec<(usize, usize)> = Vec::new();
    let mut of: Vec<usize> = Vec::with_capacity(events.len());
    for (i, e) in events.iter().enumerate() {
        let found = match e.targets.is_empty() {
            true => None,
            false => firsts
                .iter_mut()
                .rev()
                .take(TEMPLATES_TRIED)
                .find(|(first, _)| same_shape(&events[*first], e)),
        };
        match found {
            Some((first, count)) => {
                *count += 1;
                of.push(*first);
            }
            None => {
                firsts.push((i, 1));
                of.push(i);
            }
        }
    }
    let shared: std::collections::HashSet<usize> = firsts
        .into_iter()
        .filter(|(_, count)| *count > 1)
        .map(|(first, _)| first)
        .collect();
    of.into_iter()
        .map(|first| shared.contains(&first).then_some(first))
        .collect()
}

fn outcome_json(e: &NewEvent) -> String {
    json_text(&serde_json::json!({"result": e.outcome, "reason": e.reason}))
}

/// Writes events inside the caller's transaction, in multi-row statements.
/// Events of one shape (the per-person events of a batch) share a template
/// and each keeps only what is its own.
pub(crate) async fn insert_events(
    conn: &mut SqliteConnection,
    events: &[NewEvent],
    now: super::Timestamp,
) -> Result<()> {
    let published = super::stamp(now);
    let shapes = shapes(events);
    let mut templates: std::collections::HashMap<usize, i64> = std::collections::HashMap::new();
    for first in shapes.iter().flatten() {
        if templates.contains_key(first) {
            continue;
        }
        let e = &events[*first];
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO event_templates (severity, display_message, actor, client, outcome,
             targets, transaction_id, debug_data) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(e.severity)
        .bind(&e.display_message)
        .bind(json_text(&e.actor))
        .bind(e.client.as_ref().map(json_text))
        .bind(outcome_json(e))
        .bind(json_text(&e.targets[1..]))
        .bind(&e.transaction_id)
        .bind(e.debug_data.as_ref().map(json_text))
        .fetch_one(&mut *conn)
        .await?;
        templates.insert(*first, id);
    }
    let rows: Vec<(&NewEvent, Option<i64>)> = events
        .iter()
        .zip(&shapes)
        .map(|(e, shape)| (e, shape.and_then(|first| templates.get(&first).copied())))
        .collect();
    // Runs of events with a template and runs without, in order, each in
    // statements of its own columns.
    let mut start = 0;
    while start < rows.len() {
        let shared = rows[start].1.is_some();
        let end = rows[start..]
            .iter()
            .position(|(_, t)| t.is_some() != shared)
            .map_or(rows.len(), |n| start + n);
        for chunk in rows[start..end].chunks(ROWS_PER_STATEMENT) {
            match shared {
                true => insert_shared(conn, chunk, &published).await?,
                false => insert_whole(conn, chunk, &published).await?,
            }
        }
        start = end;
    }
    Ok(())
}

/// Events with a template: their own first target, the rest from it.
async fn insert_shared(
    conn: &mut SqliteConnection,
    rows: &[(&NewEvent, Option<i64>)],
    published: &str,
) -> Result<()> {
    let mut qb: QueryBuilder<Sqlite> =
        QueryBuilder::new("INSERT INTO events (uuid, published, event_type, template, targets) ");
    qb.push_values(rows, |mut b, (e, template)| {
        b.push_bind(crate::ids::uuid())
            .push_bind(published)
            .push_bind(e.event_type.as_str())
            .push_bind(*template)
            .push_bind(json_text(&e.targets[..1]));
    });
    qb.build().execute(&mut *conn).await?;
    Ok(())
}

/// Events written whole.
async fn insert_whole(
    conn: &mut SqliteConnection,
    rows: &[(&NewEvent, Option<i64>)],
    published: &str,
) -> Result<()> {
    let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
        "INSERT INTO events (uuid, published, event_type, severity, display_message, actor,
         client, outcome, targets, transaction_id, debug_data) ",
    );
    qb.push_values(rows, |mut b, (e, _)| {
        b.push_bind(crate::ids::uuid())
            .push_bind(published)
            .push_bind(e.event_type.as_str())
            .push_bind(e.severity)
            .push_bind(e.display_message.as_str())
            .push_bind(json_text(&e.actor))
            .push_bind(e.client.as_ref().map(json_text))
            .push_bind(outcome_json(e))
            .push_bind(json_text(&e.targets))
            .push_bind(e.transaction_id.as_deref())
            .push_bind(e.debug_data.as_ref().map(json_text));
    });
    qb.build().execute(&mut *conn).await?;
    Ok(())
}

impl Store {
    /// Writes events in their own transaction.
    pub async fn log(&self, events: &[NewEvent]) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        insert_events(&mut tx, events, crate::ids::now()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Events matching the query, in the asked order. The event-type
    /// restriction of a filter is applied by the index; the rest of the
    /// filter and the keywords are applied to each event's JSON.
    pub async fn query_events(&self, q: &EventQuery) -> Result<EventPage> {
        let types = q.filter.as_ref().and_then(|f| f.event_types());
        let budget = q.scan_budget.unwrap_or(crate::syslog::SCAN_BUDGET);
        let mut events = Vec::new();
        let mut cursor = q.after;
        let mut first = None;
        let mut scanned = 0usize;
        loop {
            if scanned >= budget {
                return Ok(EventPage {
                    events,
                    next: cursor,
                    first,
                    stopped: Some(stop(scanned, cursor, &self.pool).await?),
                    scanned,
                });
            }
            let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
                "SELECT e.seq, e.uuid, e.published, e.event_type,
                 coalesce(e.severity, t.severity) AS severity,
                 coalesce(e.display_message, t.display_message) AS display_message,
                 coalesce(e.actor, t.actor) AS actor,
                 CASE WHEN e.template IS NULL THEN e.client ELSE t.client END AS client,
                 coalesce(e.outcome, t.outcome) AS outcome,
                 e.targets, t.targets AS shared_targets,
                 CASE WHEN e.template IS NULL THEN e.transaction_id ELSE t.transaction_id END AS transaction_id,
                 CASE WHEN e.template IS NULL THEN e.debug_data ELSE t.debug_data END AS debug_data
                 FROM events e LEFT JOIN event_templates t ON t.id = e.template WHERE 1 = 1",
            );
            if let Some(since) = &q.since {
                qb.push(" AND published >= ").push_bind(since);
            }
            if let Some(until) = &q.until {
                qb.push(" AND published < ").push_bind(until);
            }
            if let Some(c) = cursor {
                qb.push(if q.descending {
                    " AND seq < "
                } else {
                    " AND seq > "
                })
                .push_bind(c);
            }
            if let Some(types) = &types {
                qb.push(" AND event_type IN (");
                let mut sep = qb.separated(", ");
                for t in types {
                    sep.push_bind(t);
                }
                sep.push_unseparated(")");
            }
            qb.push(if q.descending {
                " ORDER BY seq DESC"
            } else {
                " ORDER BY seq"
            });
            qb.push(" LIMIT ")
                .push_bind(SCAN_CHUNK.min((budget - scanned) as i64));
            let rows = qb.build().fetch_all(&self.pool).await?;
            let exhausted = (rows.len() as i64) < SCAN_CHUNK.min((budget - scanned) as i64);
            scanned += rows.len();
            for r in &rows {
                let stored = StoredEvent {
                    seq: r.get("seq"),
                    uuid: r.get("uuid"),
                    published: r.get("published"),
                    event_type: r.get("event_type"),
                    severity: r.get("severity"),
                    display_message: r.get("display_message"),
                    actor: r.get("actor"),
                    client: r.get("client"),
                    outcome: r.get("outcome"),
                    targets: r.get("targets"),
                    shared_targets: r.get("shared_targets"),
                    transaction_id: r.get("transaction_id"),
                    debug_data: r.get("debug_data"),
                };
                cursor = Some(stored.seq);
                let seq = stored.seq;
                let event = stored.to_log_event();
                if q.filter.as_ref().is_none_or(|f| f.matches(&event))
                    && matches_keywords(&event, &q.keywords)
                {
                    events.push(event);
                    first = first.or(Some(seq));
                    if events.len() >= q.limit {
                        return Ok(EventPage {
                            events,
                            next: cursor,
                            first,
                            stopped: None,
                            scanned,
                        });
                    }
                }
            }
            if exhausted {
                return Ok(EventPage {
                    events,
                    next: None,
                    first,
                    stopped: None,
                    scanned,
                });
            }
        }
    }
}

/// Where a search stopped: how many events it read, and the time of the
/// last one (the event at `cursor`).
async fn stop(
    scanned: usize,
    cursor: Option<i64>,
    pool: &sqlx::SqlitePool,
) -> Result<proto::console::LogSearchStop> {
    let published: Option<super::Timestamp> =
        sqlx::query_scalar("SELECT published FROM events WHERE seq = ?")
            .bind(cursor)
            .fetch_optional(pool)
            .await?;
    Ok(proto::console::LogSearchStop {
        scanned: scanned as i64,
        reached: published.unwrap_or_else(crate::ids::now),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syslog::{Actor, Client, EventType, Target};

    fn person_event(event_type: EventType, i: usize, app: &Target) -> NewEvent {
        NewEvent::new(event_type, "Create user", Actor::system())
            .target(Target::user(&format!("00u{i}"), &format!("p{i}"), "P"))
            .target(app.clone())
            .transaction("trx1")
    }

    /// Events of one shape share a template and the rest are written whole;
    /// read back, each is the event written, in the order written.
    #[tokio::test]
    async fn events_read_back_whole_and_in_order_whether_they_share_a_template_or_not() {
        let store = Store::open("sqlite::memory:").await.unwrap();
        let app = Target::app("0oa1", "HR");
        let mut events = Vec::new();
        for i in 0..3 {
            events.push(person_event(EventType::UserCreate, i, &app));
            events.push(person_event(EventType::MembershipAdd, i, &app));
        }
        events.push(
            NewEvent::new(EventType::ImportStart, "Import of HR started", Actor::system())
                .target(app.clone())
                .client(Some(Client {
                    ip_address: Some("127.0.0.1".into()),
                    user_agent: Some("curl".into()),
                }))
                .debug(serde_json::json!({"importType": "FULL"}))
                .failure("stopped"),
        );
        events.push(person_event(EventType::UserCreate, 3, &app));
        events.push(person_event(EventType::UserCreate, 4, &app).failure("taken"));
        let mut tx = store.pool().begin().await.unwrap();
        insert_events(&mut tx, &events, crate::ids::now())
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let templates: i64 = sqlx::query_scalar("SELECT count(*) FROM event_templates")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(templates, 1, "the six person events and the seventh share one");
        let page = store
            .query_events(&EventQuery {
                limit: 100,
                ..EventQuery::default()
            })
            .await
            .unwrap();
        assert_eq!(page.events.len(), events.len());
        for (read, written) in page.events.iter().zip(&events) {
            assert_eq!(read["eventType"], written.event_type.as_str());
            assert_eq!(read["displayMessage"], written.display_message.as_str());
            assert_eq!(read["actor"]["id"], written.actor.id.as_str());
            assert_eq!(read["outcome"]["result"], written.outcome);
            assert_eq!(
                read["outcome"]["reason"].as_str(),
                written.reason.as_deref()
            );
            assert_eq!(
                read["transaction"]["id"].as_str(),
                written.transaction_id.as_deref()
            );
            let ids: Vec<&str> = read["target"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["id"].as_str().unwrap())
                .collect();
            let written_ids: Vec<&str> = written.targets.iter().map(|t| t.id.as_str()).collect();
            assert_eq!(ids, written_ids);
        }
        let start = &page.events[6];
        assert_eq!(start["client"]["ipAddress"], "127.0.0.1");
        assert_eq!(start["debugContext"]["debugData"]["importType"], "FULL");
        let uuids: std::collections::HashSet<&str> = page
            .events
            .iter()
            .map(|e| e["uuid"].as_str().unwrap())
            .collect();
        assert_eq!(uuids.len(), events.len(), "each event has its own uuid");
    }
}

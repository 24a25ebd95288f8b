//! The System Log's events.

use super::{Store, ROWS_PER_STATEMENT};
use crate::error::Result;
use crate::syslog::{matches_keywords, EventPage, EventQuery, NewEvent, StoredEvent};
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};

/// Rows read per round while a filter is applied.
const SCAN_CHUNK: i64 = 500;

/// Writes events in multi-row statements, inside the caller's transaction.
pub(crate) async fn insert_events(
    conn: &mut SqliteConnection,
    events: &[NewEvent],
    now: super::Timestamp,
) -> Result<()> {
    for chunk in events.chunks(ROWS_PER_STATEMENT) {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO events (uuid, published, event_type, severity, display_message, actor, client, outcome,
             targets, transaction_id, debug_data) ",
        );
        qb.push_values(chunk, |mut b, e| {
            let outcome = serde_json::json!({"result": e.outcome, "reason": e.reason});
            b.push_bind(crate::ids::uuid())
                .push_bind(super::stamp(now))
                .push_bind(e.event_type.as_str())
                .push_bind(e.severity)
                .push_bind(&e.display_message)
                .push_bind(serde_json::to_string(&e.actor).unwrap_or_default())
                .push_bind(
                    e.client
                        .as_ref()
                        .and_then(|c| serde_json::to_string(c).ok()),
                )
                .push_bind(outcome.to_string())
                .push_bind(serde_json::to_string(&e.targets).unwrap_or_default())
                .push_bind(&e.transaction_id)
                .push_bind(e.debug_data.as_ref().map(|d| d.to_string()));
        });
        qb.build().execute(&mut *conn).await?;
    }
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
                "SELECT seq, uuid, published, event_type, severity, display_message, actor, client, outcome,
                 targets, transaction_id, debug_data FROM events WHERE 1 = 1",
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

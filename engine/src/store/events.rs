//! The System Log's events.

use super::{Store, ROWS_PER_STATEMENT};
use crate::error::Result;
use crate::model::json_text;
use crate::syslog::{matches_keywords, EventPage, EventQuery, NewEvent, StoredEvent, Target};
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};

/// Rows read per round while a filter is applied.
const SCAN_CHUNK: i64 = 500;

/// How many of the last groups an event is compared with: the events of one
/// write come in a few repeating shapes.
const GROUPS_TRIED: usize = 8;

/// The most events one row holds.
const MEMBERS_PER_ROW: usize = 50_000;

/// An event's place in the log: its row's seq, and its place among the
/// row's members in the low bits. Pages continue from it; it orders events
/// as the log does, so one more or one less is the place just after or
/// before.
fn position(seq: i64, member: usize) -> i64 {
    (seq << MEMBER_BITS) | member as i64
}
const MEMBER_BITS: u32 = 20;

fn row_of(position: i64) -> (i64, usize) {
    (
        position >> MEMBER_BITS,
        (position & ((1 << MEMBER_BITS) - 1)) as usize,
    )
}

/// True when two events can be one row: all but their first target alike.
fn same_kind(a: &NewEvent, b: &NewEvent) -> bool {
    a.event_type == b.event_type
        && a.severity == b.severity
        && a.outcome == b.outcome
        && a.display_message == b.display_message
        && a.transaction_id == b.transaction_id
        && a.actor == b.actor
        && a.targets.get(1..) == b.targets.get(1..)
        && a.reason == b.reason
        && a.client == b.client
        && a.debug_data == b.debug_data
}

/// The rows a write makes: each the first event of a kind and the others
/// of that kind (by index), in the order of their first events.
fn group(events: &[NewEvent]) -> Vec<(usize, Vec<usize>)> {
    let mut rows: Vec<(usize, Vec<usize>)> = Vec::new();
    for (i, e) in events.iter().enumerate() {
        // An event without a target has no member to give a row.
        let row = match e.targets.is_empty() {
            true => None,
            false => rows
                .iter_mut()
                .rev()
                .take(GROUPS_TRIED)
                .find(|(first, members)| {
                    members.len() < MEMBERS_PER_ROW && same_kind(&events[*first], e)
                }),
        };
        match row {
            Some((_, members)) => members.push(i),
            None => rows.push((i, vec![i])),
        }
    }
    rows
}

/// Writes events inside the caller's transaction, in multi-row statements:
/// events of one kind as one row with their first targets as its members,
/// the others a row each.
pub(crate) async fn insert_events(
    conn: &mut SqliteConnection,
    events: &[NewEvent],
    now: super::Timestamp,
) -> Result<()> {
    let rows: Vec<EventRow> = group(events)
        .into_iter()
        .map(|(first, members)| {
            let e = &events[first];
            match members.len() {
                1 => EventRow {
                    event: e,
                    targets: e.targets.iter().collect(),
                    members: None,
                },
                _ => EventRow {
                    event: e,
                    targets: e.targets[1..].iter().collect(),
                    members: Some(members.iter().map(|&m| &events[m].targets[0]).collect()),
                },
            }
        })
        .collect();
    write_rows(conn, &rows, now).await
}

/// Writes events already grouped: each group's events are its event with
/// each member put first among its targets (a group without members
/// writes nothing).
pub(crate) async fn insert_event_groups(
    conn: &mut SqliteConnection,
    groups: &[(NewEvent, Vec<Target>)],
    now: super::Timestamp,
) -> Result<()> {
    let rows: Vec<EventRow> = groups
        .iter()
        .filter_map(|(e, members)| match members.as_slice() {
            [] => None,
            [only] => Some(EventRow {
                event: e,
                targets: std::iter::once(only).chain(&e.targets).collect(),
                members: None,
            }),
            _ => Some(EventRow {
                event: e,
                targets: e.targets.iter().collect(),
                members: Some(members.iter().collect()),
            }),
        })
        .collect();
    write_rows(conn, &rows, now).await
}

/// One row of the log: an event, or events alike but for their first
/// target (`members`, each put before `targets`).
struct EventRow<'a> {
    event: &'a NewEvent,
    targets: Vec<&'a Target>,
    members: Option<Vec<&'a Target>>,
}

async fn write_rows(
    conn: &mut SqliteConnection,
    rows: &[EventRow<'_>],
    now: super::Timestamp,
) -> Result<()> {
    let published = super::stamp(now);
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO events (uuid, published, event_type, severity, display_message, actor,
             client, outcome, targets, transaction_id, debug_data, members) ",
        );
        qb.push_values(chunk, |mut b, row| {
            let e = row.event;
            b.push_bind(crate::ids::uuid())
                .push_bind(published.as_str())
                .push_bind(e.event_type.as_str())
                .push_bind(e.severity)
                .push_bind(e.display_message.as_str())
                .push_bind(json_text(&e.actor))
                .push_bind(e.client.as_ref().map(json_text))
                .push_bind(json_text(
                    &serde_json::json!({"result": e.outcome, "reason": e.reason}),
                ))
                .push_bind(json_text(&row.targets))
                .push_bind(e.transaction_id.as_deref())
                .push_bind(e.debug_data.as_ref().map(json_text))
                .push_bind(row.members.as_ref().map(json_text));
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
        let mut page = EventPage {
            events: Vec::new(),
            next: None,
            first: None,
            stopped: None,
            last: None,
            scanned: 0,
        };
        let mut cursor = q.after;
        loop {
            let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
                "SELECT seq, uuid, published, event_type, severity, display_message, actor, client,
                 outcome, targets, transaction_id, debug_data, members FROM events WHERE 1 = 1",
            );
            if let Some(since) = &q.since {
                qb.push(" AND published >= ").push_bind(since);
            }
            if let Some(until) = &q.until {
                qb.push(" AND published < ").push_bind(until);
            }
            // The cursor's own row may hold events past it.
            if let Some(c) = cursor {
                qb.push(if q.descending {
                    " AND seq <= "
                } else {
                    " AND seq >= "
                })
                .push_bind(row_of(c).0);
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
            qb.push(" LIMIT ").push_bind(SCAN_CHUNK);
            let rows = qb.build().fetch_all(&self.pool).await?;
            let exhausted = (rows.len() as i64) < SCAN_CHUNK;
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
                    members: r.get("members"),
                };
                let mut expanded: Vec<(i64, serde_json::Value)> = stored
                    .to_log_events()
                    .into_iter()
                    .enumerate()
                    .map(|(m, e)| (position(stored.seq, m), e))
                    .collect();
                if q.descending {
                    expanded.reverse();
                }
                for (at, event) in expanded {
                    let past = cursor.is_none_or(|c| match q.descending {
                        true => at < c,
                        false => at > c,
                    });
                    if !past {
                        continue;
                    }
                    if page.scanned >= budget {
                        page.next = cursor;
                        page.stopped = Some(stop(page.scanned, cursor, &self.pool).await?);
                        return Ok(page);
                    }
                    page.scanned += 1;
                    cursor = Some(at);
                    page.last = cursor;
                    if q.filter.as_ref().is_none_or(|f| f.matches(&event))
                        && matches_keywords(&event, &q.keywords)
                    {
                        page.events.push(event);
                        page.first = page.first.or(Some(at));
                        if page.events.len() >= q.limit {
                            page.next = cursor;
                            return Ok(page);
                        }
                    }
                }
            }
            if exhausted {
                return Ok(page);
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
            .bind(cursor.map(|c| row_of(c).0))
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
        NewEvent::new(event_type, "Person event", Actor::system())
            .target(Target::user(&format!("00u{i}"), &format!("p{i}"), "P"))
            .target(app.clone())
            .transaction("trx1")
    }

    async fn written(events: &[NewEvent]) -> Store {
        let store = Store::open("sqlite::memory:").await.unwrap();
        let mut tx = store.pool().begin().await.unwrap();
        insert_events(&mut tx, events, crate::ids::now())
            .await
            .unwrap();
        tx.commit().await.unwrap();
        store
    }

    fn key(e: &serde_json::Value) -> (String, String) {
        (
            e["eventType"].as_str().unwrap().to_owned(),
            e["target"][0]["id"].as_str().unwrap().to_owned(),
        )
    }

    async fn read(store: &Store, after: Option<i64>, limit: usize, descending: bool) -> EventPage {
        store
            .query_events(&EventQuery {
                after,
                limit,
                descending,
                ..EventQuery::default()
            })
            .await
            .unwrap()
    }

    /// Events of one kind are one row and the rest a row each; read back,
    /// each is the event written, kind by kind in the order each kind was
    /// first written, and in the order written within a kind.
    #[tokio::test]
    async fn events_of_one_kind_are_one_row_and_read_back_whole() {
        let app = Target::app("0oa1", "HR");
        let mut events = Vec::new();
        for i in 0..3 {
            events.push(person_event(EventType::UserCreate, i, &app));
            events.push(person_event(EventType::MembershipAdd, i, &app));
        }
        events.push(
            NewEvent::new(
                EventType::ImportStart,
                "Import of HR started",
                Actor::system(),
            )
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
        let store = written(&events).await;

        let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(
            rows, 4,
            "four creates, three memberships, the start, the failure"
        );
        let page = read(&store, None, 100, false).await;
        let order: Vec<(String, String)> = page.events.iter().map(key).collect();
        let expected: Vec<(String, String)> = [0, 1, 2, 3]
            .iter()
            .map(|i| ("user.lifecycle.create".to_owned(), format!("00u{i}")))
            .chain((0..3).map(|i| {
                (
                    "application.user_membership.add".to_owned(),
                    format!("00u{i}"),
                )
            }))
            .chain([
                ("system.import.start".to_owned(), "0oa1".to_owned()),
                ("user.lifecycle.create".to_owned(), "00u4".to_owned()),
            ])
            .collect();
        assert_eq!(order, expected);
        for read in &page.events {
            let written = events
                .iter()
                .find(|w| key(read) == (w.event_type.as_str().to_owned(), w.targets[0].id.clone()))
                .unwrap();
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
        let start = &page.events[7];
        assert_eq!(start["client"]["ipAddress"], "127.0.0.1");
        assert_eq!(start["debugContext"]["debugData"]["importType"], "FULL");
        let uuids: std::collections::HashSet<&str> = page
            .events
            .iter()
            .map(|e| e["uuid"].as_str().unwrap())
            .collect();
        assert_eq!(uuids.len(), events.len(), "each event has its own uuid");
        assert_eq!(
            read(&store, None, 100, false).await.events,
            page.events,
            "an event reads the same every time, its uuid too"
        );
    }

    /// Pages of any size continue inside a row of many events, both ways,
    /// and a search that stops at its budget mid-row goes on from there.
    #[tokio::test]
    async fn pages_continue_inside_a_row_of_many_events() {
        let app = Target::app("0oa1", "HR");
        let mut events: Vec<NewEvent> = (0..25)
            .map(|i| person_event(EventType::UserCreate, i, &app))
            .collect();
        events.push(NewEvent::new(
            EventType::ImportStart,
            "Started",
            Actor::system(),
        ));
        events.extend((25..30).map(|i| person_event(EventType::UserActivate, i, &app)));
        let store = written(&events).await;
        let all = read(&store, None, 100, false).await.events;
        assert_eq!(all.len(), 31);

        for descending in [false, true] {
            let mut seen = Vec::new();
            let mut after = None;
            loop {
                let page = read(&store, after, 4, descending).await;
                seen.extend(page.events);
                match page.next {
                    Some(next) => after = Some(next),
                    None => break,
                }
            }
            let mut expected = all.clone();
            if descending {
                expected.reverse();
            }
            assert_eq!(seen, expected, "descending: {descending}");
        }

        let stopped = store
            .query_events(&EventQuery {
                limit: 100,
                scan_budget: Some(10),
                ..EventQuery::default()
            })
            .await
            .unwrap();
        assert_eq!((stopped.events.len(), stopped.scanned), (10, 10));
        assert!(stopped.stopped.is_some());
        let rest = read(&store, stopped.next, 100, false).await;
        assert_eq!(rest.events, all[10..].to_vec());
    }
}

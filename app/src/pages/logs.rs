use crate::api::logs::{count_logs, query_logs};
use crate::components::{
    count, error_text, from_local_input, local_input, now, query_value as encode, when, Moment,
};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use proto::console::{LogCounts, LogRange, LogRowView};

/// A System Log view as its URL has it: filter, keywords and time window
/// (a custom range's `from` and `to` are RFC 3339, in UTC).
#[derive(Debug, Clone, Default, PartialEq)]
struct LogView {
    filter: String,
    q: String,
    range: LogRange,
    from: String,
    to: String,
}

/// Which page of a view: the newest, or the one either side of a cursor.
#[derive(Debug, Clone, Copy, PartialEq)]
enum At {
    Newest,
    Older(i64),
    Newer(i64),
}

/// The query of a view and page: what the page's URL and its download
/// carry, so Back works and a view can be shared.
fn view_query(v: &LogView, at: At) -> String {
    let mut q = format!(
        "filter={}&q={}&range={}",
        encode(&v.filter),
        encode(&v.q),
        v.range.as_str()
    );
    if v.range == LogRange::Custom {
        q.push_str(&format!("&from={}&to={}", encode(&v.from), encode(&v.to)));
    }
    match at {
        At::Newest => {}
        At::Older(cursor) => q.push_str(&format!("&older={cursor}")),
        At::Newer(cursor) => q.push_str(&format!("&newer={cursor}")),
    }
    q
}

/// A custom range's end as a URL holds it.
fn rfc3339(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[component]
pub fn SystemLog() -> impl IntoView {
    let query = use_query_map();
    let param = move |key: &str| query.with(|q| q.get(key)).unwrap_or_default();
    // The view is the URL's; the inputs start from it and follow it on Back.
    let view = Memo::new(move |_| LogView {
        filter: param("filter"),
        q: param("q"),
        range: LogRange::parse(&param("range")).unwrap_or_default(),
        from: param("from"),
        to: param("to"),
    });
    let at =
        Memo::new(
            move |_| match (param("older").parse::<i64>(), param("newer").parse::<i64>()) {
                (Ok(cursor), _) => At::Older(cursor),
                (_, Ok(cursor)) => At::Newer(cursor),
                _ => At::Newest,
            },
        );
    let range = Memo::new(move |_| view.with(|v| v.range));
    let filter_input = RwSignal::new(view.with_untracked(|v| v.filter.clone()));
    let keywords_input = RwSignal::new(view.with_untracked(|v| v.q.clone()));
    Effect::new(move |_| filter_input.set(view.with(|v| v.filter.clone())));
    Effect::new(move |_| keywords_input.set(view.with(|v| v.q.clone())));
    // A custom range's ends, as the admin's time zone shows them.
    let local = |text: &str| {
        chrono::DateTime::parse_from_rfc3339(text)
            .map(|at| local_input(at.to_utc()))
            .unwrap_or_default()
    };
    let from_input = RwSignal::new(String::new());
    let to_input = RwSignal::new(String::new());
    Effect::new(move |_| from_input.set(view.with(|v| local(&v.from))));
    Effect::new(move |_| to_input.set(view.with(|v| local(&v.to))));

    let events = Resource::new(
        move || (view.get(), at.get()),
        |(v, at)| {
            let (older, newer) = match at {
                At::Newest => (None, None),
                At::Older(cursor) => (Some(cursor), None),
                At::Newer(cursor) => (None, Some(cursor)),
            };
            query_logs(
                v.filter,
                v.q,
                v.range.as_str().to_owned(),
                v.from,
                v.to,
                older,
                newer,
            )
        },
    );
    let counts = Resource::new(
        move || view.get(),
        |v| count_logs(v.filter, v.q, v.range.as_str().to_owned(), v.from, v.to),
    );
    let navigate = use_navigate();
    // Shows a view: the typed filter and keywords with this window, at this page.
    let go = move |range: LogRange, from: String, to: String, at: At| {
        let v = LogView {
            filter: filter_input.get_untracked(),
            q: keywords_input.get_untracked(),
            range,
            from,
            to,
        };
        navigate(&format!("/logs?{}", view_query(&v, at)), Default::default());
    };
    let go = StoredValue::new(go);
    let same_window = move |at: At| {
        let v = view.get_untracked();
        go.with_value(|go| go(v.range, v.from, v.to, at));
    };
    let custom_end = move |from: bool, text: String| {
        let v = view.get_untracked();
        let moment = from_local_input(&text).map(rfc3339).unwrap_or_default();
        let (from, to) = if from {
            (moment, v.to)
        } else {
            (v.from, moment)
        };
        go.with_value(|go| go(LogRange::Custom, from, to, At::Newest));
    };
    let download = move || {
        format!(
            "/console/logs.csv?{}",
            view.with(|v| view_query(v, At::Newest))
        )
    };
    view! {
        <h1>"System Log"</h1>
        <form class="log-query" on:submit=move |ev| {
            ev.prevent_default();
            same_window(At::Newest);
        }>
            <label for="log-filter">"Filter"</label>
            <input
                id="log-filter"
                type="text"
                class="mono"
                placeholder="eventType eq \"system.import.start\""
                prop:value=move || filter_input.get()
                on:input=move |ev| filter_input.set(event_target_value(&ev))
            />
            <label for="log-search">"Search"</label>
            <input
                id="log-search"
                type="search"
                placeholder="Keywords"
                prop:value=move || keywords_input.get()
                on:input=move |ev| keywords_input.set(event_target_value(&ev))
            />
            <label for="log-range">"Time range"</label>
            <select id="log-range" prop:value=move || range.get().as_str() on:change=move |ev| {
                let chosen = LogRange::parse(&event_target_value(&ev)).unwrap_or_default();
                // A custom range starts as the last 24 hours, to change from there.
                let from = if chosen == LogRange::Custom {
                    rfc3339(now() - chrono::Duration::hours(24))
                } else {
                    String::new()
                };
                go.with_value(|go| go(chosen, from, String::new(), At::Newest));
            }>
                {LogRange::ALL.into_iter().map(|r| view! {
                    <option value=r.as_str() selected=move || range.get() == r>{r.label()}</option>
                }).collect_view()}
            </select>
            <Show when=move || range.get() == LogRange::Custom>
                <label for="log-from">"From"</label>
                <input id="log-from" type="datetime-local" prop:value=move || from_input.get()
                    on:change=move |ev| custom_end(true, event_target_value(&ev))/>
                <label for="log-to">"To"</label>
                <input id="log-to" type="datetime-local" title="Empty: now" prop:value=move || to_input.get()
                    on:change=move |ev| custom_end(false, event_target_value(&ev))/>
            </Show>
            <button type="submit" class="primary">"Apply"</button>
            <a class="button" href=download download="system-log.csv">"Download CSV"</a>
        </form>
        <Transition>
            {move || Suspend::new(async move {
                counts.await.ok().map(|counts| view! { <Histogram counts/> })
            })}
        </Transition>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match events.await {
                    Err(e) => view! { <p class="error" role="alert">{error_text(&e)}</p> }.into_any(),
                    Ok(page) => {
                        let (older, newer) = (page.older, page.newer);
                        let stopped = page.stopped.map(|stop| view! {
                            <p class="notice" role="status" data-testid="log-partial">
                                {format!("The search read {} events, back to ", count(stop.scanned))}
                                <Moment at=stop.reached/>
                                ", and stopped there: the results are partial. Narrow the time range to search it all, or go on with "
                                {if older.is_some() { "Older events." } else { "Newer events." }}
                            </p>
                        });
                        let rows = if page.rows.is_empty() {
                            view! { <p class="empty">"No events match."</p> }.into_any()
                        } else {
                            view! {
                                <table class="grid log">
                                    <thead><tr><th></th><th>"Time"</th><th>"Actor"</th><th>"Event"</th><th>"Message"</th><th>"Target"</th><th>"Outcome"</th></tr></thead>
                                    {page.rows.into_iter().map(|row| view! { <LogRow row/> }).collect_view()}
                                </table>
                            }.into_any()
                        };
                        view! {
                            {stopped}
                            {rows}
                            <nav class="pager" aria-label="System Log pages">
                                {newer.map(|n| view! {
                                    <button type="button" on:click=move |_| same_window(At::Newest)>"Newest events"</button>
                                    <button type="button" on:click=move |_| same_window(At::Newer(n))>"Newer events"</button>
                                })}
                                {older.map(|n| view! {
                                    <button type="button" on:click=move |_| same_window(At::Older(n))>"Older events"</button>
                                })}
                            </nav>
                        }.into_any()
                    }
                }
            })}
        </Transition>
    }
}

/// How many events match, and a bar for each slice of the range.
#[component]
fn Histogram(counts: LogCounts) -> impl IntoView {
    let total = if let Some(stop) = &counts.stopped {
        format!(
            "{} events match among the {} newest of the range (counting stopped at {})",
            count(counts.total),
            count(stop.scanned),
            when(stop.reached)
        )
    } else if counts.more {
        format!("More than {} events match", count(counts.total))
    } else if counts.total == 1 {
        "1 event matches".to_owned()
    } else {
        format!("{} events match", count(counts.total))
    };
    let highest = counts
        .buckets
        .iter()
        .map(|b| b.count)
        .max()
        .unwrap_or(0)
        .max(1);
    let label = format!("{total}, over time");
    view! {
        <p class="log-count" data-testid="log-count">{total}</p>
        {(!counts.buckets.is_empty()).then(|| view! {
            <div class="histogram" role="img" aria-label=label>
                {counts.buckets.into_iter().map(|b| {
                    let height = format!("height: {}%", (b.count * 100 / highest).max(if b.count > 0 { 4 } else { 0 }));
                    let tip = format!("{} – {}: {}", when(b.start), when(b.end), count(b.count));
                    view! { <span class="bar" style=height title=tip data-count=b.count></span> }
                }).collect_view()}
            </div>
        })}
    }
}

/// One event; expands to its JSON.
#[component]
fn LogRow(row: LogRowView) -> impl IntoView {
    let open = RwSignal::new(false);
    let json = row.json.clone();
    let event_type = row.event_type.clone();
    view! {
        <tbody class="event" data-event-type=event_type>
            <tr>
                <td>
                    <button type="button" class="expand" aria-expanded=move || open.get().to_string()
                        aria-label="Show event JSON" on:click=move |_| open.update(|o| *o = !*o)>
                        {move || if open.get() { "▾" } else { "▸" }}
                    </button>
                </td>
                <td class="mono">{match chrono::DateTime::parse_from_rfc3339(&row.published) {
                    Ok(at) => view! { <Moment at=at.to_utc()/> }.into_any(),
                    Err(_) => row.published.clone().into_any(),
                }}</td>
                <td>{row.actor}</td>
                <td class="mono event-type">{row.event_type}</td>
                <td>{row.message}</td>
                <td>{row.targets}</td>
                <td>{row.outcome}</td>
            </tr>
            {move || open.get().then(|| view! {
                <tr class="json"><td colspan="7"><pre class="event-json">{json.clone()}</pre></td></tr>
            })}
        </tbody>
    }
}

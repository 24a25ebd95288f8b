use crate::api::logs::{count_logs, query_logs};
use crate::components::{count, error_text, query_value as encode, when, Moment};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use proto::console::{LogCounts, LogRange, LogRowView};

/// The query of a System Log view: what the page's URL and its download
/// carry, so Back works and a view can be shared.
fn view_query(filter: &str, q: &str, range: LogRange, after: Option<i64>) -> String {
    let after = after.map(|a| format!("&after={a}")).unwrap_or_default();
    format!(
        "filter={}&q={}&range={}{after}",
        encode(filter),
        encode(q),
        range.as_str()
    )
}

#[component]
pub fn SystemLog() -> impl IntoView {
    let query = use_query_map();
    let param = move |key: &str| query.with(|q| q.get(key)).unwrap_or_default();
    // The view is the URL's; the inputs start from it and follow it on Back.
    let filter = Memo::new(move |_| param("filter"));
    let keywords = Memo::new(move |_| param("q"));
    let range = Memo::new(move |_| LogRange::parse(&param("range")).unwrap_or_default());
    let after = Memo::new(move |_| param("after").parse::<i64>().ok());
    let filter_input = RwSignal::new(filter.get_untracked());
    let keywords_input = RwSignal::new(keywords.get_untracked());
    Effect::new(move |_| filter_input.set(filter.get()));
    Effect::new(move |_| keywords_input.set(keywords.get()));
    let events = Resource::new(
        move || (filter.get(), keywords.get(), range.get(), after.get()),
        |(f, q, r, a)| query_logs(f, q, r, a),
    );
    let counts = Resource::new(
        move || (filter.get(), keywords.get(), range.get()),
        |(f, q, r)| count_logs(f, q, r),
    );
    let navigate = use_navigate();
    let go = move |range: LogRange, after: Option<i64>| {
        let q = view_query(
            &filter_input.get_untracked(),
            &keywords_input.get_untracked(),
            range,
            after,
        );
        navigate(&format!("/logs?{q}"), Default::default());
    };
    let go = StoredValue::new(go);
    let download = move || {
        format!(
            "/console/logs.csv?{}",
            view_query(&filter.get(), &keywords.get(), range.get(), None)
        )
    };
    view! {
        <h1>"System Log"</h1>
        <form class="log-query" on:submit=move |ev| {
            ev.prevent_default();
            go.with_value(|go| go(range.get_untracked(), None));
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
                go.with_value(|go| go(chosen, None));
            }>
                {LogRange::ALL.into_iter().map(|r| view! {
                    <option value=r.as_str() selected=move || range.get() == r>{r.label()}</option>
                }).collect_view()}
            </select>
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
                    Ok(page) if page.rows.is_empty() => view! { <p class="empty">"No events match."</p> }.into_any(),
                    Ok(page) => {
                        let next = page.next;
                        view! {
                            <table class="grid log">
                                <thead><tr><th></th><th>"Time"</th><th>"Actor"</th><th>"Event"</th><th>"Message"</th><th>"Target"</th><th>"Outcome"</th></tr></thead>
                                {page.rows.into_iter().map(|row| view! { <LogRow row/> }).collect_view()}
                            </table>
                            <div class="pager">
                                {after.get_untracked().is_some().then(|| view! {
                                    <button type="button" on:click=move |_| go.with_value(|go| go(range.get_untracked(), None))>"Newest events"</button>
                                })}
                                {next.map(|n| view! {
                                    <button type="button" on:click=move |_| go.with_value(|go| go(range.get_untracked(), Some(n)))>"Older events"</button>
                                })}
                            </div>
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
    let total = if counts.more {
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

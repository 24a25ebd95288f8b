use crate::api::logs::query_logs;
use crate::components::error_text;
use leptos::prelude::*;
use proto::console::LogRowView;

#[component]
pub fn SystemLog() -> impl IntoView {
    let filter_input = RwSignal::new(String::new());
    let keywords_input = RwSignal::new(String::new());
    // What was last applied; the table follows these.
    let applied = RwSignal::new((String::new(), String::new()));
    let after = RwSignal::new(None::<i64>);
    let events = Resource::new(
        move || (applied.get(), after.get()),
        |((f, q), a)| query_logs(f, q, a),
    );
    let apply = move || {
        after.set(None);
        applied.set((filter_input.get_untracked(), keywords_input.get_untracked()));
    };
    view! {
        <h1>"System Log"</h1>
        <form class="log-query" on:submit=move |ev| {
            ev.prevent_default();
            apply();
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
            <button type="submit" class="primary">"Apply"</button>
        </form>
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
                            {next.map(|n| view! {
                                <button type="button" on:click=move |_| after.set(Some(n))>"Older events"</button>
                            })}
                        }.into_any()
                    }
                }
            })}
        </Transition>
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
                <td class="mono">{row.published}</td>
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

//! A Custom Identity Source's import sessions: automation opens one through
//! the API, uploads users and groups to it and starts its import; the tab
//! shows each session, what it staged and the import it started.

use crate::api::imports::list_import_sessions;
use crate::components::{error_text, moment_of};
use leptos::prelude::*;
use proto::console::ImportSessionView;
use proto::ImportRun;

#[component]
pub fn SessionsSection(app_id: String, runs: Signal<Vec<ImportRun>>) -> impl IntoView {
    let id = StoredValue::new(app_id);
    // Read again whenever the runs change (a session started or finished).
    let sessions = Resource::new(
        move || {
            runs.with(|rs| {
                rs.iter()
                    .map(|r| format!("{}{}", r.id, r.status))
                    .collect::<String>()
            })
        },
        move |_| list_import_sessions(id.get_value()),
    );
    let row = move |s: ImportSessionView| {
        let run = s.run_id.clone().map(|run| {
            let href = format!("/apps/{}/import?run={run}", id.get_value());
            view! { <a href=href>"View import"</a> }
        });
        view! {
            <tr data-session=s.id.clone()>
                <td><code>{s.id.clone()}</code></td>
                <td><span class="status">{s.status.as_str()}</span></td>
                <td>{moment_of(&s.created)}</td>
                <td>{moment_of(&s.last_updated)}</td>
                <td class="num">{s.users}</td>
                <td class="num">{s.requests}</td>
                <td>{run}</td>
            </tr>
        }
    };
    view! {
        <section class="card">
            <h2>"Import sessions"</h2>
            <p class="hint">
                "Automation pushes users and groups to this identity source through the API: it opens a session ("
                <code>{move || format!("POST /api/v1/identity-sources/{}/sessions", id.get_value())}</code>
                "), uploads up to 200 users a request (" <code>"bulk-upsert"</code> ", " <code>"bulk-delete"</code>
                "), then starts the import (" <code>"start-import"</code>
                "), which runs like any other import of this app: matching, the queue, the safeguards."
            </p>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match sessions.await {
                        Err(e) => view! { <p class="error" role="alert">{error_text(&e)}</p> }.into_any(),
                        Ok(list) if list.is_empty() => view! { <p class="empty">"No import sessions yet."</p> }.into_any(),
                        Ok(list) => view! {
                            <table class="sessions">
                                <thead><tr>
                                    <th>"Session"</th><th>"Status"</th><th>"Created"</th><th>"Last updated"</th>
                                    <th class="num">"Users"</th><th class="num">"Requests"</th><th>"Import"</th>
                                </tr></thead>
                                <tbody>{list.into_iter().map(row).collect_view()}</tbody>
                            </table>
                        }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

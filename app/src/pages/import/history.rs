//! The app's past imports, newest first.

use crate::components::count;
use crate::wire::RunView;
use leptos::prelude::*;

#[component]
pub fn History(runs: Vec<RunView>) -> impl IntoView {
    (!runs.is_empty()).then(|| {
        view! {
            <details class="history">
                <summary>"Import history"</summary>
                <table class="grid">
                    <thead><tr><th>"Requested"</th><th>"Type"</th><th>"Trigger"</th><th>"Status"</th><th>"Scanned"</th><th>"New"</th><th>"Updated"</th><th>"Unchanged"</th><th>"Matched"</th><th>"Errors"</th></tr></thead>
                    <tbody>
                        {runs.into_iter().map(|r| view! {
                            <tr>
                                <td>{r.created.clone()}</td>
                                <td>{if r.preview { format!("{} (preview)", r.import_type) } else { r.import_type.clone() }}</td>
                                <td>{r.trigger.clone()}</td>
                                <td>{r.status.clone()}</td>
                                <td>{count(r.scanned)}</td>
                                <td>{count(r.new)}</td>
                                <td>{count(r.updated)}</td>
                                <td>{count(r.unchanged)}</td>
                                <td>{count(r.matched)}</td>
                                <td>{count(r.errors)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </details>
        }
    })
}

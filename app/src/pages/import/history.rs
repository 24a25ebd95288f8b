//! The app's past imports, newest first.

use crate::components::{count, Moment};
use leptos::prelude::*;
use proto::ImportRun;

#[component]
pub fn History(runs: Vec<ImportRun>) -> impl IntoView {
    (!runs.is_empty()).then(|| {
        view! {
            <details class="history">
                <summary>"Import history"</summary>
                <table class="grid">
                    <thead><tr><th>"Requested"</th><th>"Type"</th><th>"Trigger"</th><th>"Status"</th><th>"Scanned"</th><th>"New"</th><th>"Updated"</th><th>"Unchanged"</th><th>"Matched"</th><th>"Errors"</th></tr></thead>
                    <tbody>
                        {runs.into_iter().map(|r| view! {
                            <tr>
                                <td><Moment at=r.created/></td>
                                <td>{if r.preview { format!("{} (preview)", r.import_type) } else { r.import_type.to_string() }}</td>
                                <td>{r.trigger.as_str()}</td>
                                <td>{r.status.as_str()}</td>
                                <td>{count(r.counts.scanned)}</td>
                                <td>{count(r.counts.new)}</td>
                                <td>{count(r.counts.updated)}</td>
                                <td>{count(r.counts.unchanged)}</td>
                                <td>{count(r.counts.matched)}</td>
                                <td>{count(r.counts.errors)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </details>
        }
    })
}

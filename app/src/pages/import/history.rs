//! The app's past imports, newest first.

use crate::components::{count, Moment};
use leptos::prelude::*;
use proto::ImportRun;

#[component]
pub fn History(
    runs: Vec<ImportRun>,
    shown_id: RwSignal<Option<String>>,
    open: RwSignal<bool>,
) -> impl IntoView {
    (!runs.is_empty()).then(|| {
        view! {
            // Open or closed as the admin left it when a new run redraws it.
            <details class="history" prop:open=move || open.get()>
                <summary on:click=move |ev| {
                    ev.prevent_default();
                    open.update(|o| *o = !*o);
                }>"Import history"</summary>
                <table class="grid">
                    <thead><tr><th>"Requested"</th><th>"File"</th><th>"Type"</th><th>"Trigger"</th><th>"Status"</th><th>"Scanned"</th><th>"New"</th><th>"Updated"</th><th>"Unchanged"</th><th>"Errors"</th><th>"Matched"</th><th>"Partial"</th><th>"Conflicts"</th><th>"Reactivated"</th><th>"Removed"</th></tr></thead>
                    <tbody>
                        {runs.into_iter().map(|r| {
                            let c = r.counts;
                            let run_id = r.id.clone();
                            let removed = format!(
                                "{} deactivated, {} suspended, {} unassigned",
                                count(c.deactivated), count(c.suspended), count(c.unassigned)
                            );
                            view! {
                            <tr>
                                <td><a href=format!("/apps/{}/import?run={}", r.app_id, r.id)
                                    aria-current=move || (shown_id.get().as_deref() == Some(run_id.as_str())).then_some("true")
                                    title="Open this import's outcome"><Moment at=r.created/></a></td>
                                <td class="file">{r.file.map(|f| match f.deleted {
                                    None => f.name.into_any(),
                                    Some(at) => view! {
                                        {f.name}" "<span class="hint">"(deleted "<Moment at=at/>", its retention time over)"</span>
                                    }.into_any(),
                                })}</td>
                                <td>{if r.preview { format!("{} (preview)", r.import_type) } else { r.import_type.to_string() }}</td>
                                <td>{r.trigger.as_str()}</td>
                                <td>{r.status.as_str()}</td>
                                <td>{count(c.scanned)}</td>
                                <td>{count(c.new)}</td>
                                <td>{count(c.updated)}</td>
                                <td>{count(c.unchanged)}</td>
                                <td>{count(c.errors)}</td>
                                <td>{count(c.matched)}</td>
                                <td>{count(c.partial)}</td>
                                <td>{count(c.conflicts)}</td>
                                <td>{count(c.reactivated)}</td>
                                <td class="removed" title=removed.clone() aria-label=removed>{count(c.removed())}</td>
                            </tr>
                        }}).collect_view()}
                    </tbody>
                </table>
            </details>
        }
    })
}

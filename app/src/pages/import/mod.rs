//! The Import tab of a CSV app, in the order an admin works down it: the
//! upload (drop zone, preview, Import Now), the run (live progress, the
//! summary with its plan and row errors), the import queue, and the history.

mod history;
mod queue;
mod run;
mod upload;

use crate::api::imports::{get_run, list_runs, ApplyPreview, StartImport};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use proto::ImportRun;

#[component]
pub fn ImportTab(app_id: String) -> impl IntoView {
    let tick = RwSignal::new(0u64);
    let start = ServerAction::<StartImport>::new();
    let apply = ServerAction::<ApplyPreview>::new();

    // Follow running imports: refresh once a second while the tab is open.
    Effect::new(move |_| {
        if let Ok(handle) = set_interval_with_handle(
            move || tick.update(|t| *t += 1),
            std::time::Duration::from_millis(1000),
        ) {
            on_cleanup(move || handle.clear());
        }
    });

    // The run whose outcome this tab shows: the one in the URL (opened from
    // the history), else the one this tab started, else the newest finished
    // when the tab opened. A run started elsewhere does not replace it.
    let query = use_query_map();
    let shown_id = RwSignal::new(query.with_untracked(|q| q.get("run")));
    Effect::new(move |_| {
        if let Some(run) = query.with(|q| q.get("run")) {
            shown_id.set(Some(run));
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(run)) = start.value().get() {
            shown_id.set(Some(run.id));
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(run)) = apply.value().get() {
            shown_id.set(Some(run.id));
        }
    });
    // Previews the admin discarded in this tab (a preview changes nothing).
    let discarded = RwSignal::new(Vec::<String>::new());

    let id = StoredValue::new(app_id.clone());
    let runs = Resource::new(
        move || {
            (
                id.get_value(),
                tick.get(),
                start.version().get(),
                apply.version().get(),
            )
        },
        |(id, _, _, _)| list_runs(id),
    );
    Effect::new(move |_| {
        if shown_id.get_untracked().is_none() {
            if let Some(Ok(runs)) = runs.get() {
                if let Some(last) = runs.iter().find(|r| !r.is_active()) {
                    shown_id.set(Some(last.id.clone()));
                }
            }
        }
    });
    let shown = Resource::new(
        move || (shown_id.get(), tick.get()),
        |(id, _)| async move {
            match id {
                Some(id) => get_run(id).await.map(Some),
                None => Ok(None),
            }
        },
    );

    view! {
        <upload::UploadSection app_id=app_id.clone() start/>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let runs = runs.await.unwrap_or_default();
                let shown = shown.await.ok().flatten();
                view! {
                    <section class="card runs">
                        <h2>"Imports"</h2>
                        <run::RunStatus runs=runs.clone() shown shown_id discarded apply/>
                        <history::History runs shown_id/>
                    </section>
                }
            })}
        </Transition>
        <queue::QueueSection app_id runs/>
    }
}

/// Whether any of these runs is running or waiting to run.
fn any_active(runs: &[ImportRun]) -> bool {
    runs.iter().any(ImportRun::is_active)
}

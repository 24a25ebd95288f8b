//! The Import tab of a CSV app, in the order an admin works down it: the
//! upload (drop zone, preview, Import Now), the run (live progress, the
//! summary with its plan and row errors), the import queue, and the history.

mod history;
mod queue;
mod run;
mod upload;

use crate::api::imports::{list_runs, ApplyPreview, StartImport};
use leptos::prelude::*;
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

    view! {
        <upload::UploadSection app_id=app_id.clone() start/>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let runs = runs.await.unwrap_or_default();
                view! {
                    <section class="card runs">
                        <h2>"Imports"</h2>
                        <run::RunStatus runs=runs.clone() apply/>
                        <history::History runs/>
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

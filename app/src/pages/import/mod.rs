//! The Import tab, in the order an admin works down it: the upload of a CSV
//! app (drop zone, preview, Import Now), a directory's Import Now or an
//! identity source's import sessions, the run (live progress, the
//! summary with its plan and row errors), the import queue, and the history.

mod history;
mod pull;
mod queue;
mod run;
mod sessions;
mod upload;

use crate::api::apps::get_app;
use crate::api::imports::{get_run, list_runs, ApplyPreview, StartImport};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use proto::{ImportRun, ImportType};

#[component]
pub fn ImportTab(app_id: String) -> impl IntoView {
    let start = ServerAction::<StartImport>::new();
    let apply = ServerAction::<ApplyPreview>::new();

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
    let history_open = RwSignal::new(false);

    // The runs as the page loaded them (the server renders them), and again
    // after this tab starts or applies an import; then polled once a second.
    // A poll that finds them as they were changes nothing on the page, so a
    // search in the plan or an open history stays as it is.
    let id = StoredValue::new(app_id.clone());
    let loaded = Resource::new(
        move || (id.get_value(), start.version().get(), apply.version().get()),
        |(id, _, _)| list_runs(id),
    );
    let polled = RwSignal::new(None::<Vec<ImportRun>>);
    Effect::new(move |_| {
        loaded.track();
        polled.set(None);
    });
    Effect::new(move |_| {
        if let Ok(handle) = set_interval_with_handle(
            move || {
                leptos::task::spawn_local(async move {
                    if let Ok(list) = list_runs(id.get_value()).await {
                        if polled.with_untracked(|p| p.as_ref() != Some(&list)) {
                            polled.set(Some(list));
                        }
                    }
                })
            },
            std::time::Duration::from_millis(1000),
        ) {
            on_cleanup(move || handle.clear());
        }
    });
    let runs = Memo::new(move |_| {
        polled
            .get()
            .or_else(|| loaded.get().and_then(Result::ok))
            .unwrap_or_default()
    });
    Effect::new(move |_| {
        if shown_id.get_untracked().is_none() {
            if let Some(last) = runs.with(|rs| rs.iter().find(|r| !r.is_active()).cloned()) {
                shown_id.set(Some(last.id));
            }
        }
    });
    // The shown run, from the list while it is there, else read once.
    let shown_loaded = Resource::new(
        move || shown_id.get(),
        |id| async move {
            match id {
                Some(id) => get_run(id).await.map(Some),
                None => Ok(None),
            }
        },
    );
    let shown = Memo::new(move |_| {
        let id = shown_id.get()?;
        runs.with(|rs| rs.iter().find(|r| r.id == id).cloned())
            .or_else(|| {
                shown_loaded
                    .get()
                    .and_then(Result::ok)
                    .flatten()
                    .filter(|r| r.id == id)
            })
    });

    let kind = Resource::new(
        move || id.get_value(),
        |id| async move { get_app(id).await.map(|a| a.kind) },
    );
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match kind.await {
                    Ok(k) if k.is_connected() => view! { <pull::PullSection app_id=id.get_value() kind=k start/> }.into_any(),
                    Ok(k) if k.is_pushed() => view! { <sessions::SessionsSection app_id=id.get_value() runs=Signal::derive(move || runs.get())/> }.into_any(),
                    _ => view! { <upload::UploadSection app_id=id.get_value() start/> }.into_any(),
                }
            })}
        </Suspense>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                // The first answers, which the server renders too.
                let _ = loaded.await;
                let _ = shown_loaded.await;
                view! {
                    <section class="card runs">
                        <h2>"Imports"</h2>
                        {move || view! { <run::Active runs=runs.get()/> }}
                        {move || view! { <run::Newer runs=runs.get() shown=shown.get() shown_id/> }}
                        {move || view! { <run::Outcome shown=shown.get() discarded apply/> }}
                        {move || view! { <history::History runs=runs.get() shown_id open=history_open/> }}
                    </section>
                }
            })}
        </Transition>
        <queue::QueueSection app_id loaded runs/>
    }
}

/// Whether any of these runs is running or waiting to run.
fn any_active(runs: &[ImportRun]) -> bool {
    runs.iter().any(ImportRun::is_active)
}

/// The import type and what starts an import: Import Now, or Preview (the
/// import run without changing anything, to see what it would do).
#[component]
fn ImportActions(
    import_type: RwSignal<ImportType>,
    #[prop(into)] can_import: Signal<bool>,
    import_now: Callback<bool>,
) -> impl IntoView {
    view! {
        <div class="import-actions">
            <label for="import-type">"Import type"</label>
            <select id="import-type" on:change=move |ev| {
                import_type.set(ImportType::parse(&event_target_value(&ev)).unwrap_or(ImportType::Full));
            }>
                <option value="Full" selected=move || import_type.get() == ImportType::Full>"Full"</option>
                <option value="Incremental" selected=move || import_type.get() == ImportType::Incremental>"Incremental"</option>
            </select>
            <button type="button" class="primary" disabled=move || !can_import.get() on:click=move |_| import_now.run(false)>
                "Import Now"
            </button>
            <button type="button" disabled=move || !can_import.get() on:click=move |_| import_now.run(true)
                title="Runs the import without changing anything and shows what it would do">
                "Preview"
            </button>
        </div>
    }
}

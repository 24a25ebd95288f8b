//! Import Now of a directory: it reads the server, Full or Incremental.

use crate::api::imports::StartImport;
use crate::components::error_text;
use leptos::prelude::*;
use proto::ImportType;

#[component]
pub fn PullSection(app_id: String, start: ServerAction<StartImport>) -> impl IntoView {
    let id = StoredValue::new(app_id);
    let import_type = RwSignal::new(ImportType::Incremental);
    let import_now = move |as_preview: bool| {
        start.dispatch(StartImport {
            app_id: id.get_value(),
            upload_id: String::new(),
            import_type: import_type.get_untracked(),
            preview: as_preview,
        });
    };
    view! {
        <section class="card">
            <h2>"Import users from the directory"</h2>
            <p class="hint">
                "A full import reads every user and handles those no longer there as the "
                <a href=move || format!("/apps/{}/provisioning", id.get_value())>"sourcing settings"</a>
                " say; an incremental import reads only what changed since the last one (the first runs as a full import)."
            </p>
            <div class="import-actions">
                <label for="import-type">"Import type"</label>
                <select id="import-type" on:change=move |ev| {
                    import_type.set(ImportType::parse(&event_target_value(&ev)).unwrap_or(ImportType::Full));
                }>
                    <option value="Incremental" selected>"Incremental"</option>
                    <option value="Full">"Full"</option>
                </select>
                <button type="button" class="primary" disabled=move || start.pending().get() on:click=move |_| import_now(false)>
                    "Import Now"
                </button>
                <button type="button" disabled=move || start.pending().get() on:click=move |_| import_now(true)
                    title="Runs the import without changing anything and shows what it would do">
                    "Preview"
                </button>
            </div>
            {move || start.value().get().and_then(|r| r.err()).map(|e| view! { <p class="error" role="alert">{error_text(&e)}</p> })}
        </section>
    }
}

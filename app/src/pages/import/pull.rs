//! Import Now of a directory or a SCIM app: it reads the server, Full or
//! Incremental.

use crate::api::imports::StartImport;
use crate::components::error_text;
use leptos::prelude::*;
use proto::{AppKind, ImportType};

#[component]
pub fn PullSection(
    app_id: String,
    kind: AppKind,
    start: ServerAction<StartImport>,
) -> impl IntoView {
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
            <h2>{if kind == AppKind::ScimApp { "Import users from the app" } else { "Import users from the directory" }}</h2>
            <p class="hint">
                "A full import reads every user and handles those no longer there as the "
                <a href=move || format!("/apps/{}/provisioning", id.get_value())>"sourcing settings"</a>
                " say; an incremental import reads only what changed since the last one (the first runs as a full import)."
            </p>
            <super::ImportActions import_type can_import=Signal::derive(move || !start.pending().get()) import_now=Callback::new(import_now)/>
            {move || start.value().get().and_then(|r| r.err()).map(|e| view! { <p class="error" role="alert">{error_text(&e)}</p> })}
        </section>
    }
}

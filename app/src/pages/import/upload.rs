//! The upload: a CSV file dropped or chosen, its preview, and Import Now.

use crate::api::imports::{DecodeUpload, StartImport};
use crate::components::{count, error_text};
use leptos::prelude::*;
use proto::{ImportType, TextEncoding, UploadPreview};

/// Sends a file to the upload route and shows what the server found in it.
fn upload_file(
    app_id: String,
    file: web_sys::File,
    preview: RwSignal<Option<UploadPreview>>,
    error: RwSignal<Option<String>>,
    uploading: RwSignal<bool>,
) {
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(async move {
        uploading.set(true);
        error.set(None);
        preview.set(None);
        let name = String::from(js_sys::encode_uri_component(&file.name()));
        let sent = async {
            let response =
                gloo_net::http::Request::post(&format!("/console/apps/{app_id}/uploads"))
                    .header("x-file-name", &name)
                    .body(wasm_bindgen::JsValue::from(file))
                    .map_err(|e| e.to_string())?
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
            if response.ok() {
                response
                    .json::<UploadPreview>()
                    .await
                    .map_err(|e| e.to_string())
            } else {
                Err(response
                    .text()
                    .await
                    .unwrap_or_else(|_| format!("The upload failed ({})", response.status())))
            }
        };
        match sent.await {
            Ok(p) => preview.set(Some(p)),
            Err(e) => error.set(Some(e)),
        }
        uploading.set(false);
    });
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (app_id, file, preview, error, uploading);
    }
}

#[component]
pub fn UploadSection(app_id: String, start: ServerAction<StartImport>) -> impl IntoView {
    let preview = RwSignal::new(None::<UploadPreview>);
    let upload_error = RwSignal::new(None::<String>);
    let uploading = RwSignal::new(false);
    let dragging = RwSignal::new(false);
    let import_type = RwSignal::new(ImportType::Full);
    let id = StoredValue::new(app_id);
    // Reading a file that is not UTF-8 in another encoding makes a new
    // upload: its preview replaces the one shown.
    let decode = ServerAction::<DecodeUpload>::new();
    Effect::new(move |_| match decode.value().get() {
        Some(Ok(p)) => {
            upload_error.set(None);
            preview.set(Some(p));
        }
        Some(Err(e)) => upload_error.set(Some(error_text(&e))),
        None => {}
    });
    let read_as = Callback::new(move |encoding: TextEncoding| {
        if let Some(p) = preview.get_untracked() {
            decode.dispatch(DecodeUpload {
                app_id: id.get_value(),
                upload_id: p.id,
                encoding,
            });
        }
    });
    let reading = decode.pending();

    let on_drop = move |ev: web_sys::DragEvent| {
        ev.prevent_default();
        dragging.set(false);
        if let Some(file) = ev
            .data_transfer()
            .and_then(|dt| dt.files())
            .and_then(|files| files.get(0))
        {
            upload_file(id.get_value(), file, preview, upload_error, uploading);
        }
    };
    let on_pick = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        if let Some(file) = input.files().and_then(|files| files.get(0)) {
            upload_file(id.get_value(), file, preview, upload_error, uploading);
        }
    };
    let can_import = move || {
        preview.get().is_some_and(|p| p.problems.is_empty()) && !uploading.get() && !reading.get()
    };
    let import_now = move |as_preview: bool| {
        if let Some(p) = preview.get_untracked() {
            start.dispatch(StartImport {
                app_id: id.get_value(),
                upload_id: p.id,
                import_type: import_type.get_untracked(),
                preview: as_preview,
            });
        }
    };

    view! {
        <section class="card">
            <h2>"Import users from a CSV file"</h2>
            <div
                class="dropzone"
                class:dragging=move || dragging.get()
                data-testid="dropzone"
                on:dragenter=move |ev: web_sys::DragEvent| {
                    ev.prevent_default();
                    dragging.set(true);
                }
                on:dragover=move |ev: web_sys::DragEvent| {
                    ev.prevent_default();
                    dragging.set(true);
                }
                on:dragleave=move |_| dragging.set(false)
                on:drop=on_drop
            >
                <p>"Drop a CSV file here, or"</p>
                <label class="button" for="csv-file">"Choose a CSV file"</label>
                <input id="csv-file" type="file" accept=".csv,text/csv" on:change=on_pick/>
                <p class="hint">"The header row names the profile attributes: login, firstName, lastName and email are required; other columns become custom attributes."</p>
            </div>
            {move || uploading.get().then(|| view! { <p class="status">"Uploading…"</p> })}
            {move || reading.get().then(|| view! { <p class="status">"Reading the file again…"</p> })}
            {move || upload_error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            {move || preview.get().map(|p| view! { <Preview preview=p read_as reading/> })}
            <super::ImportActions import_type can_import=Signal::derive(can_import) import_now=Callback::new(import_now)/>
            {move || start.value().get().and_then(|r| r.err()).map(|e| view! { <p class="error" role="alert">{error_text(&e)}</p> })}
        </section>
    }
}

/// The uploaded file's columns and first rows, and what is wrong with it.
/// A file that is text but not UTF-8 is offered the encodings it can be
/// read in (`read_as`); a file read so says from which.
#[component]
fn Preview(
    preview: UploadPreview,
    read_as: Callback<TextEncoding>,
    reading: Memo<bool>,
) -> impl IntoView {
    let problems = preview.problems.clone();
    let encodings = preview.encodings.clone();
    view! {
        <div class="preview">
            <p>
                <strong>{preview.file_name.clone()}</strong>
                {format!(": {} users, {} columns", count(preview.row_count as i64), preview.columns.len())}
            </p>
            {preview.decoded_from.map(|e| view! {
                <p class="hint">{format!("Read as {} and converted to UTF-8.", e.label())}</p>
            })}
            {(!problems.is_empty()).then(|| view! {
                <ul class="problems" role="alert">
                    {problems.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}
                </ul>
            })}
            {(!encodings.is_empty()).then(|| view! {
                <div class="encoding-offer">
                    <p>"The file may be text saved in another encoding: Excel's \"CSV (Comma delimited)\" saves Windows-1252. Read it as:"</p>
                    {encodings.into_iter().map(|e| view! {
                        <button type="button" disabled=move || reading.get() on:click=move |_| read_as.run(e)>
                            {format!("Read as {}", e.label())}
                        </button>
                    }).collect_view()}
                    <p class="hint">"Or save it from Excel as \"CSV UTF-8 (Comma delimited)\" and upload it again."</p>
                </div>
            })}
            {(!preview.custom_attributes.is_empty()).then(|| view! {
                <p class="hint">{format!("Custom profile attributes: {}", preview.custom_attributes.join(", "))}</p>
            })}
            <table class="grid preview-rows">
                <thead><tr>{preview.columns.iter().map(|c| view! { <th>{c.clone()}</th> }).collect_view()}</tr></thead>
                <tbody>
                    {preview.rows.iter().map(|r| view! {
                        <tr>{r.iter().map(|v| view! { <td>{v.clone()}</td> }).collect_view()}</tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

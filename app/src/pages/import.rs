//! The Import tab of a CSV app: drop zone and preview, Import Now with live
//! progress, the summary and row errors, the import queue and the history.

use crate::api::imports::{
    list_queue, list_row_errors, list_runs, ApplyPreview, ClearUnconfirmed, ConfirmAssignments,
    SetQueueAction, StartImport,
};
use crate::api::people::list_people;
use crate::components::{count, error_text, Pager};
use crate::wire::{PlanView, QueueRowView, RunView, UploadView};
use leptos::prelude::*;
use std::collections::BTreeSet;

/// Sends a file to the upload route and shows what the server found in it.
fn upload_file(
    app_id: String,
    file: web_sys::File,
    preview: RwSignal<Option<UploadView>>,
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
                    .json::<UploadView>()
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
pub fn ImportTab(app_id: String) -> impl IntoView {
    let preview = RwSignal::new(None::<UploadView>);
    let upload_error = RwSignal::new(None::<String>);
    let uploading = RwSignal::new(false);
    let dragging = RwSignal::new(false);
    let import_type = RwSignal::new("Full".to_string());
    let tick = RwSignal::new(0u64);
    let start = ServerAction::<StartImport>::new();
    let confirm = ServerAction::<ConfirmAssignments>::new();
    let clear = ServerAction::<ClearUnconfirmed>::new();
    let clear_dialog = RwSignal::new(false);
    let apply = ServerAction::<ApplyPreview>::new();
    let set_action = ServerAction::<SetQueueAction>::new();

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
    // Reload the queue when an import ends or rows are confirmed.
    let finished = Memo::new(move |_| {
        runs.get()
            .and_then(Result::ok)
            .map(|rs| rs.iter().filter(|r| !r.is_active()).count())
            .unwrap_or(0)
    });
    let queue_filter = RwSignal::new(String::new());
    let queue_offset = RwSignal::new(0i64);
    let queue = Resource::new(
        move || {
            let versions = (
                confirm.version().get(),
                clear.version().get(),
                finished.get(),
                set_action.version().get(),
            );
            (
                id.get_value(),
                queue_filter.get(),
                queue_offset.get(),
                versions,
            )
        },
        |(id, filter, offset, _)| list_queue(id, filter, offset),
    );
    let queue_total = Memo::new(move |_| {
        queue
            .get()
            .and_then(Result::ok)
            .map(|p| p.total)
            .unwrap_or(0)
    });
    let import_active = Memo::new(move |_| {
        runs.get()
            .and_then(Result::ok)
            .is_some_and(|rs| rs.iter().any(RunView::is_active))
    });
    let selected = RwSignal::new(BTreeSet::<i64>::new());
    let select_all = RwSignal::new(false);
    let activate = RwSignal::new(false);

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
    let can_import =
        move || preview.get().is_some_and(|p| p.problems.is_empty()) && !uploading.get();
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
    let confirm_now = move |_| {
        let seqs = selected
            .get_untracked()
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        confirm.dispatch(ConfirmAssignments {
            app_id: id.get_value(),
            seqs,
            all: select_all.get_untracked(),
            match_type: queue_filter.get_untracked(),
            activate: activate.get_untracked(),
        });
        selected.set(BTreeSet::new());
        select_all.set(false);
    };
    // Only the chosen rows when some are ticked; otherwise the whole queue.
    let clear_only_selected = move || !select_all.get() && !selected.get().is_empty();
    let clear_tally = move || {
        if clear_only_selected() {
            selected.get().len() as i64
        } else {
            queue_total.get()
        }
    };
    let clear_now = move |_| {
        let only_selected = clear_only_selected();
        let seqs = selected
            .get_untracked()
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        clear.dispatch(ClearUnconfirmed {
            app_id: id.get_value(),
            seqs,
            all: !only_selected,
            match_type: if select_all.get_untracked() {
                queue_filter.get_untracked()
            } else {
                String::new()
            },
        });
        clear_dialog.set(false);
        selected.set(BTreeSet::new());
        select_all.set(false);
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
            {move || upload_error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            {move || preview.get().map(|p| view! { <Preview preview=p/> })}
            <div class="import-actions">
                <label for="import-type">"Import type"</label>
                <select id="import-type" on:change=move |ev| import_type.set(event_target_value(&ev))>
                    <option value="Full" selected>"Full"</option>
                    <option value="Incremental">"Incremental"</option>
                </select>
                <button type="button" class="primary" disabled=move || !can_import() on:click=move |_| import_now(false)>
                    "Import Now"
                </button>
                <button type="button" disabled=move || !can_import() on:click=move |_| import_now(true)
                    title="Runs the import without changing anything and shows what it would do">
                    "Preview"
                </button>
            </div>
            {move || start.value().get().and_then(|r| r.err()).map(|e| view! { <p class="error" role="alert">{error_text(&e)}</p> })}
            {move || apply.value().get().and_then(|r| r.err()).map(|e| view! { <p class="error" role="alert">{error_text(&e)}</p> })}
        </section>

        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let runs = runs.await.unwrap_or_default();
                view! { <RunStatus runs apply/> }
            })}
        </Transition>

        <section class="card queue">
            <h2>"Import queue"</h2>
            <div class="toolbar">
                <label for="queue-filter">"Show"</label>
                <select id="queue-filter" on:change=move |ev| {
                    queue_filter.set(event_target_value(&ev));
                    queue_offset.set(0);
                }>
                    <option value="">"All"</option>
                    <option value="NEW">"New"</option>
                    <option value="EXACT">"Exact match"</option>
                    <option value="PARTIAL">"Partial match"</option>
                    <option value="CONFLICT">"Conflict"</option>
                </select>
                <label class="check">
                    <input type="checkbox" prop:checked=move || activate.get() on:change=move |ev| activate.set(event_target_checked(&ev))/>
                    "Automatically activate new users"
                </label>
                <button
                    type="button"
                    class="primary"
                    disabled=move || selected.get().is_empty() && !select_all.get()
                    on:click=confirm_now
                >
                    "Confirm Assignments"
                </button>
                <button
                    type="button"
                    disabled=move || import_active.get() || queue_total.get() == 0
                    title=move || import_active.get().then_some("Available when the running import ends")
                    on:click=move |_| clear_dialog.set(true)
                >
                    "Clear Unconfirmed Users"
                </button>
            </div>
            {move || clear_dialog.get().then(|| view! {
                <div class="dialog" role="dialog" aria-label="Clear Unconfirmed Users">
                    <p>
                        {move || if clear_only_selected() {
                            format!("Clear the {} selected unconfirmed users from the import queue?", count(clear_tally()))
                        } else {
                            format!("Clear all {} unconfirmed users from the import queue?", count(clear_tally()))
                        }}
                    </p>
                    <p class="hint">"Their app accounts stay staged; a full import restores the queue."</p>
                    <button type="button" class="primary" on:click=clear_now>"Clear Import Results"</button>
                    <button type="button" on:click=move |_| clear_dialog.set(false)>"Cancel"</button>
                </div>
            })}
            {move || clear.value().get().map(|r| match r {
                Ok(n) => view! { <p class="status" role="status">{format!("Cleared {} unconfirmed users.", count(n))}</p> }.into_any(),
                Err(e) => view! { <p class="error" role="alert">{error_text(&e)}</p> }.into_any(),
            })}
            {move || confirm.value().get().map(|r| match r {
                Ok(c) => view! {
                    <p class="status" role="status">
                        {format!(
                            "Confirmed: {} users created ({} activated), {} linked to existing users, {} ignored{}.",
                            count(c.created), count(c.activated), count(c.linked), count(c.ignored),
                            if c.skipped > 0 { format!(", {} left for review", count(c.skipped)) } else { String::new() },
                        )}
                    </p>
                }.into_any(),
                Err(e) => view! { <p class="error" role="alert">{error_text(&e)}</p> }.into_any(),
            })}
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match queue.await {
                        Err(e) => view! { <p class="error">{error_text(&e)}</p> }.into_any(),
                        Ok(page) if page.items.is_empty() => view! { <p class="empty">"No unconfirmed users."</p> }.into_any(),
                        Ok(page) => {
                            let total = page.total;
                            let page_seqs: Vec<i64> = page.items.iter().map(|r| r.seq).collect();
                            view! {
                                <label class="check select-all">
                                    <input type="checkbox" prop:checked=move || select_all.get() on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        select_all.set(on);
                                        selected.set(if on { page_seqs.iter().copied().collect() } else { BTreeSet::new() });
                                    }/>
                                    {format!("Select all {} unconfirmed users", count(total))}
                                </label>
                                <table class="grid queue-rows">
                                    <thead><tr><th></th><th>"User"</th><th>"Login"</th><th>"Email"</th><th>"Match"</th><th>"Existing user"</th><th>"Action"</th></tr></thead>
                                    <tbody>
                                        {page.items.into_iter().map(|row| {
                                            let seq = row.seq;
                                            let label = format!("Select {}", row.login);
                                            let decision = row.clone();
                                            let existing = existing_text(&row);
                                            view! {
                                                <tr data-match=row.match_type.clone()>
                                                    <td><input type="checkbox" aria-label=label
                                                        prop:checked=move || select_all.get() || selected.get().contains(&seq)
                                                        on:change=move |ev| {
                                                            let on = event_target_checked(&ev);
                                                            if !on { select_all.set(false); }
                                                            selected.update(|s| { if on { s.insert(seq); } else { s.remove(&seq); } });
                                                        }/></td>
                                                    <td>{format!("{} {}", row.first_name, row.last_name)}</td>
                                                    <td>{row.login}</td>
                                                    <td>{row.email}</td>
                                                    <td><span class=format!("badge {}", row.match_type.to_lowercase())>{row.match_label}</span></td>
                                                    <td>{existing}</td>
                                                    <td><RowDecision row=decision app_id=id.get_value() set_action/></td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                                <Pager offset=queue_offset total=total limit=page.limit/>
                            }.into_any()
                        }
                    }
                })}
            </Transition>
        </section>
    }
}

/// The uploaded file's columns and first rows, and what is wrong with it.
#[component]
fn Preview(preview: UploadView) -> impl IntoView {
    let problems = preview.problems.clone();
    view! {
        <div class="preview">
            <p>
                <strong>{preview.file_name.clone()}</strong>
                {format!(": {} users, {} columns", count(preview.row_count as i64), preview.columns.len())}
            </p>
            {(!problems.is_empty()).then(|| view! {
                <ul class="problems" role="alert">
                    {problems.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}
                </ul>
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

fn progress_text(r: &RunView) -> String {
    let total = r
        .total
        .map(|t| format!(" of {}", count(t)))
        .unwrap_or_default();
    let rate = r
        .rate
        .map(|v| format!(" ({} rows/s)", count(v as i64)))
        .unwrap_or_default();
    format!("Importing: {} rows read{total}{rate}", count(r.scanned))
}

fn summary_text(r: &RunView) -> String {
    format!(
        "{} users scanned: {} new, {} updated, {} unchanged, {} matched, {} in error. 0 groups imported.",
        count(r.scanned),
        count(r.new),
        count(r.updated),
        count(r.unchanged),
        count(r.matched),
        count(r.errors)
    )
}

/// Running and queued imports, the last summary with its row errors, and
/// the history.
#[component]
fn RunStatus(runs: Vec<RunView>, apply: ServerAction<ApplyPreview>) -> impl IntoView {
    let active: Vec<RunView> = runs.iter().filter(|r| r.is_active()).cloned().collect();
    let last = runs.iter().find(|r| !r.is_active()).cloned();
    view! {
        <section class="card runs">
            <h2>"Imports"</h2>
            {active.into_iter().rev().map(|r| if r.status == "RUNNING" {
                view! {
                    <div class="progress" role="status">
                        <p>{progress_text(&r)}</p>
                        <progress max=r.total.unwrap_or(0) value=r.scanned></progress>
                    </div>
                }.into_any()
            } else {
                view! { <p class="queued" role="status">{format!("{} import queued: it starts when the running import ends.", r.import_type)}</p> }.into_any()
            }).collect_view()}
            {last.clone().map(|r| {
                let ok = r.status == "COMPLETED";
                let heading = match (r.status.as_str(), r.preview) {
                    ("COMPLETED", true) => "Preview: nothing was changed",
                    ("COMPLETED", false) => "Import complete",
                    ("PAUSED", _) => "Import paused at a safeguard",
                    _ => "Import failed",
                };
                let class = match r.status.as_str() {
                    "COMPLETED" => "summary",
                    "PAUSED" => "summary paused",
                    _ => "summary failed",
                };
                let run_id = r.id.clone();
                view! {
                    <div class=class role="status" data-testid="run-summary">
                        <h3>{heading}</h3>
                        <p>{summary_text(&r)}</p>
                        {r.message.clone().map(|m| view! { <p class=if ok { "hint" } else { "error" }>{m}</p> })}
                        {r.plan.clone().map(|plan| view! { <PlanDiff plan/> })}
                        {(r.preview && ok).then(|| view! {
                            <button type="button" class="primary" disabled=move || apply.pending().get()
                                on:click=move |_| { apply.dispatch(ApplyPreview { run_id: run_id.clone() }); }>
                                "Apply"
                            </button>
                        })}
                        {(r.errors > 0).then(|| view! { <RowErrors run_id=r.id.clone()/> })}
                    </div>
                }
            })}
            {(!runs.is_empty()).then(|| view! {
                <details class="history">
                    <summary>"Import history"</summary>
                    <table class="grid">
                        <thead><tr><th>"Requested"</th><th>"Type"</th><th>"Trigger"</th><th>"Status"</th><th>"Scanned"</th><th>"New"</th><th>"Updated"</th><th>"Unchanged"</th><th>"Matched"</th><th>"Errors"</th></tr></thead>
                        <tbody>
                            {runs.iter().map(|r| view! {
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
            })}
        </section>
    }
}

/// The rows of a run that could not be imported.
#[component]
fn RowErrors(run_id: String) -> impl IntoView {
    let offset = RwSignal::new(0i64);
    let rid = StoredValue::new(run_id.clone());
    let errors = Resource::new(
        move || (rid.get_value(), offset.get()),
        |(id, o)| list_row_errors(id, o),
    );
    view! {
        <div class="row-errors">
            <a class="button" href=format!("/console/runs/{run_id}/errors.csv") download="import-errors.csv">"Download error report"</a>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    errors.await.ok().map(|page| view! {
                        <table class="grid errors">
                            <thead><tr><th>"Line"</th><th>"Column"</th><th>"Value"</th><th>"Error"</th></tr></thead>
                            <tbody>
                                {page.items.into_iter().map(|e| view! {
                                    <tr>
                                        <td>{e.line.map(|l| l.to_string()).unwrap_or_default()}</td>
                                        <td>{e.field.unwrap_or_default()}</td>
                                        <td>{e.value.unwrap_or_default()}</td>
                                        <td>{e.message}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                        <Pager offset total=page.total limit=page.limit/>
                    })
                })}
            </Transition>
        </div>
    }
}

/// What the Existing user column shows: the match, or the candidates.
fn existing_text(row: &QueueRowView) -> String {
    if let Some(login) = &row.matched_user_login {
        return login.clone();
    }
    match row.candidate_logins.len() {
        0 => String::new(),
        1 => row.candidate_logins.join(""),
        n => format!("{n} candidates: {}", row.candidate_logins.join(", ")),
    }
}

/// A plan as a diff: each part with its users and what happens to them.
#[component]
fn PlanDiff(plan: PlanView) -> impl IntoView {
    view! {
        <div class="plan" data-testid="plan">
            {plan.roadblock.map(|r| view! { <p class="error" role="alert">{r}</p> })}
            {plan.sections.is_empty().then(|| view! { <p class="empty">"Nothing to change."</p> })}
            {plan.sections.into_iter().map(|s| {
                let shown = s.rows.len() as i64;
                view! {
                    <details class=format!("plan-section {}", s.key) open=true data-section=s.key.clone()>
                        <summary>{format!("{} ({})", s.title, count(s.total))}</summary>
                        <table class="grid">
                            <tbody>
                                {s.rows.into_iter().map(|(user, what)| view! { <tr><td>{user}</td><td>{what}</td></tr> }).collect_view()}
                            </tbody>
                        </table>
                        {(s.total > shown).then(|| view! { <p class="hint">{format!("and {} more", count(s.total - shown))}</p> })}
                    </details>
                }
            }).collect_view()}
        </div>
    }
}

/// A queue row's decision: as its match type says, create a new user, link
/// to the match or to a user the admin searches for, or ignore.
#[component]
fn RowDecision(
    row: QueueRowView,
    app_id: String,
    set_action: ServerAction<SetQueueAction>,
) -> impl IntoView {
    let seq = row.seq;
    let app = StoredValue::new(app_id);
    let searching = RwSignal::new(false);
    let query = RwSignal::new(String::new());
    let found = Resource::new(
        move || query.get(),
        |q| async move {
            if q.trim().chars().count() < 2 {
                return Ok(Vec::new());
            }
            list_people(q, 0).await.map(|p| p.items)
        },
    );
    let default_label = match (row.match_type.as_str(), &row.matched_user_login) {
        ("NEW", _) => "Create new user".to_string(),
        (_, Some(login)) => format!("Link to {login}"),
        _ => "Choose a user".to_string(),
    };
    let current = match (row.action.as_deref(), &row.action_user_login) {
        (Some("LINK"), Some(_)) => "SEARCH",
        (Some(a), _) => a,
        (None, _) => "",
    }
    .to_string();
    let chosen = row.action_user_login.clone();
    let send = move |action: &str, user_id: String| {
        set_action.dispatch(SetQueueAction {
            app_id: app.get_value(),
            seq,
            action: action.into(),
            user_id,
        });
    };
    let login = row.login.clone();
    view! {
        <div class="decision">
            <select aria-label=format!("Action for {login}") on:change=move |ev| {
                let v = event_target_value(&ev);
                if v == "SEARCH" {
                    searching.set(true);
                } else {
                    searching.set(false);
                    send(&v, String::new());
                }
            }>
                <option value="" selected=current.is_empty()>{default_label}</option>
                <option value="CREATE" selected=current == "CREATE">"Create new user"</option>
                {row.matched_user_login.clone().map(|l| view! { <option value="LINK" selected=current == "LINK">{format!("Link to {l}")}</option> })}
                <option value="SEARCH" selected=current == "SEARCH">"Link to another user…"</option>
                <option value="IGNORE" selected=current == "IGNORE">"Ignore"</option>
            </select>
            {chosen.map(|l| view! { <span class="chosen">{format!("→ {l}")}</span> })}
            <Show when=move || searching.get()>
                <div class="user-search">
                    <input type="search" placeholder="Search people by name, login or email" aria-label=format!("Find a user for {}", row.login)
                        on:input=move |ev| query.set(event_target_value(&ev))/>
                    <Transition fallback=|| ()>
                        {move || Suspend::new(async move {
                            let users = found.await.unwrap_or_default();
                            view! {
                                <ul class="search-results">
                                    {users.into_iter().take(8).map(|u| {
                                        let uid = u.id.clone();
                                        view! {
                                            <li><button type="button" class="link-user" on:click=move |_| {
                                                searching.set(false);
                                                send("LINK", uid.clone());
                                            }>{format!("{} {} ({})", u.first_name, u.last_name, u.login)}</button></li>
                                        }
                                    }).collect_view()}
                                </ul>
                            }
                        })}
                    </Transition>
                </div>
            </Show>
        </div>
    }
}

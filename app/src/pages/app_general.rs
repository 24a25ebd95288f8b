//! An app's General tab: its facts, its label (renamed with Edit), and its
//! status: Deactivate / Activate, and Delete once deactivated, with a dialog
//! that says what deleting does to its accounts.

use crate::api::apps::{ActivateApp, DeactivateApp, DeleteApp, RenameApp};
use crate::components::{count, error_text, Moment};
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use proto::{App, AppStatus};

/// "1 account", "3 accounts".
fn counted(n: i64, one: &str, many: &str) -> String {
    format!("{} {}", count(n), if n == 1 { one } else { many })
}

/// What the Delete dialog says deleting the app does.
pub fn deletion_text(app: &App) -> String {
    format!(
        "Delete {}? It holds {}: they are unlinked from their Muster users, and its {} and {} are removed with its import history. The people stay in the directory.",
        app.name,
        counted(app.accounts, "account", "accounts"),
        counted(app.assigned_users, "assignment", "assignments"),
        counted(app.unconfirmed, "unconfirmed user", "unconfirmed users"),
    )
}

/// `reload` is bumped after a change, so the page shows the app anew.
#[component]
pub fn AppGeneral(app: App, reload: RwSignal<u32>) -> impl IntoView {
    let app = StoredValue::new(app);
    let rename = ServerAction::<RenameApp>::new();
    let deactivate = ServerAction::<DeactivateApp>::new();
    let activate = ServerAction::<ActivateApp>::new();
    let delete = ServerAction::<DeleteApp>::new();
    let editing = RwSignal::new(false);
    let name = RwSignal::new(app.with_value(|a| a.name.clone()));
    let confirm_delete = RwSignal::new(false);
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(_)) = rename.value().get() {
            editing.set(false);
            reload.update(|n| *n += 1);
        }
    });
    Effect::new(move |_| {
        let changed = matches!(deactivate.value().get(), Some(Ok(_)))
            || matches!(activate.value().get(), Some(Ok(_)));
        if changed {
            reload.update(|n| *n += 1);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(_)) = delete.value().get() {
            navigate("/apps", Default::default());
        }
    });
    let id = move || app.with_value(|a| a.id.clone());
    let active = app.with_value(|a| a.status == AppStatus::Active);
    let status_error = move || {
        [
            deactivate.value().get(),
            activate.value().get(),
            delete.value().get(),
        ]
        .into_iter()
        .flatten()
        .find_map(|r| r.err())
        .map(|e| error_text(&e))
    };
    let save_name = move || {
        rename.dispatch(RenameApp {
            app_id: id(),
            name: name.get_untracked(),
        });
    };
    view! {
        <section class="card" data-section="app-settings">
            <div class="section-head">
                <h2>"App Settings"</h2>
                <div class="section-actions">
                    <Show when=move || !editing.get()>
                        <button type="button" on:click=move |_| {
                            name.set(app.with_value(|a| a.name.clone()));
                            rename.value().set(None);
                            editing.set(true);
                        }>"Edit"</button>
                    </Show>
                </div>
            </div>
            <Show when=move || editing.get() fallback=move || app.with_value(|a| view! {
                <dl class="facts">
                    <dt>"Application label"</dt><dd>{a.name.clone()}</dd>
                    <dt>"Application type"</dt><dd>{a.kind.label()}</dd>
                    <dt>"Status"</dt><dd>{a.status.as_str()}</dd>
                    <dt>"Created"</dt><dd><Moment at=a.created/></dd>
                    <dt>"Accounts"</dt><dd>{count(a.accounts)}</dd>
                    <dt>"Assigned users"</dt><dd>{count(a.assigned_users)}</dd>
                    <dt>"Unconfirmed users"</dt><dd>{count(a.unconfirmed)}</dd>
                </dl>
            })>
                <form class="form" on:submit=move |ev| {
                    ev.prevent_default();
                    save_name();
                }>
                    <div class="field">
                        <label for="app-label">"Application label"</label>
                        <input id="app-label" type="text" required maxlength="100" class="wide"
                            prop:value=move || name.get()
                            aria-invalid=move || rename.value().get().is_some_and(|r| r.is_err()).then_some("true")
                            on:input=move |ev| name.set(event_target_value(&ev))/>
                        {move || rename.value().get().and_then(|r| r.err()).map(|e| view! {
                            <span class="field-error" role="alert">{error_text(&e)}</span>
                        })}
                    </div>
                    <div class="actions">
                        <button type="submit" class="primary" disabled=move || rename.pending().get()>"Save"</button>
                        <button type="button" on:click=move |_| {
                            rename.value().set(None);
                            editing.set(false);
                        }>"Cancel"</button>
                    </div>
                </form>
            </Show>
        </section>
        <section class="card" data-section="app-status">
            <div class="section-head"><h2>"Status"</h2></div>
            {if active {
                view! {
                    <p>"Active: the app imports on request and on its schedules."</p>
                    <div class="actions">
                        <button type="button" disabled=move || deactivate.pending().get()
                            on:click=move |_| { deactivate.dispatch(DeactivateApp { app_id: id() }); }>"Deactivate"</button>
                        <button type="button" disabled aria-describedby="delete-reason">"Delete"</button>
                        <span class="hint reason" id="delete-reason">"Deactivate the app before deleting it"</span>
                    </div>
                }.into_any()
            } else {
                view! {
                    <p>"Inactive: the app imports nothing, on request or on schedule, until it is activated."</p>
                    <div class="actions">
                        <button type="button" disabled=move || activate.pending().get()
                            on:click=move |_| { activate.dispatch(ActivateApp { app_id: id() }); }>"Activate"</button>
                        <button type="button" on:click=move |_| {
                            delete.value().set(None);
                            confirm_delete.set(true);
                        }>"Delete"</button>
                    </div>
                }.into_any()
            }}
            <Show when=move || confirm_delete.get()>
                <div class="dialog" role="dialog" aria-label="Delete app">
                    <p>{app.with_value(deletion_text)}</p>
                    <p class="hint">"Those whose profile it sourced can be edited in Muster afterwards. Deleting is refused while an import of the app runs or waits."</p>
                    <button type="button" class="primary danger" disabled=move || delete.pending().get()
                        on:click=move |_| { delete.dispatch(DeleteApp { app_id: id() }); }>"Delete"</button>
                    <button type="button" on:click=move |_| confirm_delete.set(false)>"Cancel"</button>
                </div>
            </Show>
            {move || status_error().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delete_dialog_counts_what_goes() {
        let app = App {
            id: "0oa1".into(),
            name: "HR".into(),
            kind: proto::AppKind::CsvDirectory,
            status: AppStatus::Inactive,
            created: chrono::Utc::now(),
            assigned_users: 1,
            unconfirmed: 0,
            accounts: 1200,
        };
        assert_eq!(
            deletion_text(&app),
            "Delete HR? It holds 1,200 accounts: they are unlinked from their Muster users, and its 1 assignment and 0 unconfirmed users are removed with its import history. The people stay in the directory."
        );
    }
}

//! A SCIM app's To App settings (Provisioning → To App): what Muster
//! writes to the app for the people assigned to it. Read-only until Edit;
//! Save keeps them, Cancel drops the edit.

use crate::api::scim::{get_scim_connection, SaveToApp};
use crate::components::error_text;
use leptos::prelude::*;
use proto::scim::ToApp;

#[component]
pub fn ToAppSettings(app_id: String) -> impl IntoView {
    let id = StoredValue::new(app_id);
    let loaded = Resource::new(move || id.get_value(), get_scim_connection);
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match loaded.await {
                    Err(e) => view! { <p class="error">{error_text(&e)}</p> }.into_any(),
                    Ok(c) if !c.settings.enabled => view! {
                        <section class="card">
                            <h2>"Provisioning to App"</h2>
                            <p class="empty">
                                "Enable the API integration first: "
                                <a href=format!("/apps/{}/provisioning?settings=api", id.get_value())>"API Integration"</a>
                            </p>
                        </section>
                    }.into_any(),
                    Ok(c) => view! { <ToAppForm app_id=id.get_value() initial=c.settings.to_app/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

type Flag = fn(&mut ToApp) -> &mut bool;

#[component]
fn ToAppForm(app_id: String, initial: ToApp) -> impl IntoView {
    let id = StoredValue::new(app_id);
    let saved = RwSignal::new(initial);
    let draft = RwSignal::new(initial);
    let editing = RwSignal::new(false);
    let save = ServerAction::<SaveToApp>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = save.value().get() {
            saved.set(draft.get_untracked());
            editing.set(false);
        }
    });
    let option = move |field: &'static str, label: &'static str, hint: &'static str, flag: Flag| {
        view! {
            <label class="check check-row" for=field>
                <input type="checkbox" id=field disabled=move || !editing.get()
                    prop:checked=move || draft.with(|d| *flag(&mut d.clone()))
                    on:change=move |ev| { let on = event_target_checked(&ev); draft.update(|d| *flag(d) = on); }/>
                {label}
            </label>
            <p class="hint">{hint}</p>
        }
    };
    view! {
        <section class="card to-app">
            <div class="section-head">
                <h2>"Provisioning to App"</h2>
                <div class="section-actions">
                    {move || if editing.get() {
                        view! {
                            <button type="button" class="primary" disabled=move || save.pending().get() on:click=move |_| {
                                save.dispatch(SaveToApp { app_id: id.get_value(), to_app: draft.get_untracked() });
                            }>"Save"</button>
                            <button type="button" on:click=move |_| { draft.set(saved.get_untracked()); editing.set(false); }>"Cancel"</button>
                        }.into_any()
                    } else {
                        view! { <button type="button" on:click=move |_| editing.set(true)>"Edit"</button> }.into_any()
                    }}
                </div>
            </div>
            <div class="settings-form">
                {option("to-app-create", "Create Users", "A person assigned to the app gets an account there, with a random password; when the app has an account with their username, it is linked instead.", |t| &mut t.create_users)}
                {option("to-app-update", "Update User Attributes", "Changes to an assigned person's profile are pushed to the app, overwriting changes made there.", |t| &mut t.update_attributes)}
                {option("to-app-deactivate", "Deactivate Users", "Unassigning a person, or deactivating them in Muster, deactivates their account in the app; reassigning them reactivates it.", |t| &mut t.deactivate_users)}
                {option("to-app-exclude-username", "Exclude Username Updates", "The app keeps the username it has when the person's username changes in Muster.", |t| &mut t.exclude_username_updates)}
            </div>
            {move || save.value().get().and_then(|r| r.err()).map(|e| view! { <p class="error" role="alert">{error_text(&e)}</p> })}
        </section>
    }
}

//! A SCIM app's API Integration (Provisioning → API Integration): Enable
//! API integration, the app's SCIM base URL and how to sign in to it,
//! Push Null Values and Import Groups. Test API Credentials tries what is
//! on the form; Save keeps it. The token or password is typed, never
//! shown: a stored one is kept until another is typed.

use super::connection::TestResult;
use crate::api::scim::{
    get_scim_connection, ImportUserSchema, SaveScimConnection, TestScimConnection,
};
use crate::components::error_text;
use leptos::prelude::*;
use proto::scim::{ScimAuth, ScimConnection};

#[component]
pub fn ApiIntegration(app_id: String) -> impl IntoView {
    let id = StoredValue::new(app_id);
    let loaded = Resource::new(move || id.get_value(), get_scim_connection);
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match loaded.await {
                    Err(e) => view! { <p class="error">{error_text(&e)}</p> }.into_any(),
                    Ok(c) => {
                        let schema = c.user_schema.clone();
                        view! {
                            <IntegrationForm app_id=id.get_value() initial=c/>
                            <UserSchema app_id=id.get_value() initial=schema/>
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

#[component]
fn IntegrationForm(app_id: String, initial: ScimConnection) -> impl IntoView {
    let id = StoredValue::new(app_id);
    let draft = RwSignal::new(initial.settings.clone());
    // Import Groups as saved: clearing it then asks first.
    let groups_saved = RwSignal::new(initial.settings.import_groups);
    let asking_groups = RwSignal::new(false);
    let secret = RwSignal::new(String::new());
    let secret_set = RwSignal::new(initial.secret_set);
    let save = ServerAction::<SaveScimConnection>::new();
    let test = ServerAction::<TestScimConnection>::new();
    let saved_note = RwSignal::new(false);
    Effect::new(move |_| {
        if let Some(Ok(())) = save.value().get() {
            if !secret.get_untracked().is_empty() {
                secret_set.set(true);
            }
            secret.set(String::new());
            groups_saved.set(draft.with_untracked(|d| d.import_groups));
            saved_note.set(true);
        }
    });
    let typed = move || Some(secret.get_untracked()).filter(|s| !s.is_empty());
    let changed = move || saved_note.set(false);
    let basic = move || draft.with(|d| d.auth == ScimAuth::Basic);

    view! {
        <section class="card connection api-integration">
            <h2>"API Integration"</h2>
            <form class="settings-form" on:submit=move |ev| {
                ev.prevent_default();
                save.dispatch(SaveScimConnection { app_id: id.get_value(), settings: draft.get_untracked(), secret: typed() });
            }>
                <label class="check check-row" for="scim-enabled">
                    <input type="checkbox" id="scim-enabled" prop:checked=move || draft.with(|d| d.enabled)
                        on:change=move |ev| { let on = event_target_checked(&ev); draft.update(|d| d.enabled = on); changed(); }/>
                    "Enable API integration"
                </label>
                <p class="hint">"Muster reads the app's users and groups (To Muster) and provisions to it (To App) only while this is on."</p>
                <div class="fields" hidden=move || draft.with(|d| !d.enabled)>
                    <label for="scim-base-url">"Base URL"</label>
                    <input id="scim-base-url" type="url" placeholder="https://app.example.com/scim/v2"
                        prop:value=move || draft.with(|d| d.base_url.clone())
                        on:input=move |ev| { let v = event_target_value(&ev); draft.update(|d| d.base_url = v); changed(); }/>
                    <p class="hint">"The app's SCIM 2.0 endpoint, under which /Users, /Groups and /ServiceProviderConfig are."</p>
                    <label for="scim-auth">"Authentication"</label>
                    <select id="scim-auth" on:change=move |ev| {
                        let auth = match event_target_value(&ev).as_str() {
                            "Basic" => ScimAuth::Basic,
                            _ => ScimAuth::Bearer,
                        };
                        draft.update(|d| d.auth = auth);
                        changed();
                    }>
                        <option value="Bearer" selected=move || !basic()>"Token (HTTP Bearer)"</option>
                        <option value="Basic" selected=basic>"Username and password (HTTP Basic)"</option>
                    </select>
                    {move || basic().then(|| view! {
                        <label for="scim-username">"Username"</label>
                        <input id="scim-username" type="text" autocomplete="off"
                            prop:value=move || draft.with(|d| d.username.clone())
                            on:input=move |ev| { let v = event_target_value(&ev); draft.update(|d| d.username = v); changed(); }/>
                    })}
                    <label for="scim-secret">{move || if basic() { "Password" } else { "Token" }}</label>
                    <input id="scim-secret" type="password" autocomplete="new-password"
                        placeholder=move || if secret_set.get() { "Stored: type a new one to replace it" } else { "" }
                        prop:value=move || secret.get()
                        on:input=move |ev| secret.set(event_target_value(&ev))/>
                    <label class="check check-row" for="scim-push-nulls">
                        <input type="checkbox" id="scim-push-nulls" prop:checked=move || draft.with(|d| d.push_null_values)
                            on:change=move |ev| { let on = event_target_checked(&ev); draft.update(|d| d.push_null_values = on); changed(); }/>
                        "Push Null Values"
                    </label>
                    <p class="hint">"An attribute emptied in Muster is cleared in the app (sent as null) rather than left as it was."</p>
                    <label class="check check-row" for="scim-import-groups">
                        <input type="checkbox" id="scim-import-groups" prop:checked=move || draft.with(|d| d.import_groups)
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                if !on && groups_saved.get_untracked() {
                                    // Undone until the admin says Continue.
                                    asking_groups.set(true);
                                    draft.update(|d| d.import_groups = true);
                                } else {
                                    draft.update(|d| d.import_groups = on);
                                }
                                changed();
                            }/>
                        "Import Groups"
                    </label>
                    <p class="hint">"The app's groups and their members are imported with its users."</p>
                    {move || asking_groups.get().then(|| view! {
                        <div class="dialog" role="alertdialog" aria-labelledby="disable-groups-title">
                            <h3 id="disable-groups-title">"Disable Import Groups"</h3>
                            <p>"The groups imported from this app are removed from Muster when you save, with their members' memberships. Later imports read no groups."</p>
                            <div class="form-actions">
                                <button type="button" on:click=move |_| asking_groups.set(false)>"Cancel"</button>
                                <button type="button" class="primary" on:click=move |_| {
                                    draft.update(|d| d.import_groups = false);
                                    asking_groups.set(false);
                                }>"Continue"</button>
                            </div>
                        </div>
                    })}
                    <label for="scim-timeout">"Timeout (seconds)"</label>
                    <input id="scim-timeout" type="number" min="1" max="300"
                        prop:value=move || draft.with(|d| d.timeout_seconds.to_string())
                        on:input=move |ev| {
                            let v = event_target_value(&ev);
                            draft.update(|d| d.timeout_seconds = v.trim().parse().unwrap_or(0));
                            changed();
                        }/>
                </div>
                <div class="form-actions">
                    <button type="button" hidden=move || draft.with(|d| !d.enabled) disabled=move || test.pending().get() on:click=move |_| {
                        test.dispatch(TestScimConnection { app_id: id.get_value(), settings: draft.get_untracked(), secret: typed() });
                    }>{move || if test.pending().get() { "Testing…" } else { "Test API Credentials" }}</button>
                    <button type="submit" class="primary" disabled=move || save.pending().get()>"Save"</button>
                </div>
            </form>
            {move || save.value().get().and_then(|r| r.err()).map(|e| view! { <p class="error" role="alert">{error_text(&e)}</p> })}
            {move || saved_note.get().then(|| view! { <p class="status" role="status">"Saved."</p> })}
            {move || match test.value().get() {
                None => None,
                Some(Err(e)) => Some(view! { <p class="error" role="alert">{error_text(&e)}</p> }.into_any()),
                Some(Ok(t)) => Some(view! { <TestResult test=t/> }.into_any()),
            }}
        </section>
    }
}

/// Import User Schema: the app's user attributes, which its attribute
/// mappings (To Muster) can then name.
#[component]
fn UserSchema(app_id: String, initial: Option<Vec<String>>) -> impl IntoView {
    let id = StoredValue::new(app_id);
    let import = ServerAction::<ImportUserSchema>::new();
    let schema = RwSignal::new(initial);
    Effect::new(move |_| {
        if let Some(Ok(attributes)) = import.value().get() {
            schema.set(Some(attributes));
        }
    });
    view! {
        <section class="card user-schema">
            <h2>"User schema"</h2>
            <p class="hint">"Import User Schema reads the attributes the app's users have (its SCIM schemas and their extensions) with the saved API Integration, so the attribute mappings can use them."</p>
            {move || match schema.get() {
                None => view! { <p class="empty">"Not imported yet."</p> }.into_any(),
                Some(attributes) => view! {
                    <p data-testid="user-schema">{format!("{} attributes: {}", attributes.len(), attributes.join(", "))}</p>
                }.into_any(),
            }}
            <button type="button" disabled=move || import.pending().get()
                on:click=move |_| { import.dispatch(ImportUserSchema { app_id: id.get_value() }); }>
                {move || if import.pending().get() { "Importing…" } else { "Import User Schema" }}
            </button>
            {move || import.value().get().and_then(|r| r.err()).map(|e| view! { <p class="error" role="alert">{error_text(&e)}</p> })}
        </section>
    }
}

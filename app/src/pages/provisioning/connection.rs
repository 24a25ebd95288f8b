//! A directory's connection (Directory Integrations): where the server is,
//! how to reach it securely, who to bind as and where the users are. Test
//! Connection tries it step by step with what is on the form; Save keeps
//! it. The bind password is typed, never shown: a stored one is kept until
//! another is typed.

use crate::api::directories::{
    get_directory_connection, SaveDirectoryConnection, TestDirectoryConnection,
};
use crate::components::error_text;
use leptos::prelude::*;
use proto::directory::{ConnectionTest, DirectoryConnection, LdapSettings, Preset, Security};

#[component]
pub fn Connection(app_id: String) -> impl IntoView {
    let id = StoredValue::new(app_id);
    let loaded = Resource::new(move || id.get_value(), get_directory_connection);
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match loaded.await {
                    Err(e) => view! { <p class="error">{error_text(&e)}</p> }.into_any(),
                    Ok(c) => view! { <ConnectionForm app_id=id.get_value() initial=c/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

type Getter = fn(&LdapSettings) -> String;
type Setter = fn(&mut LdapSettings, String);

#[component]
fn ConnectionForm(app_id: String, initial: DirectoryConnection) -> impl IntoView {
    let id = StoredValue::new(app_id);
    let draft = RwSignal::new(initial.settings.clone());
    let password = RwSignal::new(String::new());
    let password_set = RwSignal::new(initial.password_set);
    let save = ServerAction::<SaveDirectoryConnection>::new();
    let test = ServerAction::<TestDirectoryConnection>::new();
    let saved_note = RwSignal::new(false);
    Effect::new(move |_| {
        if let Some(Ok(())) = save.value().get() {
            if !password.get_untracked().is_empty() {
                password_set.set(true);
            }
            password.set(String::new());
            saved_note.set(true);
        }
    });
    let typed = move || Some(password.get_untracked()).filter(|p| !p.is_empty());
    let active_directory = initial.settings.preset == Preset::ActiveDirectory;

    let text = move |label: &'static str,
                     field: &'static str,
                     get: Getter,
                     set: Setter,
                     hint: &'static str| {
        view! {
            <label for=field>{label}</label>
            <input id=field type="text" prop:value=move || draft.with(get)
                on:input=move |ev| { let v = event_target_value(&ev); draft.update(|d| set(d, v)); saved_note.set(false); }/>
            {(!hint.is_empty()).then(|| view! { <p class="hint">{hint}</p> })}
        }
    };
    let number = move |label: &'static str, field: &'static str, get: Getter, set: Setter| {
        view! {
            <label for=field>{label}</label>
            <input id=field type="number" min="1" prop:value=move || draft.with(get)
                on:input=move |ev| { let v = event_target_value(&ev); draft.update(|d| set(d, v)); saved_note.set(false); }/>
        }
    };

    view! {
        <section class="card connection">
            <h2>"Connection"</h2>
            <form class="settings-form" on:submit=move |ev| {
                ev.prevent_default();
                save.dispatch(SaveDirectoryConnection { app_id: id.get_value(), settings: draft.get_untracked(), password: typed() });
            }>
                {text("Host", "ldap-host", |s| s.host.clone(), |s, v| s.host = v, "The server's name or address, e.g. dc1.corp.example.com")}
                {number("Port", "ldap-port", |s| s.port.to_string(), |s, v| s.port = v.trim().parse().unwrap_or(0))}
                <label for="ldap-security">"Security"</label>
                <select id="ldap-security" on:change=move |ev| {
                    let security = match event_target_value(&ev).as_str() {
                        "StartTls" => Security::StartTls,
                        "None" => Security::None,
                        _ => Security::Ldaps,
                    };
                    draft.update(|d| {
                        // The usual port of each, unless another was typed.
                        if matches!(d.port, 389 | 636) {
                            d.port = if security == Security::Ldaps { 636 } else { 389 };
                        }
                        d.security = security;
                    });
                }>
                    <option value="Ldaps" selected=move || draft.with(|d| d.security == Security::Ldaps)>"LDAPS"</option>
                    <option value="StartTls" selected=move || draft.with(|d| d.security == Security::StartTls)>"StartTLS"</option>
                    <option value="None" selected=move || draft.with(|d| d.security == Security::None)>"None"</option>
                </select>
                {move || draft.with(|d| d.security == Security::None).then(|| view! {
                    <p class="warning" role="alert">"Without TLS the bind password and every user read cross the network unencrypted."</p>
                })}
                <label for="ldap-ca">"CA certificate (PEM)"</label>
                <textarea id="ldap-ca" rows="4" class="mono" placeholder="-----BEGIN CERTIFICATE-----"
                    prop:value=move || draft.with(|d| d.ca_pem.clone())
                    on:input=move |ev| { let v = event_target_value(&ev); draft.update(|d| d.ca_pem = v); }></textarea>
                <p class="hint">"Trusted for this directory instead of the system's certificates (for a private CA)."</p>
                {text("Bind DN", "ldap-bind-dn", |s| s.bind_dn.clone(), |s, v| s.bind_dn = v, "")}
                <label for="ldap-password">"Bind password"</label>
                <input id="ldap-password" type="password" autocomplete="new-password"
                    placeholder=move || if password_set.get() { "Stored: type a new one to replace it" } else { "" }
                    prop:value=move || password.get()
                    on:input=move |ev| password.set(event_target_value(&ev))/>
                {text("Users' base DN", "ldap-users-base", |s| s.users_base.clone(), |s, v| s.users_base = v, "")}
                {text("User object class", "ldap-user-class", |s| s.user_class.clone(), |s, v| s.user_class = v, "")}
                {text("User filter", "ldap-user-filter", |s| s.user_filter.clone(), |s, v| s.user_filter = v, "Optional, e.g. (department=Sales)")}
                <label class="check check-row" for="ldap-import-groups">
                    <input type="checkbox" id="ldap-import-groups" prop:checked=move || draft.with(|d| d.import_groups)
                        on:change=move |ev| { let on = event_target_checked(&ev); draft.update(|d| d.import_groups = on); saved_note.set(false); }/>
                    "Import groups"
                </label>
                <p class="hint">"Groups under the groups' base DN and their members, with every import."</p>
                {text("Groups' base DN", "ldap-groups-base", |s| s.groups_base.clone(), |s, v| s.groups_base = v, "")}
                {text("Group object class", "ldap-group-class", |s| s.group_class.clone(), |s, v| s.group_class = v, "One or more, separated by commas, e.g. groupOfNames, posixGroup")}
                {number("Page size", "ldap-page-size", |s| s.page_size.to_string(), |s, v| s.page_size = v.trim().parse().unwrap_or(0))}
                {(!active_directory).then(|| view! {
                    {text("Disabled attribute", "ldap-disabled-attribute", |s| s.disabled_attribute.clone(), |s, v| s.disabled_attribute = v, "Optional: an attribute that marks a disabled account")}
                    {text("Disabled value", "ldap-disabled-value", |s| s.disabled_value.clone(), |s, v| s.disabled_value = v, "Empty: any value of the attribute disables")}
                })}
                {active_directory.then(|| view! {
                    <p class="hint">"Accounts disabled in Active Directory (userAccountControl 0x2) are deactivated or suspended as the sourcing settings say."</p>
                })}
                {number("Timeout (seconds)", "ldap-timeout", |s| s.timeout_seconds.to_string(), |s, v| s.timeout_seconds = v.trim().parse().unwrap_or(0))}
                <div class="form-actions">
                    <button type="button" disabled=move || test.pending().get() on:click=move |_| {
                        test.dispatch(TestDirectoryConnection { app_id: id.get_value(), settings: draft.get_untracked(), password: typed() });
                    }>{move || if test.pending().get() { "Testing…" } else { "Test Connection" }}</button>
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

/// Each step tried, with what happened, and the first users found.
#[component]
pub(super) fn TestResult(test: ConnectionTest) -> impl IntoView {
    let ok = test.ok();
    view! {
        <div class="connection-test" data-testid="connection-test">
            <p class=if ok { "status" } else { "error" } role="status">
                {if ok { "The connection works." } else { "The connection failed." }}
            </p>
            <ol class="test-steps">
                {test.steps.into_iter().map(|s| view! {
                    <li class=if s.ok { "ok" } else { "failed" }>
                        <strong>{format!("{} {}", s.name, if s.ok { "✓" } else { "✗" })}</strong>
                        " "{s.detail}
                    </li>
                }).collect_view()}
            </ol>
            {(!test.users.is_empty()).then(|| view! {
                <table class="grid found-users">
                    <thead><tr><th>"Login"</th><th>"Name"</th><th>"Email"</th><th>"External ID"</th></tr></thead>
                    <tbody>
                        {test.users.into_iter().map(|u| view! {
                            <tr><td>{u.login}</td><td>{u.name}</td><td>{u.email}</td><td class="mono">{u.external_id}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            })}
        </div>
    }
}

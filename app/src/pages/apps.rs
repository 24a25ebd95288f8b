use crate::api::apps::{list_apps, CreateApp};
use crate::components::{count, error_text, query_value};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;
use proto::AppKind;

/// Applications (every app), or Directory Integrations (the LDAP and Active
/// Directory servers Muster imports from): a list with a search and a form
/// to add one.
#[component]
pub fn Apps(
    /// Directory Integrations: directories only.
    #[prop(optional)]
    directories: bool,
) -> impl IntoView {
    let (title, base, add_label) = if directories {
        ("Directory Integrations", "/directories", "Add directory")
    } else {
        ("Applications", "/apps", "Add app")
    };
    let kinds: Vec<AppKind> = [
        AppKind::CsvDirectory,
        AppKind::LdapDirectory,
        AppKind::ActiveDirectory,
        AppKind::CustomIdentitySource,
        AppKind::ScimApp,
    ]
    .into_iter()
    .filter(|k| !directories || k.is_directory())
    .collect();
    // The search is the URL's (`q`), so Back works and a view can be shared.
    let query = use_query_map();
    let search = Memo::new(move |_| query.with(|q| q.get("q")).unwrap_or_default());
    let search_input = RwSignal::new(search.get_untracked());
    Effect::new(move |_| search_input.set(search.get()));
    let navigate = use_navigate();
    let create = ServerAction::<CreateApp>::new();
    let apps = Resource::new(
        move || (search.get(), create.version().get()),
        move |(s, _)| async move {
            list_apps(s).await.map(|apps| {
                apps.into_iter()
                    .filter(|a| !directories || a.kind.is_directory())
                    .collect::<Vec<_>>()
            })
        },
    );
    let create_error = move || {
        create
            .value()
            .get()
            .and_then(|r| r.err())
            .map(|e| error_text(&e))
    };
    view! {
        <h1>{title}</h1>
        {directories.then(|| view! {
            <p class="subtitle">"LDAP directories and Active Directory domains Muster imports users and groups from. Open one to set up its connection (Provisioning), import now (Import) or schedule imports."</p>
        })}
        <section class="card">
            <h2>{add_label}</h2>
            <ActionForm action=create attr:class="inline-form">
                <label for="app-kind">{if directories { "Directory type" } else { "Application type" }}</label>
                <select id="app-kind" name="kind">
                    {kinds.into_iter().map(|k| view! { <option value=format!("{k:?}")>{k.label()}</option> }).collect_view()}
                </select>
                <label for="app-name">"Name"</label>
                <input id="app-name" name="name" type="text" required maxlength="100"/>
                <button type="submit" class="primary">{add_label}</button>
            </ActionForm>
            {move || create_error().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        </section>
        <section class="toolbar">
            <label for="app-search">"Search"</label>
            <input
                id="app-search"
                type="search"
                placeholder="Search by name"
                prop:value=move || search_input.get()
                on:input=move |ev| {
                    let text = event_target_value(&ev);
                    search_input.set(text.clone());
                    navigate(
                        &format!("{base}?q={}", query_value(&text)),
                        NavigateOptions { replace: true, ..Default::default() },
                    );
                }
            />
        </section>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match apps.await {
                    Err(e) => view! { <p class="error">{error_text(&e)}</p> }.into_any(),
                    Ok(list) if list.is_empty() && directories && search.get_untracked().is_empty() => view! {
                        <p class="empty">"No directories yet: add an LDAP Directory or an Active Directory above."</p>
                    }.into_any(),
                    Ok(list) if list.is_empty() => view! { <p class="empty">{if directories { "No directories found." } else { "No apps found." }}</p> }.into_any(),
                    Ok(list) => view! {
                        <table class="grid apps">
                            <thead><tr><th>"Name"</th><th>"Type"</th><th>"Status"</th><th>"Assigned users"</th><th>"Unconfirmed"</th></tr></thead>
                            <tbody>
                                {list.into_iter().map(|a| view! {
                                    <tr>
                                        <td><a href=format!("/apps/{}", a.id)>{a.name}</a></td>
                                        <td>{a.kind.label()}</td>
                                        <td>{a.status.as_str()}</td>
                                        <td>{count(a.assigned_users)}</td>
                                        <td>{count(a.unconfirmed)}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

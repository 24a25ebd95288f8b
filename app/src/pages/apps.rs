use crate::api::apps::{list_apps, CreateApp};
use crate::components::{count, error_text, query_value};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;
use proto::AppKind;

#[component]
pub fn Apps() -> impl IntoView {
    // The search is the URL's (`q`), so Back works and a view can be shared.
    let query = use_query_map();
    let search = Memo::new(move |_| query.with(|q| q.get("q")).unwrap_or_default());
    let search_input = RwSignal::new(search.get_untracked());
    Effect::new(move |_| search_input.set(search.get()));
    let navigate = use_navigate();
    let create = ServerAction::<CreateApp>::new();
    let apps = Resource::new(
        move || (search.get(), create.version().get()),
        |(s, _)| list_apps(s),
    );
    let create_error = move || {
        create
            .value()
            .get()
            .and_then(|r| r.err())
            .map(|e| error_text(&e))
    };
    view! {
        <h1>"Applications"</h1>
        <section class="card">
            <h2>"Add app"</h2>
            <ActionForm action=create attr:class="inline-form">
                <label for="app-kind">"Application type"</label>
                <select id="app-kind" name="kind">
                    <option value="CsvDirectory">{AppKind::CsvDirectory.label()}</option>
                    <option value="LdapDirectory">{AppKind::LdapDirectory.label()}</option>
                    <option value="ActiveDirectory">{AppKind::ActiveDirectory.label()}</option>
                </select>
                <label for="app-name">"Name"</label>
                <input id="app-name" name="name" type="text" required maxlength="100"/>
                <button type="submit" class="primary">"Add app"</button>
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
                        &format!("/apps?q={}", query_value(&text)),
                        NavigateOptions { replace: true, ..Default::default() },
                    );
                }
            />
        </section>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match apps.await {
                    Err(e) => view! { <p class="error">{error_text(&e)}</p> }.into_any(),
                    Ok(list) if list.is_empty() => view! { <p class="empty">"No apps found."</p> }.into_any(),
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

use crate::api::apps::{list_apps, CreateApp};
use crate::components::{count, error_text};
use leptos::prelude::*;
use proto::AppKind;

#[component]
pub fn Apps() -> impl IntoView {
    let search = RwSignal::new(String::new());
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
                prop:value=move || search.get()
                on:input=move |ev| search.set(event_target_value(&ev))
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

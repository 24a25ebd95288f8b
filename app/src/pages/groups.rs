//! Groups: those imported from directories, with their source and members.

use crate::api::groups::{get_group, list_groups};
use crate::components::{count, error_text, query_value, Moment, Pager};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};
use leptos_router::NavigateOptions;

/// The Groups page: every group by name, searched by name or description
/// (the search is in the URL).
#[component]
pub fn Groups() -> impl IntoView {
    let query = use_query_map();
    let search = Memo::new(move |_| query.with(|q| q.get("q")).unwrap_or_default());
    let url_offset = Memo::new(move |_| {
        query
            .with(|q| q.get("offset"))
            .and_then(|o| o.parse::<i64>().ok())
            .unwrap_or(0)
            .max(0)
    });
    let offset = RwSignal::new(url_offset.get_untracked());
    Effect::new(move |_| offset.set(url_offset.get()));
    let navigate = use_navigate();
    let go = StoredValue::new(move |search: String, offset: i64, replace: bool| {
        let mut url = format!("/groups?q={}", query_value(&search));
        if offset > 0 {
            url.push_str(&format!("&offset={offset}"));
        }
        navigate(
            &url,
            NavigateOptions {
                replace,
                ..Default::default()
            },
        );
    });
    Effect::new(move |_| {
        let o = offset.get();
        if o != url_offset.get_untracked() {
            go.with_value(|go| go(search.get_untracked(), o, false));
        }
    });
    let groups = Resource::new(
        move || (search.get(), url_offset.get()),
        |(search, offset)| list_groups(search, offset),
    );
    view! {
        <h1>"Groups"</h1>
        <section class="toolbar">
            <label for="group-search">"Search"</label>
            <input id="group-search" type="search" placeholder="Group name or description"
                prop:value=move || search.get()
                on:input=move |ev| {
                    let text = event_target_value(&ev);
                    go.with_value(|go| go(text, 0, true));
                }/>
        </section>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match groups.await {
                    Err(e) => view! { <p class="error" role="alert">{error_text(&e)}</p> }.into_any(),
                    Ok(page) if page.items.is_empty() && search.get_untracked().is_empty() => view! {
                        <p class="empty">
                            "No groups yet. Groups come from directories: turn on Import groups in a directory's connection, on its Provisioning tab, and import."
                        </p>
                    }.into_any(),
                    Ok(page) if page.items.is_empty() => view! { <p class="empty">"No groups found."</p> }.into_any(),
                    Ok(page) => view! {
                        <table class="grid groups">
                            <thead><tr><th>"Group"</th><th>"Description"</th><th>"Source"</th><th class="num">"Members"</th></tr></thead>
                            <tbody>
                                {page.items.into_iter().map(|g| view! {
                                    <tr>
                                        <td><a href=format!("/groups/{}", g.id)>{g.name}</a></td>
                                        <td>{g.description}</td>
                                        <td><a href=format!("/apps/{}", g.app_id)>{g.app_name}</a></td>
                                        <td class="num">{count(g.members)}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                        <Pager offset total=page.total limit=page.limit/>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

/// A group: where it comes from and its members, people first.
#[component]
pub fn GroupPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id")).unwrap_or_default());
    let offset = RwSignal::new(0i64);
    let group = Resource::new(
        move || (id.get(), offset.get()),
        |(id, offset)| get_group(id, offset),
    );
    view! {
        <p class="crumbs"><a href="/groups">"← Groups"</a></p>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match group.await {
                    Err(e) => view! { <p class="error" role="alert">{error_text(&e)}</p> }.into_any(),
                    Ok(g) => {
                        let s = g.summary;
                        let waiting = g.members.items.iter().any(|m| m.user.is_none());
                        view! {
                            <h1>{s.name.clone()}</h1>
                            <section class="card">
                                <dl class="facts">
                                    <dt>"Description"</dt><dd>{s.description.clone()}</dd>
                                    <dt>"Source"</dt><dd><a href=format!("/apps/{}", s.app_id)>{s.app_name.clone()}</a>": read-only in Muster; each import of it updates the group"</dd>
                                    <dt>"Distinguished name"</dt><dd class="mono">{g.dn.clone()}</dd>
                                    <dt>"Members"</dt><dd>{count(s.members)}</dd>
                                    <dt>"Created"</dt><dd><Moment at=g.created/></dd>
                                    <dt>"Last updated"</dt><dd><Moment at=g.last_updated/></dd>
                                </dl>
                            </section>
                            <section class="card">
                                <h2>"Members"</h2>
                                <Show when=move || waiting>
                                    <p class="hint">"Accounts not linked to a person (waiting in the app's import queue, or disabled in the directory) are listed by their login in the app; they count for a person once linked."</p>
                                </Show>
                                {if g.members.items.is_empty() {
                                    view! { <p class="empty">"This group has no members among the app's users."</p> }.into_any()
                                } else {
                                    view! {
                                        <table class="grid members">
                                            <thead><tr><th>"Person"</th><th>"Login"</th><th>"Status"</th></tr></thead>
                                            <tbody>
                                                {g.members.items.into_iter().map(|m| match m.user {
                                                    Some(u) => view! {
                                                        <tr>
                                                            <td><a href=format!("/people/{}", u.id)>{format!("{} {}", u.first_name, u.last_name)}</a></td>
                                                            <td>{u.login}</td>
                                                            <td><span class=format!("status {}", u.status.as_str().to_lowercase())>{u.status.as_str()}</span></td>
                                                        </tr>
                                                    }.into_any(),
                                                    None => view! {
                                                        <tr class="unconfirmed">
                                                            <td class="hint">"Not linked to a person"</td>
                                                            <td>{m.login}</td>
                                                            <td></td>
                                                        </tr>
                                                    }.into_any(),
                                                }).collect_view()}
                                            </tbody>
                                        </table>
                                        <Pager offset total=g.members.total limit=g.members.limit/>
                                    }.into_any()
                                }}
                            </section>
                        }.into_any()
                    }
                }
            })}
        </Transition>
    }
}

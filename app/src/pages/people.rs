use crate::api::apps::list_apps;
use crate::api::people::{list_people, UnlinkAccount};
use crate::components::{error_text, query_value, Pager};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;
use proto::{AppAccount, PeopleFilter, User, UserStatus};

/// The query of a People view: what the page's URL and its download carry,
/// so Back works and a view can be shared.
fn view_query(search: &str, status: Option<UserStatus>, app: &str, offset: i64) -> String {
    let mut q = format!("q={}", query_value(search));
    if let Some(status) = status {
        q.push_str(&format!("&status={}", status.as_str()));
    }
    if !app.is_empty() {
        q.push_str(&format!("&app={}", query_value(app)));
    }
    if offset > 0 {
        q.push_str(&format!("&offset={offset}"));
    }
    q
}

#[component]
pub fn People() -> impl IntoView {
    let query = use_query_map();
    let param = move |key: &str| query.with(|q| q.get(key)).unwrap_or_default();
    // The view is the URL's; the controls start from it and follow it on Back.
    let search = Memo::new(move |_| param("q"));
    let status = Memo::new(move |_| UserStatus::parse(&param("status")));
    let app = Memo::new(move |_| param("app"));
    let url_offset = Memo::new(move |_| param("offset").parse::<i64>().unwrap_or(0).max(0));
    let search_input = RwSignal::new(search.get_untracked());
    Effect::new(move |_| search_input.set(search.get()));
    let offset = RwSignal::new(url_offset.get_untracked());
    Effect::new(move |_| offset.set(url_offset.get()));

    let navigate = use_navigate();
    let go = move |search: String,
                   status: Option<UserStatus>,
                   app: String,
                   offset: i64,
                   replace: bool| {
        let q = view_query(&search, status, &app, offset);
        navigate(
            &format!("/people?{q}"),
            NavigateOptions {
                replace,
                ..Default::default()
            },
        );
    };
    let go = StoredValue::new(go);
    // The pager moves the offset; the URL follows it.
    Effect::new(move |_| {
        let o = offset.get();
        if o != url_offset.get_untracked() {
            go.with_value(|go| {
                go(
                    search.get_untracked(),
                    status.get_untracked(),
                    app.get_untracked(),
                    o,
                    false,
                )
            });
        }
    });

    let unlink = ServerAction::<UnlinkAccount>::new();
    let apps = Resource::new(|| (), |_| list_apps(String::new()));
    let people = Resource::new(
        move || {
            (
                search.get(),
                status.get(),
                app.get(),
                url_offset.get(),
                unlink.version().get(),
            )
        },
        |(search, status, app, offset, _)| {
            let filter = PeopleFilter {
                search,
                status,
                app_id: (!app.is_empty()).then_some(app),
                include_deactivated: true,
            };
            list_people(filter, offset)
        },
    );
    let download = move || {
        format!(
            "/console/people.csv?{}",
            view_query(&search.get(), status.get(), &app.get(), 0)
        )
    };
    view! {
        <h1>"People"</h1>
        <section class="toolbar people-filter">
            <label for="people-search">"Search"</label>
            <input
                id="people-search"
                type="search"
                placeholder="Name, login, email or any profile value"
                prop:value=move || search_input.get()
                on:input=move |ev| {
                    let text = event_target_value(&ev);
                    search_input.set(text.clone());
                    go.with_value(|go| go(text, status.get_untracked(), app.get_untracked(), 0, true));
                }
            />
            <label for="people-status">"Status"</label>
            <select id="people-status" prop:value=move || status.get().map(|s| s.as_str()).unwrap_or_default() on:change=move |ev| {
                let chosen = UserStatus::parse(&event_target_value(&ev));
                go.with_value(|go| go(search_input.get_untracked(), chosen, app.get_untracked(), 0, false));
            }>
                <option value="" selected=move || status.get().is_none()>"Any status"</option>
                {UserStatus::ALL.into_iter().map(|s| view! {
                    <option value=s.as_str() selected=move || status.get() == Some(s)>{s.as_str()}</option>
                }).collect_view()}
            </select>
            <label for="people-app">"App"</label>
            <Transition fallback=|| view! { <select id="people-app" disabled><option>"Any app"</option></select> }>
                {move || Suspend::new(async move {
                    let apps = apps.await.unwrap_or_default();
                    view! {
                        <select id="people-app" prop:value=move || app.get() on:change=move |ev| {
                            let chosen = event_target_value(&ev);
                            go.with_value(|go| go(search_input.get_untracked(), status.get_untracked(), chosen, 0, false));
                        }>
                            <option value="" selected=move || app.get().is_empty()>"Any app"</option>
                            {apps.into_iter().map(|a| {
                                let id = a.id.clone();
                                view! { <option value=a.id selected=move || app.get() == id>{a.name}</option> }
                            }).collect_view()}
                        </select>
                    }
                })}
            </Transition>
            <a class="button" href=download download="people.csv">"Download CSV"</a>
        </section>
        <UnlinkOutcome unlink/>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match people.await {
                    Err(e) => view! { <p class="error">{error_text(&e)}</p> }.into_any(),
                    Ok(page) if page.items.is_empty() => view! { <p class="empty">"No people found."</p> }.into_any(),
                    Ok(page) => view! {
                        <table class="grid people">
                            <thead><tr><th>"Person"</th><th>"Login"</th><th>"Email"</th><th>"Status"</th><th>"Source"</th><th>"Apps"</th><th></th></tr></thead>
                            <tbody>
                                {page.items.into_iter().map(|p| {
                                    let u = p.user;
                                    let status_class = format!("status {}", u.status.as_str().to_lowercase());
                                    let open = RwSignal::new(false);
                                    let label = format!("Profile of {}", u.login);
                                    let note = match &u.source_app_name {
                                        Some(app) => format!("Profile sourced by {app}: read-only in Muster; each import from {app} overwrites it."),
                                        None => "Profile mastered by Muster.".to_string(),
                                    };
                                    let profile = u.profile_pairs();
                                    let apps = p.accounts.iter().map(|a| a.app_name.clone()).collect::<Vec<_>>().join(", ");
                                    let accounts = StoredValue::new(p.accounts);
                                    let person = StoredValue::new(u.clone());
                                    view! {
                                        <tr>
                                            <td><a href=format!("/people/{}", u.id)>{format!("{} {}", u.first_name, u.last_name)}</a></td>
                                            <td>{u.login.clone()}</td>
                                            <td>{u.email}</td>
                                            <td><span class=status_class>{u.status.as_str()}</span>" "<span class="hint">{u.status.label()}</span></td>
                                            <td>{u.source_app_name.clone().unwrap_or_else(|| "Muster".into())}</td>
                                            <td>{apps}</td>
                                            <td><button type="button" class="link-button" aria-expanded=move || open.get().to_string() aria-label=label
                                                on:click=move |_| open.update(|o| *o = !*o)>"Profile"</button></td>
                                        </tr>
                                        <Show when=move || open.get()>
                                            <tr class="profile-row">
                                                <td colspan="7">
                                                    <p class="hint">{note.clone()}</p>
                                                    <dl class="facts profile">
                                                        {profile.clone().into_iter().map(|(k, v)| view! { <dt>{k.clone()}</dt><dd><ProfileValue name=k value=v/></dd> }).collect_view()}
                                                    </dl>
                                                    <h3>"App accounts"</h3>
                                                    <Accounts user=person.get_value() accounts=accounts.get_value() unlink/>
                                                </td>
                                            </tr>
                                        </Show>
                                    }
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

/// What unlinking an account did, once it is done.
#[component]
pub(crate) fn UnlinkOutcome(unlink: ServerAction<UnlinkAccount>) -> impl IntoView {
    move || {
        unlink.value().get().map(|r| match r {
            Ok(()) => {
                view! { <p class="status" role="status">"The account was unlinked."</p> }.into_any()
            }
            Err(e) => view! { <p class="error" role="alert">{error_text(&e)}</p> }.into_any(),
        })
    }
}

/// A person's app accounts, each of which can be unlinked after a second
/// step that says what unlinking does.
#[component]
pub(crate) fn Accounts(
    user: User,
    accounts: Vec<AppAccount>,
    unlink: ServerAction<UnlinkAccount>,
) -> impl IntoView {
    if accounts.is_empty() {
        return view! { <p class="empty">"No app accounts."</p> }.into_any();
    }
    let person = format!("{} {}", user.first_name, user.last_name);
    view! {
        <ul class="accounts">
            {accounts.into_iter().map(|a| {
                let asking = RwSignal::new(false);
                let question = format!(
                    "Unlink {} of {} from {person}? {person} loses the {} account and assignment{}; {}'s next full import puts the account back in its import queue.",
                    a.login, a.app_name, a.app_name,
                    if a.sources_profile { format!(", and {} stops sourcing their profile", a.app_name) } else { String::new() },
                    a.app_name,
                );
                let label = format!("Unlink {} of {} from {person}", a.login, a.app_name);
                let (app_id, external_id) = (a.app_id.clone(), a.external_id.clone());
                view! {
                    <li>
                        {format!("{}: {} (external id {}){}", a.app_name, a.login, a.external_id, if a.sources_profile { ", sources the profile" } else { "" })}
                        " "
                        <button type="button" class="link-button" aria-label=label on:click=move |_| asking.set(true)>"Unlink"</button>
                        <Show when=move || asking.get()>
                            <div class="dialog" role="dialog" aria-label="Unlink app account">
                                <p>{question.clone()}</p>
                                <button type="button" class="primary" on:click={
                                    let (app_id, external_id) = (app_id.clone(), external_id.clone());
                                    move |_| {
                                        asking.set(false);
                                        unlink.dispatch(UnlinkAccount { app_id: app_id.clone(), external_id: external_id.clone() });
                                    }
                                }>"Unlink"</button>
                                <button type="button" on:click=move |_| asking.set(false)>"Cancel"</button>
                            </div>
                        </Show>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

/// Rows a multi-line value may take before it scrolls.
const MAX_ROWS: usize = 20;

/// The lines of a value: a line ends with LF, CRLF or CR, as in the CSV
/// files values come from.
fn line_count(value: &str) -> usize {
    1 + value.matches(['\n', '\r']).count() - value.matches("\r\n").count()
}

/// One profile value, shown exactly as stored: a value with line breaks in
/// a read-only text area as tall as its lines, any other in a read-only
/// field (which would drop the line breaks).
#[component]
pub(crate) fn ProfileValue(name: String, value: String) -> impl IntoView {
    let lines = line_count(&value);
    if lines > 1 {
        let text = value.clone();
        view! {
            <textarea readonly aria-readonly="true" aria-label=name rows=lines.min(MAX_ROWS)
                prop:value=value>{text}</textarea>
        }
        .into_any()
    } else {
        view! { <input type="text" readonly aria-readonly="true" aria-label=name value=value/> }
            .into_any()
    }
}

#[cfg(test)]
mod tests {
    use super::line_count;

    #[test]
    fn lines_end_with_lf_crlf_or_cr() {
        assert_eq!(line_count(""), 1);
        assert_eq!(line_count("Account Manager"), 1);
        assert_eq!(line_count("Account\nManager"), 2);
        assert_eq!(line_count("Account\r\nManager"), 2);
        assert_eq!(line_count("a\rb\nc\r\n"), 4);
    }
}

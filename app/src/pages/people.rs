use crate::api::apps::list_apps;
use crate::api::people::{list_people, AddPerson, ChangeStatus, UnlinkAccount};
use crate::components::{error_text, query_value, Pager};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;
use proto::{AppAccount, Lifecycle, NewPerson, PeopleFilter, User, UserStatus};
use std::collections::BTreeSet;

/// The lifecycle operations People offers for many people at once.
const BULK_OPERATIONS: [Lifecycle; 3] = [
    Lifecycle::Activate,
    Lifecycle::Suspend,
    Lifecycle::Deactivate,
];

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
    let add = ServerAction::<AddPerson>::new();
    let change = ServerAction::<ChangeStatus>::new();
    let selected = RwSignal::new(BTreeSet::<String>::new());
    let adding = RwSignal::new(false);
    let apps = Resource::new(|| (), |_| list_apps(String::new()));
    let people = Resource::new(
        move || {
            (
                search.get(),
                status.get(),
                app.get(),
                url_offset.get(),
                (
                    unlink.version().get(),
                    add.version().get(),
                    change.version().get(),
                ),
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
            <button type="button" class="primary" on:click=move |_| adding.set(true)>"Add person"</button>
        </section>
        <Show when=move || adding.get()>
            <AddPersonDialog add open=adding/>
        </Show>
        <AddOutcome add/>
        <BulkActions selected change/>
        <UnlinkOutcome unlink/>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match people.await {
                    Err(e) => view! { <p class="error">{error_text(&e)}</p> }.into_any(),
                    Ok(page) if page.items.is_empty() => view! { <p class="empty">"No people found."</p> }.into_any(),
                    Ok(page) => view! {
                        <table class="grid people">
                            <thead><tr><th><PageSelector ids=page.items.iter().map(|p| p.user.id.clone()).collect() selected/></th><th>"Person"</th><th>"Login"</th><th>"Email"</th><th>"Status"</th><th>"Source"</th><th>"Apps"</th><th></th></tr></thead>
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
                                    let id = StoredValue::new(u.id.clone());
                                    let pick = format!("Select {}", u.login);
                                    view! {
                                        <tr>
                                            <td><input type="checkbox" aria-label=pick
                                                prop:checked=move || selected.with(|s| id.with_value(|id| s.contains(id)))
                                                on:change=move |ev| {
                                                    let on = event_target_checked(&ev);
                                                    selected.update(|s| {
                                                        let id = id.get_value();
                                                        if on { s.insert(id); } else { s.remove(&id); }
                                                    });
                                                }/></td>
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
                                                <td colspan="8">
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

/// Ticks or unticks every person on the page.
#[component]
fn PageSelector(ids: Vec<String>, selected: RwSignal<BTreeSet<String>>) -> impl IntoView {
    let ids = StoredValue::new(ids);
    let all = move || {
        selected
            .with(|s| ids.with_value(|ids| !ids.is_empty() && ids.iter().all(|i| s.contains(i))))
    };
    view! {
        <input type="checkbox" aria-label="Select everyone on this page" prop:checked=all
            on:change=move |ev| {
                let on = event_target_checked(&ev);
                selected.update(|s| ids.with_value(|ids| {
                    for id in ids {
                        if on { s.insert(id.clone()); } else { s.remove(id); }
                    }
                }));
            }/>
    }
}

/// The selection's size and the operations for all of it, each asked for
/// once more with the number of people it is about.
#[component]
fn BulkActions(
    selected: RwSignal<BTreeSet<String>>,
    change: ServerAction<ChangeStatus>,
) -> impl IntoView {
    let asking = RwSignal::new(None::<Lifecycle>);
    let count = move || selected.with(BTreeSet::len);
    let people = |n: usize| {
        if n == 1 {
            "1 person".to_owned()
        } else {
            format!("{n} people")
        }
    };
    view! {
        <section class="toolbar bulk" aria-label="Selected people">
            <span class="selected-count">{move || format!("{} selected", count())}</span>
            {BULK_OPERATIONS.into_iter().map(|op| view! {
                <button type="button" disabled=move || count() == 0 on:click=move |_| asking.set(Some(op))>
                    {op.label()}
                </button>
            }).collect_view()}
            <button type="button" class="link-button" disabled=move || count() == 0
                on:click=move |_| selected.set(BTreeSet::new())>"Clear selection"</button>
        </section>
        {move || asking.get().map(|op| {
            let question = format!(
                "{} {}? Their status becomes {} ({}); those whose status does not allow it stay as they are.",
                op.label(), people(count()), op.outcome().as_str(), op.outcome().label()
            );
            view! {
                <div class="dialog" role="dialog" aria-label=format!("{} people", op.label())>
                    <p>{question}</p>
                    <button type="button" class="primary" on:click=move |_| {
                        asking.set(None);
                        let user_ids = selected.get_untracked().into_iter().collect();
                        selected.set(BTreeSet::new());
                        change.dispatch(ChangeStatus { user_ids, op });
                    }>{format!("{} {}", op.label(), people(count()))}</button>
                    <button type="button" on:click=move |_| asking.set(None)>"Cancel"</button>
                </div>
            }
        })}
        {move || change.value().get().map(|r| match r {
            Ok(done) => {
                let skipped = if done.skipped.is_empty() {
                    String::new()
                } else {
                    format!(" Not changed (their status does not allow it): {}.", done.skipped.join(", "))
                };
                let text = format!("Status changed for {}.{skipped}", people(done.changed as usize));
                view! { <p class="status" role="status">{text}</p> }.into_any()
            }
            Err(e) => view! { <p class="error" role="alert">{error_text(&e)}</p> }.into_any(),
        })}
    }
}

/// Add person: a person made by hand, whose profile Muster is the source of.
#[component]
fn AddPersonDialog(add: ServerAction<AddPerson>, open: RwSignal<bool>) -> impl IntoView {
    let first_name = RwSignal::new(String::new());
    let last_name = RwSignal::new(String::new());
    let login = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let activate = RwSignal::new(true);
    let failed = RwSignal::new(None::<String>);
    // The dialog closes once the person is added and keeps what was typed
    // when they are not; what an earlier dialog's Save did is not this one's.
    let opened_at = add.version().get_untracked();
    Effect::new(move |_| {
        let outcome = add.value().get();
        if add.version().get_untracked() == opened_at {
            return;
        }
        match outcome {
            Some(Ok(_)) => open.set(false),
            Some(Err(e)) => failed.set(Some(error_text(&e))),
            None => {}
        }
    });
    let field =
        |id: &'static str, label: &'static str, kind: &'static str, value: RwSignal<String>| {
            view! {
                <label for=id>{label}</label>
                <input id=id type=kind required prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev))/>
            }
        };
    view! {
        <div class="dialog" role="dialog" aria-label="Add person">
            <h2>"Add person"</h2>
            <form class="person-form" on:submit=move |ev| {
                ev.prevent_default();
                failed.set(None);
                add.dispatch(AddPerson { person: NewPerson {
                    first_name: first_name.get_untracked(),
                    last_name: last_name.get_untracked(),
                    login: login.get_untracked(),
                    email: email.get_untracked(),
                    activate: activate.get_untracked(),
                }});
            }>
                {field("new-first-name", "First name", "text", first_name)}
                {field("new-last-name", "Last name", "text", last_name)}
                {field("new-login", "Username", "text", login)}
                {field("new-email", "Primary email", "email", email)}
                <label class="check">
                    <input type="checkbox" prop:checked=move || activate.get()
                        on:change=move |ev| activate.set(event_target_checked(&ev))/>
                    "Activate now (otherwise the person is STAGED until activated)"
                </label>
                <p class="hint">"Muster is the source of this person's profile; their username is unique regardless of case."</p>
                {move || failed.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                <div class="actions">
                    <button type="submit" class="primary" disabled=move || add.pending().get()>"Save"</button>
                    <button type="button" on:click=move |_| open.set(false)>"Cancel"</button>
                </div>
            </form>
        </div>
    }
}

/// The person Add person made, with a link to their page.
#[component]
fn AddOutcome(add: ServerAction<AddPerson>) -> impl IntoView {
    move || {
        add.value().get().and_then(Result::ok).map(|u| {
            view! {
                <p class="status" role="status">
                    {format!("Added {} {} ({}), {}. ", u.first_name, u.last_name, u.login, u.status.as_str())}
                    <a href=format!("/people/{}", u.id)>"Open their page"</a>
                </p>
            }
        })
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

use crate::api::people::{list_people, UnlinkAccount};
use crate::components::{error_text, Pager};
use leptos::prelude::*;
use proto::{AppAccount, User};

#[component]
pub fn People() -> impl IntoView {
    let search = RwSignal::new(String::new());
    let offset = RwSignal::new(0i64);
    let unlink = ServerAction::<UnlinkAccount>::new();
    let people = Resource::new(
        move || (search.get(), offset.get(), unlink.version().get()),
        |(s, o, _)| list_people(s, true, o),
    );
    view! {
        <h1>"People"</h1>
        <section class="toolbar">
            <label for="people-search">"Search"</label>
            <input
                id="people-search"
                type="search"
                placeholder="Name, login or email"
                prop:value=move || search.get()
                on:input=move |ev| {
                    search.set(event_target_value(&ev));
                    offset.set(0);
                }
            />
        </section>
        {move || unlink.value().get().map(|r| match r {
            Ok(()) => view! { <p class="status" role="status">"The account was unlinked."</p> }.into_any(),
            Err(e) => view! { <p class="error" role="alert">{error_text(&e)}</p> }.into_any(),
        })}
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
                                            <td>{format!("{} {}", u.first_name, u.last_name)}</td>
                                            <td>{u.login.clone()}</td>
                                            <td>{u.email}</td>
                                            <td><span class=status_class>{u.status.as_str()}</span></td>
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

/// A person's app accounts, each of which can be unlinked after a second
/// step that says what unlinking does.
#[component]
fn Accounts(
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
fn ProfileValue(name: String, value: String) -> impl IntoView {
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

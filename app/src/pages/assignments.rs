//! An app's Assignments tab: the people and groups assigned to it, each
//! person with their account in the app once Muster has one; for a SCIM app,
//! Assign to People and Assign to Groups, Unassign, and the pushes the app
//! refused with Retry and Dismiss.

use crate::api::apps::get_app;
use crate::api::groups::list_groups;
use crate::api::scim::{
    get_app_assignments, AssignGroup, AssignPerson, DismissPush, RetryPush, UnassignGroup,
    UnassignPerson,
};
use crate::components::{count, error_text};
use leptos::prelude::*;
use proto::scim::AppAssignments;
use proto::AppKind;

#[component]
pub fn Assignments(app_id: String) -> impl IntoView {
    let id = StoredValue::new(app_id);
    let assign_person = ServerAction::<AssignPerson>::new();
    let unassign_person = ServerAction::<UnassignPerson>::new();
    let assign_group = ServerAction::<AssignGroup>::new();
    let unassign_group = ServerAction::<UnassignGroup>::new();
    let retry = ServerAction::<RetryPush>::new();
    let dismiss = ServerAction::<DismissPush>::new();
    // Pushes go on in the background: Refresh reads the tab again.
    let refreshed = RwSignal::new(0u32);
    let versions = move || {
        (
            assign_person.version().get(),
            unassign_person.version().get(),
            assign_group.version().get(),
            unassign_group.version().get(),
            retry.version().get(),
            dismiss.version().get(),
            refreshed.get(),
        )
    };
    let data = Resource::new(
        move || (id.get_value(), versions()),
        |(id, _)| async move {
            let app = get_app(id.clone()).await?;
            let groups = match app.kind {
                AppKind::ScimApp => list_groups(String::new(), 0).await?.items,
                _ => Vec::new(),
            };
            Ok::<_, ServerFnError>((app.kind, get_app_assignments(id).await?, groups))
        },
    );
    let person_login = RwSignal::new(String::new());
    let chosen_group = RwSignal::new(String::new());
    let errors = move || {
        [
            assign_person.value().get().and_then(|r| r.err()),
            unassign_person.value().get().and_then(|r| r.err()),
            assign_group.value().get().and_then(|r| r.err()),
            unassign_group.value().get().and_then(|r| r.err()),
            retry.value().get().and_then(|r| r.err()),
            dismiss.value().get().and_then(|r| r.err()),
        ]
        .into_iter()
        .flatten()
        .next()
        .map(|e| view! { <p class="error" role="alert">{error_text(&e)}</p> })
    };
    view! {
        {errors}
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => view! { <p class="error">{error_text(&e)}</p> }.into_any(),
                    Ok((kind, a, groups)) => {
                        let scim = kind == AppKind::ScimApp;
                        view! {
                            {scim.then(|| view! {
                                <section class="card assign">
                                    <h2>"Assign"</h2>
                                    <form class="inline-form" on:submit=move |ev| {
                                        ev.prevent_default();
                                        assign_person.dispatch(AssignPerson { app_id: id.get_value(), login: person_login.get_untracked() });
                                        person_login.set(String::new());
                                    }>
                                        <label for="assign-person">"Assign to People"</label>
                                        <input id="assign-person" type="text" placeholder="Username" required
                                            prop:value=move || person_login.get()
                                            on:input=move |ev| person_login.set(event_target_value(&ev))/>
                                        <button type="submit" class="primary">"Assign"</button>
                                    </form>
                                    <form class="inline-form" on:submit=move |ev| {
                                        ev.prevent_default();
                                        let group_id = chosen_group.get_untracked();
                                        if !group_id.is_empty() {
                                            assign_group.dispatch(AssignGroup { app_id: id.get_value(), group_id });
                                        }
                                    }>
                                        <label for="assign-group">"Assign to Groups"</label>
                                        <select id="assign-group" on:change=move |ev| chosen_group.set(event_target_value(&ev))>
                                            <option value="">"Choose a group"</option>
                                            {groups.into_iter().map(|g| view! {
                                                <option value=g.id.clone()>{format!("{} ({})", g.name, g.app_name)}</option>
                                            }).collect_view()}
                                        </select>
                                        <button type="submit" class="primary">"Assign group"</button>
                                    </form>
                                    <p class="hint">"Assigned people get an account in the app as its To App settings say; a group's members are assigned as long as they are in it."</p>
                                </section>
                            })}
                            <Listing a scim id unassign_person unassign_group retry dismiss refreshed/>
                        }.into_any()
                    }
                }
            })}
        </Transition>
    }
}

#[component]
fn Listing(
    a: AppAssignments,
    scim: bool,
    id: StoredValue<String>,
    unassign_person: ServerAction<UnassignPerson>,
    unassign_group: ServerAction<UnassignGroup>,
    retry: ServerAction<RetryPush>,
    dismiss: ServerAction<DismissPush>,
    refreshed: RwSignal<u32>,
) -> impl IntoView {
    let shown = a.people.len() as i64;
    view! {
        {(!a.failed.is_empty()).then(|| view! {
            <section class="card failed-pushes">
                <h2>{format!("Failed pushes ({})", a.failed.len())}</h2>
                <table class="grid">
                    <thead><tr><th>"Person"</th><th>"What the app said"</th><th>"Tries"</th><th></th></tr></thead>
                    <tbody>
                        {a.failed.into_iter().map(|f| {
                            let (retry_id, dismiss_id) = (f.user_id.clone(), f.user_id.clone());
                            view! {
                                <tr>
                                    <td><a href=format!("/people/{}", f.user_id)>{f.login}</a></td>
                                    <td class="mono">{f.error}</td>
                                    <td class="num">{f.attempts}</td>
                                    <td>
                                        <button type="button" on:click=move |_| { retry.dispatch(RetryPush { app_id: id.get_value(), user_id: retry_id.clone() }); }>"Retry"</button>
                                        <button type="button" on:click=move |_| { dismiss.dispatch(DismissPush { app_id: id.get_value(), user_id: dismiss_id.clone() }); }>"Dismiss"</button>
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </section>
        })}
        <section class="card">
            <div class="section-head">
                <h2>{format!("People ({})", count(a.total_people))}</h2>
                <button type="button" on:click=move |_| refreshed.update(|n| *n += 1)>"Refresh"</button>
            </div>
            {(a.pending > 0).then(|| view! {
                <p class="hint" data-testid="pending-pushes">{format!("{} waiting to be pushed to the app.", count(a.pending))}</p>
            })}
            {if a.people.is_empty() {
                view! { <p class="empty">"No one is assigned to this app."</p> }.into_any()
            } else {
                view! {
                    <table class="grid assigned-people">
                        <thead><tr><th>"Person"</th><th>"Username"</th><th>"Assigned"</th><th>"Account in the app"</th>{scim.then(|| view! { <th></th> })}</tr></thead>
                        <tbody>
                            {a.people.into_iter().map(|p| {
                                let how = match (p.direct, p.groups.is_empty()) {
                                    (true, true) => "Directly".to_owned(),
                                    (true, false) => format!("Directly and through {}", p.groups.join(", ")),
                                    (false, _) => format!("Through {}", p.groups.join(", ")),
                                };
                                let account = match &p.account {
                                    None => "None yet".to_owned(),
                                    Some((external_id, true)) => format!("Active ({external_id})"),
                                    Some((external_id, false)) => format!("Deactivated ({external_id})"),
                                };
                                let user_id = p.user_id.clone();
                                view! {
                                    <tr>
                                        <td><a href=format!("/people/{}", p.user_id)>{p.name}</a></td>
                                        <td>{p.login}</td>
                                        <td>{how}</td>
                                        <td class="account">{account}</td>
                                        {(scim && p.direct).then(|| view! {
                                            <td><button type="button" on:click=move |_| { unassign_person.dispatch(UnassignPerson { app_id: id.get_value(), user_id: user_id.clone() }); }>"Unassign"</button></td>
                                        })}
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                    {(a.total_people > shown).then(|| view! { <p class="hint">{format!("The first {} by username.", count(shown))}</p> })}
                }.into_any()
            }}
        </section>
        <section class="card">
            <h2>{format!("Groups ({})", a.groups.len())}</h2>
            {if a.groups.is_empty() {
                view! { <p class="empty">"No group is assigned to this app."</p> }.into_any()
            } else {
                view! {
                    <table class="grid assigned-groups">
                        <thead><tr><th>"Group"</th><th>"From"</th><th>"People"</th>{scim.then(|| view! { <th></th> })}</tr></thead>
                        <tbody>
                            {a.groups.into_iter().map(|g| {
                                let group_id = g.group_id.clone();
                                view! {
                                    <tr>
                                        <td><a href=format!("/groups/{}", g.group_id)>{g.name}</a></td>
                                        <td>{g.source}</td>
                                        <td class="num">{g.people}</td>
                                        {scim.then(|| view! {
                                            <td><button type="button" on:click=move |_| { unassign_group.dispatch(UnassignGroup { app_id: id.get_value(), group_id: group_id.clone() }); }>"Unassign"</button></td>
                                        })}
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}

//! A person's page: who they are, their status with the lifecycle
//! operations it allows, the apps they have accounts in, and what the System
//! Log recorded about them.

use crate::api::groups::person_groups;
use crate::api::logs::query_logs;
use crate::api::people::{open_person, ChangeStatus, DeletePerson, UnlinkAccount};
use crate::api::scim::person_apps;
use crate::components::{error_text, query_value, Moment};
use crate::pages::people::{Accounts, ProfileValue, UnlinkOutcome};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use proto::console::LogRange;
use proto::{Lifecycle, Person, RealTimeSync, UserStatus};

/// Events shown on the page; the System Log has the rest.
const RECENT_EVENTS: usize = 10;

#[component]
pub fn PersonPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id")).unwrap_or_default());
    let unlink = ServerAction::<UnlinkAccount>::new();
    let change = ServerAction::<ChangeStatus>::new();
    let delete = ServerAction::<DeletePerson>::new();
    let deleted = move || matches!(delete.value().get(), Some(Ok(())));
    let person = Resource::new(
        move || (id.get(), unlink.version().get(), change.version().get()),
        |(id, _, _)| open_person(id),
    );
    let groups = Resource::new(
        move || (id.get(), unlink.version().get()),
        |(id, _)| person_groups(id),
    );
    let apps = Resource::new(
        move || (id.get(), change.version().get()),
        |(id, _)| person_apps(id),
    );
    let about = move || format!("target.id eq \"{}\"", id.get());
    let events = Resource::new(
        move || (about(), unlink.version().get(), change.version().get()),
        |(filter, _, _)| {
            query_logs(
                filter,
                String::new(),
                LogRange::All.as_str().to_owned(),
                String::new(),
                String::new(),
                None,
                None,
            )
        },
    );
    let all_events = move || format!("/logs?filter={}&range=all", query_value(&about()));
    view! {
        <p class="crumbs"><a href="/people">"← People"</a></p>
        {move || change.value().get().map(|r| match r {
            Ok(done) => {
                let skipped = if done.skipped.is_empty() {
                    String::new()
                } else {
                    format!(" Not changed: {}.", done.skipped.join(", "))
                };
                view! { <p class="status" role="status">{format!("Status changed.{skipped}")}</p> }.into_any()
            }
            Err(e) => view! { <p class="error" role="alert">{error_text(&e)}</p> }.into_any(),
        })}
        <UnlinkOutcome unlink/>
        {move || delete.value().get().map(|r| match r {
            Ok(()) => view! {
                <p class="status" role="status">"The person was deleted. " <a href="/people">"Back to People"</a></p>
            }.into_any(),
            Err(e) => view! { <p class="error" role="alert">{error_text(&e)}</p> }.into_any(),
        })}
        <Show when=move || !deleted()>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match person.await {
                    Err(e) => view! { <p class="error" role="alert">{error_text(&e)}</p> }.into_any(),
                    Ok(p) => view! { <SyncNote sync=p.sync/><PersonView person=p.person change unlink delete/> }.into_any(),
                }
            })}
        </Transition>
        <section class="card">
            <h2>"Groups"</h2>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match groups.await {
                        Err(e) => view! { <p class="error">{error_text(&e)}</p> }.into_any(),
                        Ok(groups) if groups.is_empty() => view! { <p class="empty">"Not in any group."</p> }.into_any(),
                        Ok(groups) => view! {
                            <ul class="person-groups">
                                {groups.into_iter().map(|g| view! {
                                    <li><a href=format!("/groups/{}", g.id)>{g.name}</a>" "<span class="hint">{format!("from {}", g.app_name)}</span></li>
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                    }
                })}
            </Transition>
        </section>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match apps.await {
                    Err(e) => Some(view! { <p class="error">{error_text(&e)}</p> }.into_any()),
                    Ok(apps) if apps.is_empty() => None,
                    Ok(apps) => Some(view! {
                        <section class="card">
                            <h2>"Provisioned apps"</h2>
                            <table class="grid person-apps">
                                <thead><tr><th>"App"</th><th>"Assigned"</th><th>"Account in the app"</th></tr></thead>
                                <tbody>
                                    {apps.into_iter().map(|a| {
                                        let how = match (a.direct, a.groups.is_empty()) {
                                            (false, true) => "No longer".to_owned(),
                                            (true, true) => "Directly".to_owned(),
                                            (true, false) => format!("Directly and through {}", a.groups.join(", ")),
                                            (false, false) => format!("Through {}", a.groups.join(", ")),
                                        };
                                        let account = match a.account {
                                            None => "None yet".to_owned(),
                                            Some((external_id, true)) => format!("Active ({external_id})"),
                                            Some((external_id, false)) => format!("Deactivated ({external_id})"),
                                        };
                                        view! {
                                            <tr>
                                                <td><a href=format!("/apps/{}/assignments", a.app_id)>{a.app_name}</a></td>
                                                <td>{how}</td>
                                                <td>{account}</td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </section>
                    }.into_any()),
                }
            })}
        </Transition>
        <section class="card">
            <h2>"Recent events"</h2>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match events.await {
                        Err(e) => view! { <p class="error">{error_text(&e)}</p> }.into_any(),
                        Ok(page) if page.rows.is_empty() => view! { <p class="empty">"No events about this person."</p> }.into_any(),
                        Ok(page) => view! {
                            <table class="grid person-events">
                                <thead><tr><th>"Time"</th><th>"Event"</th><th>"Message"</th><th>"Actor"</th></tr></thead>
                                <tbody>
                                    {page.rows.into_iter().take(RECENT_EVENTS).map(|row| {
                                        let kind = row.event_type.clone();
                                        view! {
                                        <tr data-event-type=kind>
                                            <td>{match chrono::DateTime::parse_from_rfc3339(&row.published) {
                                                Ok(at) => view! { <Moment at=at.to_utc()/> }.into_any(),
                                                Err(_) => row.published.clone().into_any(),
                                            }}</td>
                                            <td class="mono">{row.event_type}</td>
                                            <td>{row.message}</td>
                                            <td>{row.actor}</td>
                                        </tr>
                                    }}).collect_view()}
                                </tbody>
                            </table>
                        }.into_any(),
                    }
                })}
            </Transition>
            <p><a href=all_events>"All events about this person in the System Log"</a></p>
        </section>
        </Show>
    }
}

/// What Real-Time Sync did as the page opened.
#[component]
fn SyncNote(sync: RealTimeSync) -> impl IntoView {
    match sync {
        RealTimeSync::NotSourced => None,
        RealTimeSync::Unchanged { app_name } => Some(view! {
            <p class="hint sync-note" data-testid="sync-note">{format!("Read from {app_name} just now: the profile is up to date.")}</p>
        }.into_any()),
        RealTimeSync::Updated { app_name, attributes } => Some(view! {
            <p class="status sync-note" role="status" data-testid="sync-note">
                {format!("Read from {app_name} just now: {} updated.", attributes.join(", "))}
            </p>
        }.into_any()),
        RealTimeSync::Failed { app_name, reason } => Some(view! {
            <p class="warning sync-note" role="alert" data-testid="sync-note">
                {format!("Could not refresh from {app_name}: {reason}. The profile below is the one stored at the last import.")}
            </p>
        }.into_any()),
    }
}

/// The person: name, status and its operations, facts, profile, accounts.
#[component]
fn PersonView(
    person: Person,
    change: ServerAction<ChangeStatus>,
    unlink: ServerAction<UnlinkAccount>,
    delete: ServerAction<DeletePerson>,
) -> impl IntoView {
    let u = person.user;
    let deleting = RwSignal::new(false);
    let accounts = person.accounts.len();
    let name = format!("{} {}", u.first_name, u.last_name);
    let status_class = format!("status {}", u.status.as_str().to_lowercase());
    let asking = RwSignal::new(None::<Lifecycle>);
    let (id, who, status) = (u.id.clone(), name.clone(), u.status);
    let (id_deleted, who_deleted) = (u.id.clone(), name.clone());
    let source = match &u.source_app_name {
        Some(app) => format!("{app}: read-only in Muster; each import from {app} overwrites it"),
        None => "Muster".to_owned(),
    };
    let profile = u.profile_pairs();
    view! {
        <h1>{name.clone()}</h1>
        <p class="person-status">
            <span class=status_class>{u.status.as_str()}</span>" "
            <span class="hint">{u.status.label()}</span>
        </p>
        <div class="actions lifecycle">
            {Lifecycle::for_status(u.status).into_iter().map(|op| view! {
                <button type="button" on:click=move |_| asking.set(Some(op))>{op.label()}</button>
            }).collect_view()}
            <Show when=move || status == UserStatus::Deprovisioned>
                <button type="button" class="danger" on:click=move |_| deleting.set(true)>"Delete"</button>
            </Show>
        </div>
        <Show when=move || deleting.get()>
            {
                let question = format!(
                    "Delete {}? This cannot be undone. {}",
                    who_deleted, match accounts {
                        0 => "They have no app accounts.".to_owned(),
                        1 => "Their account in 1 app stays in the app, unlinked; the app's next full import queues it again.".to_owned(),
                        n => format!("Their accounts in {n} apps stay in the apps, unlinked; each app's next full import queues them again."),
                    }
                );
                let id = id_deleted.clone();
                view! {
                    <div class="dialog" role="dialog" aria-label="Delete person">
                        <p>{question}</p>
                        <button type="button" class="primary danger" on:click=move |_| {
                            deleting.set(false);
                            delete.dispatch(DeletePerson { id: id.clone() });
                        }>"Delete"</button>
                        <button type="button" on:click=move |_| deleting.set(false)>"Cancel"</button>
                    </div>
                }
            }
        </Show>
        {move || asking.get().map(|op| {
            let question = format!(
                "{} {who}? Their status changes from {} to {} ({}).",
                op.label(), status.as_str(), op.outcome().as_str(), op.outcome().label()
            );
            let id = id.clone();
            view! {
                <div class="dialog" role="dialog" aria-label=format!("{} person", op.label())>
                    <p>{question}</p>
                    <button type="button" class="primary" on:click=move |_| {
                        asking.set(None);
                        change.dispatch(ChangeStatus { user_ids: vec![id.clone()], op });
                    }>{op.label()}</button>
                    <button type="button" on:click=move |_| asking.set(None)>"Cancel"</button>
                </div>
            }
        })}
        <section class="card">
            <dl class="facts">
                <dt>"Login"</dt><dd>{u.login.clone()}</dd>
                <dt>"Email"</dt><dd>{u.email.clone()}</dd>
                <dt>"Profile source"</dt><dd>{source}</dd>
                <dt>"Created"</dt><dd><Moment at=u.created/></dd>
                <dt>"Activated"</dt><dd>{u.activated.map(|at| view! { <Moment at/> })}</dd>
                <dt>"Last updated"</dt><dd><Moment at=u.last_updated/></dd>
            </dl>
        </section>
        <section class="card">
            <h2>"Profile"</h2>
            <dl class="facts profile">
                {profile.into_iter().map(|(k, v)| view! { <dt>{k.clone()}</dt><dd><ProfileValue name=k value=v/></dd> }).collect_view()}
            </dl>
        </section>
        <section class="card">
            <h2>"App accounts"</h2>
            <Accounts user=u accounts=person.accounts unlink/>
        </section>
    }
}

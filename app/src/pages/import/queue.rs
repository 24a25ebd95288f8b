//! The import queue: unconfirmed users with their match, each one's
//! decision, Confirm Assignments and Clear Unconfirmed Users.

use super::any_active;
use crate::api::imports::{list_queue, ClearUnconfirmed, ConfirmAssignments, SetQueueAction};
use crate::api::people::list_people;
use crate::components::{count, error_text, Pager};
use leptos::prelude::*;
use proto::{ImportRun, MatchType, QueueChoice, QueueRow};
use std::collections::BTreeSet;

/// The option that opens the user search instead of choosing an action.
const SEARCH: &str = "SEARCH";

type Runs = Resource<Result<Vec<ImportRun>, ServerFnError>>;

#[component]
pub fn QueueSection(app_id: String, runs: Runs) -> impl IntoView {
    let confirm = ServerAction::<ConfirmAssignments>::new();
    let clear = ServerAction::<ClearUnconfirmed>::new();
    let clear_dialog = RwSignal::new(false);
    let set_action = ServerAction::<SetQueueAction>::new();
    let id = StoredValue::new(app_id);

    // Reload the queue when an import ends or rows are confirmed.
    let finished = Memo::new(move |_| {
        runs.get()
            .and_then(Result::ok)
            .map(|rs| rs.iter().filter(|r| !r.is_active()).count())
            .unwrap_or(0)
    });
    let queue_filter = RwSignal::new(None::<MatchType>);
    let queue_offset = RwSignal::new(0i64);
    let queue = Resource::new(
        move || {
            let versions = (
                confirm.version().get(),
                clear.version().get(),
                finished.get(),
                set_action.version().get(),
            );
            (
                id.get_value(),
                queue_filter.get(),
                queue_offset.get(),
                versions,
            )
        },
        |(id, filter, offset, _)| list_queue(id, filter, offset),
    );
    // The queue's size as the server last gave it, for the Clear dialog.
    let queue_total = RwSignal::new(0i64);
    let selected = RwSignal::new(BTreeSet::<i64>::new());
    let select_all = RwSignal::new(false);
    let activate = RwSignal::new(false);

    let confirm_now = move |_| {
        let seqs = selected.get_untracked().into_iter().collect();
        confirm.dispatch(ConfirmAssignments {
            app_id: id.get_value(),
            seqs,
            all: select_all.get_untracked(),
            match_type: queue_filter.get_untracked(),
            activate: activate.get_untracked(),
        });
        selected.set(BTreeSet::new());
        select_all.set(false);
    };
    // Only the chosen rows when some are ticked; otherwise the whole queue.
    let clear_only_selected = move || !select_all.get() && !selected.get().is_empty();
    let clear_tally = move || {
        if clear_only_selected() {
            selected.get().len() as i64
        } else {
            queue_total.get()
        }
    };
    let clear_now = move |_| {
        let only_selected = clear_only_selected();
        let seqs = selected.get_untracked().into_iter().collect();
        clear.dispatch(ClearUnconfirmed {
            app_id: id.get_value(),
            seqs,
            all: !only_selected,
            match_type: if select_all.get_untracked() {
                queue_filter.get_untracked()
            } else {
                None
            },
        });
        clear_dialog.set(false);
        selected.set(BTreeSet::new());
        select_all.set(false);
    };

    view! {
        <section class="card queue">
            <h2>"Import queue"</h2>
            <div class="toolbar">
                <label for="queue-filter">"Show"</label>
                <select id="queue-filter" prop:value=move || queue_filter.get().map_or("", MatchType::as_str) on:change=move |ev| {
                    queue_filter.set(MatchType::parse(&event_target_value(&ev)));
                    queue_offset.set(0);
                }>
                    <option value="">"All"</option>
                    <option value="NEW">"New"</option>
                    <option value="EXACT">"Exact match"</option>
                    <option value="PARTIAL">"Partial match"</option>
                    <option value="CONFLICT">"Conflict"</option>
                </select>
                <label class="check">
                    <input type="checkbox" prop:checked=move || activate.get() on:change=move |ev| activate.set(event_target_checked(&ev))/>
                    "Automatically activate new users"
                </label>
                <button
                    type="button"
                    class="primary"
                    disabled=move || selected.get().is_empty() && !select_all.get()
                    on:click=confirm_now
                >
                    "Confirm Assignments"
                </button>
                // Rendered from the queue and the runs as the server has them,
                // so the first page load and the hydrated page agree.
                <Transition fallback=|| view! { <button type="button" disabled=true>"Clear Unconfirmed Users"</button> }>
                    {move || Suspend::new(async move {
                        let total = queue.await.map(|p| p.total).unwrap_or(0);
                        let busy = runs.await.map(|rs| any_active(&rs)).unwrap_or(false);
                        queue_total.set(total);
                        view! {
                            <button
                                type="button"
                                disabled=busy || total == 0
                                title=busy.then_some("Available when the running import ends")
                                on:click=move |_| clear_dialog.set(true)
                            >
                                "Clear Unconfirmed Users"
                            </button>
                        }
                    })}
                </Transition>
            </div>
            {move || clear_dialog.get().then(|| view! {
                <div class="dialog" role="dialog" aria-label="Clear Unconfirmed Users">
                    <p>
                        {move || if clear_only_selected() {
                            format!("Clear the {} selected unconfirmed users from the import queue?", count(clear_tally()))
                        } else {
                            format!("Clear all {} unconfirmed users from the import queue?", count(clear_tally()))
                        }}
                    </p>
                    <p class="hint">"Their app accounts stay staged; a full import restores the queue."</p>
                    <button type="button" class="primary" on:click=clear_now>"Clear Import Results"</button>
                    <button type="button" on:click=move |_| clear_dialog.set(false)>"Cancel"</button>
                </div>
            })}
            {move || clear.value().get().map(|r| match r {
                Ok(n) => view! { <p class="status" role="status">{format!("Cleared {} unconfirmed users.", count(n))}</p> }.into_any(),
                Err(e) => view! { <p class="error" role="alert">{error_text(&e)}</p> }.into_any(),
            })}
            {move || confirm.value().get().map(|r| match r {
                Ok(c) => view! {
                    <p class="status" role="status">
                        {format!(
                            "Confirmed: {} users created ({} activated), {} linked to existing users, {} ignored{}.",
                            count(c.created), count(c.activated), count(c.linked), count(c.ignored),
                            if c.skipped > 0 { format!(", {} left for review", count(c.skipped)) } else { String::new() },
                        )}
                    </p>
                }.into_any(),
                Err(e) => view! { <p class="error" role="alert">{error_text(&e)}</p> }.into_any(),
            })}
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match queue.await {
                        Err(e) => view! { <p class="error">{error_text(&e)}</p> }.into_any(),
                        Ok(page) if page.items.is_empty() => view! { <p class="empty">"No unconfirmed users."</p> }.into_any(),
                        Ok(page) => {
                            let total = page.total;
                            let page_seqs: Vec<i64> = page.items.iter().map(|r| r.seq).collect();
                            view! {
                                <label class="check select-all">
                                    <input type="checkbox" prop:checked=move || select_all.get() on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        select_all.set(on);
                                        selected.set(if on { page_seqs.iter().copied().collect() } else { BTreeSet::new() });
                                    }/>
                                    {format!("Select all {} unconfirmed users", count(total))}
                                </label>
                                <table class="grid queue-rows">
                                    <thead><tr><th></th><th>"User"</th><th>"Login"</th><th>"Email"</th><th>"Match"</th><th>"Existing user"</th><th>"Action"</th></tr></thead>
                                    <tbody>
                                        {page.items.into_iter().map(|row| {
                                            let seq = row.seq;
                                            let label = format!("Select {}", row.login);
                                            let decision = row.clone();
                                            let existing = existing_text(&row);
                                            view! {
                                                <tr data-match=row.match_type.as_str()>
                                                    <td><input type="checkbox" aria-label=label
                                                        prop:checked=move || select_all.get() || selected.get().contains(&seq)
                                                        on:change=move |ev| {
                                                            let on = event_target_checked(&ev);
                                                            if !on { select_all.set(false); }
                                                            selected.update(|s| { if on { s.insert(seq); } else { s.remove(&seq); } });
                                                        }/></td>
                                                    <td>{format!("{} {}", row.first_name, row.last_name)}</td>
                                                    <td>{row.login}</td>
                                                    <td>{row.email}</td>
                                                    <td><span class=format!("badge {}", row.match_type.as_str().to_lowercase())>{row.match_type.label()}</span></td>
                                                    <td>{existing}</td>
                                                    <td><RowDecision row=decision app_id=id.get_value() set_action/></td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                                <Pager offset=queue_offset total=total limit=page.limit/>
                            }.into_any()
                        }
                    }
                })}
            </Transition>
        </section>
    }
}

/// What the Existing user column shows: the match, or the candidates.
fn existing_text(row: &QueueRow) -> String {
    if let Some(login) = &row.matched_user_login {
        return login.clone();
    }
    match row.candidate_logins.len() {
        0 => String::new(),
        1 => row.candidate_logins.join(""),
        n => format!("{n} candidates: {}", row.candidate_logins.join(", ")),
    }
}

/// A queue row's decision: as its match type says, create a new user, link
/// to the match or to a user the admin searches for, or ignore.
#[component]
fn RowDecision(
    row: QueueRow,
    app_id: String,
    set_action: ServerAction<SetQueueAction>,
) -> impl IntoView {
    let seq = row.seq;
    let app = StoredValue::new(app_id);
    let searching = RwSignal::new(false);
    let query = RwSignal::new(String::new());
    let found = Resource::new(
        move || query.get(),
        |q| async move {
            if q.trim().chars().count() < 2 {
                return Ok(Vec::new());
            }
            list_people(q, 0).await.map(|p| p.items)
        },
    );
    let default_label = match (row.match_type, &row.matched_user_login) {
        (MatchType::New, _) => "Create new user".to_string(),
        (_, Some(login)) => format!("Link to {login}"),
        _ => "Choose a user".to_string(),
    };
    let current = match (row.action, &row.action_user_login) {
        (Some(QueueChoice::Link), Some(_)) => SEARCH,
        (Some(a), _) => a.as_str(),
        (None, _) => "",
    };
    let chosen = row.action_user_login.clone();
    let send = move |action: Option<QueueChoice>, user_id: Option<String>| {
        set_action.dispatch(SetQueueAction {
            app_id: app.get_value(),
            seq,
            action,
            user_id,
        });
    };
    let login = row.login.clone();
    view! {
        <div class="decision">
            <select aria-label=format!("Action for {login}") on:change=move |ev| {
                let v = event_target_value(&ev);
                if v == SEARCH {
                    searching.set(true);
                } else {
                    searching.set(false);
                    send(QueueChoice::parse(&v), None);
                }
            }>
                <option value="" selected=current.is_empty()>{default_label}</option>
                <option value=QueueChoice::Create.as_str() selected=current == QueueChoice::Create.as_str()>"Create new user"</option>
                {row.matched_user_login.clone().map(|l| view! { <option value=QueueChoice::Link.as_str() selected=current == QueueChoice::Link.as_str()>{format!("Link to {l}")}</option> })}
                <option value=SEARCH selected=current == SEARCH>"Link to another user…"</option>
                <option value=QueueChoice::Ignore.as_str() selected=current == QueueChoice::Ignore.as_str()>"Ignore"</option>
            </select>
            {chosen.map(|l| view! { <span class="chosen">{format!("→ {l}")}</span> })}
            <Show when=move || searching.get()>
                <div class="user-search">
                    <input type="search" placeholder="Search people by name, login or email" aria-label=format!("Find a user for {}", row.login)
                        on:input=move |ev| query.set(event_target_value(&ev))/>
                    <Transition fallback=|| ()>
                        {move || Suspend::new(async move {
                            let users = found.await.unwrap_or_default();
                            view! {
                                <ul class="search-results">
                                    {users.into_iter().take(8).map(|u| {
                                        let uid = u.id.clone();
                                        view! {
                                            <li><button type="button" class="link-user" on:click=move |_| {
                                                searching.set(false);
                                                send(Some(QueueChoice::Link), Some(uid.clone()));
                                            }>{format!("{} {} ({})", u.first_name, u.last_name, u.login)}</button></li>
                                        }
                                    }).collect_view()}
                                </ul>
                            }
                        })}
                    </Transition>
                </div>
            </Show>
        </div>
    }
}

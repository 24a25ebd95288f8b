//! The import queue: unconfirmed users with their match, each one's
//! decision, the selection, Confirm Assignments and Clear Unconfirmed Users.

use super::any_active;
use crate::api::imports::{
    list_queue, set_queue_action, tally_queue, ClearUnconfirmed, ConfirmAssignments,
};
use crate::api::people::{get_person, list_people, unlink_account};
use crate::components::{count, error_text, query_value, Pager};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_location, use_navigate, use_query_map};
use proto::{
    ImportRun, MatchType, PeopleFilter, Person, QueueActionOutcome, QueueChoice, QueueRow,
    QueueTally,
};
use std::collections::BTreeSet;

/// The option that opens the user search instead of choosing an action.
const SEARCH: &str = "SEARCH";
/// The start of an option that links to one candidate: `USER:<user id>`.
const USER: &str = "USER:";

type Runs = Resource<Result<Vec<ImportRun>, ServerFnError>>;

/// Queue rows as the server functions take them: these rows, or when `all`
/// every row (of `match_type`, when given).
#[derive(Debug, Clone, PartialEq)]
struct RowSet {
    seqs: Vec<i64>,
    all: bool,
    match_type: Option<MatchType>,
}

impl RowSet {
    fn whole_queue() -> RowSet {
        RowSet {
            seqs: Vec::new(),
            all: true,
            match_type: None,
        }
    }
}

/// The dialog open over the queue, with the rows it acts on.
#[derive(Debug, Clone, PartialEq)]
enum Dialog {
    Confirm(RowSet),
    Clear { rows: RowSet, whole_queue: bool },
}

impl Dialog {
    fn rows(&self) -> &RowSet {
        match self {
            Dialog::Confirm(rows) | Dialog::Clear { rows, .. } => rows,
        }
    }
}

#[component]
pub fn QueueSection(app_id: String, loaded: Runs, runs: Memo<Vec<ImportRun>>) -> impl IntoView {
    let confirm = ServerAction::<ConfirmAssignments>::new();
    let clear = ServerAction::<ClearUnconfirmed>::new();
    let id = StoredValue::new(app_id);
    // Bumped when a row's decision is saved or an account unlinked.
    let changed = RwSignal::new(0u64);

    // Reload the queue when an import ends or rows are confirmed.
    let finished = Memo::new(move |_| {
        runs.with(|rs| {
            rs.iter()
                .find(|r| !r.is_active())
                .map(|r| (r.id.clone(), r.status))
        })
    });
    // The filter is the URL's (`show`), so Back works and a view can be shared.
    let query = use_query_map();
    let queue_filter =
        Memo::new(move |_| MatchType::parse(&query.with(|q| q.get("show")).unwrap_or_default()));
    let navigate = use_navigate();
    let location = use_location();
    let show = move |filter: Option<MatchType>| {
        let mut params: Vec<(String, String)> = query.with_untracked(|q| {
            q.clone()
                .into_iter()
                .filter(|(k, _)| k != "show")
                .map(|(k, v)| (k.to_string(), v))
                .collect()
        });
        if let Some(filter) = filter {
            params.push(("show".into(), filter.as_str().to_owned()));
        }
        let q: Vec<String> = params
            .iter()
            .map(|(k, v)| format!("{k}={}", query_value(v)))
            .collect();
        navigate(
            &format!("{}?{}", location.pathname.get_untracked(), q.join("&")),
            Default::default(),
        );
    };
    let queue_offset = RwSignal::new(0i64);
    let queue = Resource::new(
        move || {
            let versions = (
                confirm.version().get(),
                clear.version().get(),
                finished.get(),
                changed.get(),
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

    // The selection: rows ticked one by one (on any page) or, as a second
    // step after ticking a whole page, every row matching the filter.
    let selected = RwSignal::new(BTreeSet::<i64>::new());
    let all_matching = RwSignal::new(false);
    // The page on screen and the filter's total, as last loaded.
    let page_seqs = RwSignal::new(Vec::<i64>::new());
    let matching_total = RwSignal::new(0i64);
    let selected_count = move || {
        if all_matching.get() {
            matching_total.get()
        } else {
            selected.with(|s| s.len() as i64)
        }
    };
    let page_selected = move || {
        page_seqs.with(|seqs| {
            !seqs.is_empty()
                && (all_matching.get() || selected.with(|s| seqs.iter().all(|q| s.contains(q))))
        })
    };
    let clear_selection = move || {
        selected.set(BTreeSet::new());
        all_matching.set(false);
    };
    // Another filter (chosen, or back from the URL) starts on its first
    // page with nothing selected.
    Effect::new(move |previous: Option<Option<MatchType>>| {
        let now = queue_filter.get();
        if previous.is_some_and(|p| p != now) {
            queue_offset.set(0);
            clear_selection();
        }
        now
    });
    let selection = move || {
        if all_matching.get_untracked() {
            RowSet {
                seqs: Vec::new(),
                all: true,
                match_type: queue_filter.get_untracked(),
            }
        } else {
            RowSet {
                seqs: selected.get_untracked().into_iter().collect(),
                all: false,
                match_type: None,
            }
        }
    };

    // A dialog says what it will act on, counted by the server, before it runs.
    let dialog = RwSignal::new(None::<Dialog>);
    let tally = RwSignal::new(None::<Result<QueueTally, String>>);
    let asked = StoredValue::new(0u64);
    let activate = RwSignal::new(false);
    let open = move |d: Dialog| {
        let rows = d.rows().clone();
        tally.set(None);
        dialog.set(Some(d));
        asked.update_value(|n| *n += 1);
        let this = asked.get_value();
        let app_id = id.get_value();
        spawn_local(async move {
            let counted = tally_queue(app_id, rows.seqs, rows.all, rows.match_type)
                .await
                .map_err(|e| error_text(&e));
            if asked.get_value() == this {
                tally.set(Some(counted));
            }
        });
    };
    let confirm_now = move |_| {
        if let Some(Dialog::Confirm(rows)) = dialog.get_untracked() {
            confirm.dispatch(ConfirmAssignments {
                app_id: id.get_value(),
                seqs: rows.seqs,
                all: rows.all,
                match_type: rows.match_type,
                activate: activate.get_untracked(),
            });
            clear_selection();
        }
        dialog.set(None);
    };
    let clear_now = move |_| {
        if let Some(Dialog::Clear { rows, .. }) = dialog.get_untracked() {
            clear.dispatch(ClearUnconfirmed {
                app_id: id.get_value(),
                seqs: rows.seqs,
                all: rows.all,
                match_type: rows.match_type,
            });
            clear_selection();
        }
        dialog.set(None);
    };
    let counted = move || tally.get().and_then(Result::ok);

    view! {
        <section class="card queue">
            <h2>"Import queue"</h2>
            <div class="toolbar">
                <label for="queue-filter">"Show"</label>
                <select id="queue-filter" prop:value=move || queue_filter.get().map_or("", MatchType::as_str) on:change=move |ev| {
                    show(MatchType::parse(&event_target_value(&ev)));
                    queue_offset.set(0);
                    clear_selection();
                }>
                    <option value="">"All"</option>
                    <option value="NEW">"New"</option>
                    <option value="EXACT">"Exact match"</option>
                    <option value="PARTIAL">"Partial match"</option>
                    <option value="CONFLICT">"Conflict"</option>
                </select>
                <span class="selection-count" data-testid="selection-count">
                    {move || format!("{} selected", count(selected_count()))}
                </span>
                <button
                    type="button"
                    class="primary"
                    disabled=move || selected_count() == 0
                    on:click=move |_| open(Dialog::Confirm(selection()))
                >
                    "Confirm Assignments"
                </button>
                // Rendered from the queue and the runs as the server has them,
                // so the first page load and the hydrated page agree.
                <Transition fallback=|| view! { <button type="button" disabled=true>"Clear Unconfirmed Users"</button> }>
                    {move || Suspend::new(async move {
                        let total = queue.await.map(|p| p.total).unwrap_or(0);
                        let loaded = loaded.await.map(|rs| any_active(&rs)).unwrap_or(false);
                        let busy = runs.with(|rs| if rs.is_empty() { loaded } else { any_active(rs) });
                        view! {
                            <button
                                type="button"
                                disabled=busy || total == 0
                                title=busy.then_some("Available when the running import ends")
                                on:click=move |_| {
                                    // The selected rows; with none, the whole queue (as Okta).
                                    let whole_queue = selected_count() == 0;
                                    let rows = if whole_queue { RowSet::whole_queue() } else { selection() };
                                    open(Dialog::Clear { rows, whole_queue });
                                }
                            >
                                "Clear Unconfirmed Users"
                            </button>
                        }
                    })}
                </Transition>
            </div>
            <div class="selection-bar">
                {move || {
                    let total = matching_total.get();
                    let on_page = page_seqs.with(Vec::len) as i64;
                    if all_matching.get() {
                        Some(view! {
                            <span>{format!("All {} users matching this filter are selected.", count(total))}</span>
                            <button type="button" class="link-button" on:click=move |_| clear_selection()>"Clear selection"</button>
                        }.into_any())
                    } else if page_selected() && total > on_page {
                        Some(view! {
                            <span>{format!("All {} users on this page are selected.", count(on_page))}</span>
                            <button type="button" class="link-button" on:click=move |_| all_matching.set(true)>
                                {format!("Select all {} matching this filter", count(total))}
                            </button>
                        }.into_any())
                    } else if selected_count() > 0 {
                        Some(view! {
                            <button type="button" class="link-button" on:click=move |_| clear_selection()>"Clear selection"</button>
                        }.into_any())
                    } else {
                        None
                    }
                }}
            </div>
            {move || dialog.get().map(|d| match d {
                Dialog::Confirm(_) => view! {
                    <div class="dialog" role="dialog" aria-label="Confirm Imported User Assignments">
                        <h3>"Confirm Imported User Assignments"</h3>
                        {move || match tally.get() {
                            None => view! { <p>"Counting the selected users…"</p> }.into_any(),
                            Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                            Some(Ok(t)) => view! {
                                <p>{format!("{} selected users will be confirmed:", count(t.total))}</p>
                                <ul class="tally">
                                    <li>{format!("{} new users created", count(t.create))}</li>
                                    <li>{format!("{} linked to existing users", count(t.link))}</li>
                                    <li>{move || format!("{} activated", count(if activate.get() { t.create } else { 0 }))}</li>
                                    {(t.ignore > 0).then(|| view! { <li>{format!("{} ignored", count(t.ignore))}</li> })}
                                    {(t.undecided > 0).then(|| view! { <li>{format!("{} need a decision first and stay in the queue", count(t.undecided))}</li> })}
                                    {(t.refused > 0).then(|| view! { <li>{format!("{} stay in the queue: the person already has an account in this app", count(t.refused))}</li> })}
                                </ul>
                            }.into_any(),
                        }}
                        <label class="check">
                            <input type="checkbox" prop:checked=move || activate.get() on:change=move |ev| activate.set(event_target_checked(&ev))/>
                            "Automatically activate new users"
                        </label>
                        <div class="actions">
                            <button type="button" class="primary" disabled=move || counted().is_none() on:click=confirm_now>"Confirm"</button>
                            <button type="button" on:click=move |_| dialog.set(None)>"Cancel"</button>
                        </div>
                    </div>
                }.into_any(),
                Dialog::Clear { whole_queue, .. } => view! {
                    <div class="dialog" role="dialog" aria-label="Clear Unconfirmed Users">
                        <p>
                            {move || match tally.get() {
                                None => "Counting the unconfirmed users…".to_string(),
                                Some(Err(e)) => e,
                                Some(Ok(t)) if whole_queue => format!("Clear all {} unconfirmed users from the import queue?", count(t.total)),
                                Some(Ok(t)) => format!("Clear the {} selected unconfirmed users from the import queue?", count(t.total)),
                            }}
                        </p>
                        <p class="hint">"Their app accounts stay staged; a full import restores the queue."</p>
                        <button type="button" class="primary" disabled=move || counted().is_none() on:click=clear_now>"Clear Import Results"</button>
                        <button type="button" on:click=move |_| dialog.set(None)>"Cancel"</button>
                    </div>
                }.into_any(),
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
                    {(!c.problems.is_empty()).then(|| view! {
                        <ul class="problems" role="alert">
                            {c.problems.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}
                        </ul>
                    })}
                }.into_any(),
                Err(e) => view! { <p class="error" role="alert">{error_text(&e)}</p> }.into_any(),
            })}
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match queue.await {
                        Err(e) => view! { <p class="error">{error_text(&e)}</p> }.into_any(),
                        Ok(page) if page.items.is_empty() => {
                            page_seqs.set(Vec::new());
                            matching_total.set(0);
                            view! { <p class="empty">"No unconfirmed users."</p> }.into_any()
                        }
                        Ok(page) => {
                            let total = page.total;
                            let seqs: Vec<i64> = page.items.iter().map(|r| r.seq).collect();
                            page_seqs.set(seqs.clone());
                            matching_total.set(total);
                            let seqs = StoredValue::new(seqs);
                            view! {
                                <table class="grid queue-rows">
                                    <thead><tr>
                                        <th><input type="checkbox" aria-label="Select all on this page"
                                            prop:checked=page_selected
                                            on:change=move |ev| {
                                                let on = event_target_checked(&ev);
                                                all_matching.set(false);
                                                selected.update(|s| seqs.with_value(|page| {
                                                    for seq in page {
                                                        if on { s.insert(*seq); } else { s.remove(seq); }
                                                    }
                                                }));
                                            }/></th>
                                        <th>"User"</th><th>"Login"</th><th>"Email"</th><th>"Match"</th><th>"Existing user"</th><th>"Action"</th>
                                    </tr></thead>
                                    <tbody>
                                        {page.items.into_iter().map(|row| {
                                            let seq = row.seq;
                                            let label = format!("Select {}", row.login);
                                            let decision = row.clone();
                                            let existing = existing_text(&row);
                                            view! {
                                                <tr data-match=row.match_type.as_str()>
                                                    <td><input type="checkbox" aria-label=label
                                                        prop:checked=move || all_matching.get() || selected.with(|s| s.contains(&seq))
                                                        on:change=move |ev| {
                                                            let on = event_target_checked(&ev);
                                                            if all_matching.get_untracked() {
                                                                // Every row was selected: what stays ticked is
                                                                // what this page shows.
                                                                all_matching.set(false);
                                                                selected.set(seqs.get_value().into_iter().collect());
                                                            }
                                                            selected.update(|s| { if on { s.insert(seq); } else { s.remove(&seq); } });
                                                        }/></td>
                                                    <td>{format!("{} {}", row.first_name, row.last_name)}</td>
                                                    <td>{row.login}</td>
                                                    <td>{row.email}</td>
                                                    <td><span class=format!("badge {}", row.match_type.as_str().to_lowercase())>{row.match_type.label()}</span></td>
                                                    <td>{existing}</td>
                                                    <td><RowDecision row=decision app_id=id.get_value() changed/></td>
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
    let logins: Vec<&str> = row
        .candidate_users
        .iter()
        .map(|u| u.login.as_str())
        .collect();
    match logins.len() {
        0 => String::new(),
        1 => logins.join(""),
        n => format!("{n} candidates: {}", logins.join(", ")),
    }
}

/// The option of a row's Action menu its decision shows as.
fn current_option(row: &QueueRow) -> String {
    match (row.action, &row.action_user_id) {
        (None, _) | (Some(QueueChoice::Link), None) => String::new(),
        (Some(QueueChoice::Create), _) if row.match_type == MatchType::New => String::new(),
        (Some(QueueChoice::Link), Some(user)) if row.matched_user_id.as_ref() == Some(user) => {
            String::new()
        }
        (Some(QueueChoice::Link), Some(user)) => {
            if row.candidate_users.iter().any(|c| &c.id == user) {
                format!("{USER}{user}")
            } else {
                SEARCH.to_string()
            }
        }
        (Some(choice), _) => choice.as_str().to_string(),
    }
}

/// A choice that came back unsaved.
#[derive(Debug, Clone, PartialEq)]
enum Answer {
    /// The person is sourced by another app: linking takes a confirmation.
    Ask { message: String, user_id: String },
    /// Refused; `unlink` offers to free the person of the app account they
    /// hold: its external id and what the button says.
    Refused {
        message: String,
        user_id: Option<String>,
        unlink: Option<(String, String)>,
    },
}

/// The app account a person holds in this app, as an offer to unlink it.
fn unlink_offer(person: &Person, app_id: &str) -> Option<(String, String)> {
    person
        .accounts
        .iter()
        .find(|a| a.app_id == app_id)
        .map(|a| {
            (
                a.external_id.clone(),
                format!(
                    "Unlink {} from {} {}",
                    a.login, person.user.first_name, person.user.last_name
                ),
            )
        })
}

/// A queue row's decision: as its match type says, create a new user, link
/// to the match, to one of the candidates or to a user the admin searches
/// for, or ignore.
#[component]
fn RowDecision(row: QueueRow, app_id: String, changed: RwSignal<u64>) -> impl IntoView {
    let seq = row.seq;
    let app = StoredValue::new(app_id);
    let searching = RwSignal::new(false);
    let query = RwSignal::new(String::new());
    let include_deactivated = RwSignal::new(false);
    let found = Resource::new(
        move || (query.get(), include_deactivated.get()),
        |(q, everyone)| async move {
            if q.trim().chars().count() < 2 {
                return Ok(Vec::new());
            }
            let filter = PeopleFilter {
                search: q,
                include_deactivated: everyone,
                ..Default::default()
            };
            list_people(filter, 0).await.map(|p| p.items)
        },
    );
    let answer = RwSignal::new(None::<Answer>);

    // Saves a choice; an unsaved one is shown under the menu.
    let send = move |action: Option<QueueChoice>, user_id: Option<String>, confirmed: bool| {
        answer.set(None);
        let app_id = app.get_value();
        spawn_local(async move {
            match set_queue_action(app_id.clone(), seq, action, user_id.clone(), confirmed).await {
                Ok(QueueActionOutcome::Saved) => changed.update(|n| *n += 1),
                Ok(QueueActionOutcome::ConfirmationNeeded(message)) => {
                    answer.try_set(Some(Answer::Ask {
                        message,
                        user_id: user_id.unwrap_or_default(),
                    }));
                }
                Err(e) => {
                    let unlink = match &user_id {
                        Some(id) => get_person(id.clone())
                            .await
                            .ok()
                            .and_then(|p| unlink_offer(&p, &app_id)),
                        None => None,
                    };
                    answer.try_set(Some(Answer::Refused {
                        message: error_text(&e),
                        user_id,
                        unlink,
                    }));
                }
            }
        });
    };
    // Frees the person of their account in this app, then links them here.
    let unlink_then_link = move |external_id: String, user_id: Option<String>| {
        let app_id = app.get_value();
        answer.set(None);
        spawn_local(async move {
            match unlink_account(app_id, external_id).await {
                Ok(()) => send(Some(QueueChoice::Link), user_id, false),
                Err(e) => {
                    answer.try_set(Some(Answer::Refused {
                        message: error_text(&e),
                        user_id: None,
                        unlink: None,
                    }));
                }
            }
        });
    };

    let default_label = match (row.match_type, &row.matched_user_login) {
        (MatchType::New, _) => "Create new user".to_string(),
        (_, Some(login)) => format!("Link to {login}"),
        _ => "Choose a user".to_string(),
    };
    let current = current_option(&row);
    let candidates: Vec<(String, String)> = row
        .candidate_users
        .iter()
        .filter(|c| row.matched_user_id.as_ref() != Some(&c.id))
        .map(|c| (format!("{USER}{}", c.id), format!("Link to {}", c.login)))
        .collect();
    let chosen = (current == SEARCH)
        .then(|| row.action_user_login.clone())
        .flatten();
    let login = row.login.clone();
    let is = |value: &str| current == value;
    view! {
        <div class="decision">
            <select aria-label=format!("Action for {login}") on:change=move |ev| {
                let v = event_target_value(&ev);
                if v == SEARCH {
                    answer.set(None);
                    searching.set(true);
                    return;
                }
                searching.set(false);
                match v.strip_prefix(USER) {
                    Some(user) => send(Some(QueueChoice::Link), Some(user.to_string()), false),
                    None => send(QueueChoice::parse(&v), None, false),
                }
            }>
                <option value="" selected=is("")>{default_label}</option>
                {(row.match_type != MatchType::New).then(|| view! {
                    <option value=QueueChoice::Create.as_str() selected=is(QueueChoice::Create.as_str())>"Create new user"</option>
                })}
                {candidates.into_iter().map(|(value, label)| {
                    let selected = is(&value);
                    view! { <option value=value selected=selected>{label}</option> }
                }).collect_view()}
                <option value=SEARCH selected=is(SEARCH)>"Link to another user…"</option>
                <option value=QueueChoice::Ignore.as_str() selected=is(QueueChoice::Ignore.as_str())>"Ignore"</option>
            </select>
            {chosen.map(|l| view! { <span class="chosen">{format!("→ {l}")}</span> })}
            {move || answer.get().map(|a| match a {
                Answer::Ask { message, user_id } => view! {
                    <div class="ask" role="alert">
                        <p>{message}</p>
                        <button type="button" class="primary" on:click=move |_| send(Some(QueueChoice::Link), Some(user_id.clone()), true)>"Link anyway"</button>
                        <button type="button" on:click=move |_| changed.update(|n| *n += 1)>"Cancel"</button>
                    </div>
                }.into_any(),
                Answer::Refused { message, user_id, unlink } => view! {
                    <div class="refused" role="alert">
                        <p class="error">{message}</p>
                        {unlink.map(|(external_id, label)| view! {
                            <button type="button" on:click=move |_| unlink_then_link(external_id.clone(), user_id.clone())>{label}</button>
                        })}
                    </div>
                }.into_any(),
            })}
            <Show when=move || searching.get()>
                <div class="user-search">
                    <input type="search" placeholder="Search people by name, login or email" aria-label=format!("Find a user for {}", row.login)
                        on:input=move |ev| query.set(event_target_value(&ev))/>
                    <label class="check">
                        <input type="checkbox" prop:checked=move || include_deactivated.get()
                            on:change=move |ev| include_deactivated.set(event_target_checked(&ev))/>
                        "Include deactivated people"
                    </label>
                    <Transition fallback=|| ()>
                        {move || Suspend::new(async move {
                            let people = found.await.unwrap_or_default();
                            view! {
                                <ul class="search-results">
                                    {people.into_iter().take(8).map(|p| {
                                        let uid = p.user.id.clone();
                                        let status = p.user.status.as_str();
                                        let accounts = if p.accounts.is_empty() {
                                            "No app accounts".to_string()
                                        } else {
                                            let each: Vec<String> = p.accounts.iter().map(|a| format!("{}: {}", a.app_name, a.login)).collect();
                                            format!("Apps: {}", each.join(", "))
                                        };
                                        view! {
                                            <li>
                                                <button type="button" class="link-user" on:click=move |_| {
                                                    searching.set(false);
                                                    send(Some(QueueChoice::Link), Some(uid.clone()), false);
                                                }>{format!("{} {} ({})", p.user.first_name, p.user.last_name, p.user.login)}</button>
                                                " "
                                                <span class=format!("status {}", status.to_lowercase())>{status}</span>
                                                " "
                                                <span class="accounts">{accounts}</span>
                                            </li>
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

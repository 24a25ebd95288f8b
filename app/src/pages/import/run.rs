//! The run: imports running or queued with their progress, and the last
//! finished one's outcome with its plan and row errors.

use crate::api::imports::{list_plan_lines, list_removals, list_row_errors, ApplyPreview};
use crate::components::{count, error_text, query_value, Moment, Pager};
use leptos::prelude::*;
use proto::{ImportRun, Plan, PlanPart, PlanSection, PlanUser, RunStatus, SafeguardLevel};

fn progress_text(r: &ImportRun) -> String {
    let total = r
        .total
        .map(|t| format!(" of {}", count(t)))
        .unwrap_or_default();
    let rate = r
        .rate
        .map(|v| format!(" ({} rows/s)", count(v as i64)))
        .unwrap_or_default();
    format!(
        "Importing: {} rows read{total}{rate}",
        count(r.counts.scanned)
    )
}

/// What a finished run did, a sentence a line: the rows it read (new,
/// updated, unchanged and in error add up to those scanned), the accounts it
/// queued, the people it reactivated or removed, and what it did to groups.
pub(crate) fn summary_lines(r: &ImportRun) -> Vec<String> {
    let c = &r.counts;
    let would = if r.preview { "would be " } else { "" };
    let mut lines = vec![format!(
        "{} users scanned: {} new, {} updated, {} unchanged, {} in error.",
        count(c.scanned),
        count(c.new),
        count(c.updated),
        count(c.unchanged),
        count(c.errors)
    )];
    lines.push(format!(
        "Matching: {} exact {}, {} partial {}, {} {}, {} with no match (new people).",
        count(c.matched),
        plural(c.matched, "match", "matches"),
        count(c.partial),
        plural(c.partial, "match", "matches"),
        count(c.conflicts),
        plural(c.conflicts, "conflict", "conflicts"),
        count(c.unmatched),
    ));
    if r.status == RunStatus::Paused {
        lines.push(format!(
            "People reactivated: {}. People to remove: waiting for the admin's decision below.",
            count(c.reactivated)
        ));
    } else {
        lines.push(format!(
            "People {would}reactivated: {}. People {would}removed: {} deactivated, {} suspended, {} unassigned.",
            count(c.reactivated),
            count(c.deactivated),
            count(c.suspended),
            count(c.unassigned)
        ));
    }
    if let Some(g) = &r.groups {
        lines.push(format!(
            "{} {} read: {} new, {} updated, {} removed; {} memberships added, {} removed.",
            count(g.scanned),
            if g.scanned == 1 { "group" } else { "groups" },
            count(g.new),
            count(g.updated),
            count(g.removed),
            count(g.members_added),
            count(g.members_removed)
        ));
    }
    lines
}

fn plural(n: i64, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 {
        one
    } else {
        many
    }
}

/// How a finished run ended, as its heading and the summary's class.
fn outcome(r: &ImportRun) -> (&'static str, &'static str) {
    match (r.status, r.preview) {
        (RunStatus::Completed, true) => ("Preview: nothing was changed", "summary"),
        (RunStatus::Completed, false) => ("Import complete", "summary"),
        (RunStatus::Paused, _) => ("Import paused at a safeguard", "summary paused"),
        _ => ("Import failed", "summary failed"),
    }
}

/// Running and queued imports, with their progress.
#[component]
pub fn Active(runs: Vec<ImportRun>) -> impl IntoView {
    // An import paused at a safeguard holds the app's imports until the
    // admin decides.
    let waits_for = if runs.iter().any(|r| r.status == RunStatus::Paused) {
        "it starts when the paused import is resumed or cancelled."
    } else {
        "it starts when the running import ends."
    };
    let active: Vec<ImportRun> = runs.into_iter().filter(|r| r.is_active()).collect();
    active.into_iter().rev().map(|r| if r.status == RunStatus::Running {
        view! {
            <div class="progress" role="status">
                <p>{progress_text(&r)}</p>
                <progress max=r.total.unwrap_or(0) value=r.counts.scanned></progress>
            </div>
        }.into_any()
    } else {
        view! { <p class="queued" role="status">{format!("{} import queued: {waits_for}", r.import_type)}</p> }.into_any()
    }).collect_view()
}

/// A run that finished after the one shown, offered rather than swapped in.
#[component]
pub fn Newer(
    runs: Vec<ImportRun>,
    shown: Option<ImportRun>,
    shown_id: RwSignal<Option<String>>,
) -> impl IntoView {
    let shown = shown.filter(|r| !r.is_active());
    let newer = runs.into_iter().find(|r| !r.is_active()).filter(|n| {
        shown
            .as_ref()
            .is_some_and(|l| n.id != l.id && n.created > l.created)
    });
    newer.map(|n| {
        let text = format!("A newer {} finished ({}).", kind_of(&n), n.status.as_str());
        view! {
            <p class="hint newer-run">{text}" "
                <button type="button" class="link-button" on:click=move |_| shown_id.set(Some(n.id.clone()))>"Show it"</button>
            </p>
        }
    })
}

/// The outcome of the run this tab shows: its summary, its plan while the
/// plan still matters (a preview to apply or discard, a run paused at a
/// safeguard), its row errors and its events.
#[component]
pub fn Outcome(
    shown: Option<ImportRun>,
    discarded: RwSignal<Vec<String>>,
    apply: ServerAction<ApplyPreview>,
) -> impl IntoView {
    let last = shown.filter(|r| !r.is_active());
    view! {
        {last.map(|r| {
            let ok = r.status == RunStatus::Completed;
            let (heading, class) = outcome(&r);
            let gone = discarded.with(|d| d.contains(&r.id));
            let plan = (r.preview || r.status == RunStatus::Paused).then_some(r.plan.clone()).flatten().filter(|_| !gone);
            let run_id = StoredValue::new(r.id.clone());
            let events = format!(
                "/logs?filter={}&range=all",
                query_value(&format!("transaction.id eq \"{}\"", r.id))
            );
            view! {
                <div class=class role="status" data-testid="run-summary" data-run-id=r.id.clone()>
                    <h3>{heading}</h3>
                    <p class="hint">{format!("{}, requested ", kind_of(&r))}<Moment at=r.created/></p>
                    {summary_lines(&r).into_iter().map(|line| view! { <p>{line}</p> }).collect_view()}
                    {r.message.clone().map(|m| view! { <p class=if ok { "hint" } else { "error" }>{m}</p> })}
                    {gone.then(|| view! { <p class="hint">"Preview discarded: nothing was changed."</p> })}
                    {(r.preview && ok && !gone).then(|| view! {
                        <div class="actions plan-actions">
                            <button type="button" class="primary" disabled=move || apply.pending().get()
                                on:click=move |_| { apply.dispatch(ApplyPreview { run_id: run_id.get_value() }); }>
                                "Apply"
                            </button>
                            <button type="button" on:click=move |_| discarded.update(|d| d.push(run_id.get_value()))>"Discard"</button>
                        </div>
                    })}
                    {plan.map(|plan| view! { <PlanDiff plan run_id=r.id.clone()/> })}
                    {(r.status == RunStatus::Paused).then(|| view! { <Removals run_id=r.id.clone()/> })}
                    {(r.counts.errors > 0).then(|| view! { <RowErrors run_id=r.id.clone()/> })}
                    <p><a href=events>"System Log events of this import"</a></p>
                </div>
            }
        })}
        {move || apply.value().get().and_then(|r| r.err()).map(|e| view! { <p class="error" role="alert">{error_text(&e)}</p> })}
    }
}

/// "Full import", "Incremental import (preview)".
fn kind_of(r: &ImportRun) -> String {
    let preview = if r.preview { " (preview)" } else { "" };
    format!("{} import{preview}", r.import_type)
}

/// Everyone a paused import would remove, searchable and downloadable,
/// for the admin to read before Resume or Cancel.
#[component]
fn Removals(run_id: String) -> impl IntoView {
    let offset = RwSignal::new(0i64);
    let search = RwSignal::new(String::new());
    let rid = StoredValue::new(run_id.clone());
    let removals = Resource::new(
        move || (rid.get_value(), search.get(), offset.get()),
        |(id, q, o)| list_removals(id, q, o),
    );
    view! {
        <div class="removals" data-testid="removals">
            <h4>"Who this import would remove"</h4>
            <div class="toolbar">
                <input type="search" aria-label="Search the users this import would remove" placeholder="Search by name, login or email"
                    on:input=move |ev| { search.set(event_target_value(&ev)); offset.set(0); }/>
                <a class="button" href=format!("/console/runs/{run_id}/removals.csv") download="import-removals.csv">"Download CSV"</a>
            </div>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match removals.await {
                        Err(e) => view! { <p class="error">{error_text(&e)}</p> }.into_any(),
                        Ok(page) if page.items.is_empty() => view! { <p class="empty">"Nobody matches."</p> }.into_any(),
                        Ok(page) => view! {
                            <p class="hint">{format!("{} users", count(page.total))}</p>
                            <table class="grid removal-rows">
                                <thead><tr><th>"Name"</th><th>"Login"</th><th>"Email"</th><th>"What happens"</th></tr></thead>
                                <tbody>
                                    {page.items.into_iter().map(|r| view! {
                                        <tr>
                                            <td>{format!("{} {}", r.first_name, r.last_name)}</td>
                                            <td>{r.login}</td>
                                            <td>{r.email}</td>
                                            <td>{r.action.label()}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                            <Pager offset total=page.total limit=page.limit/>
                        }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

/// The rows of a run that could not be imported.
#[component]
fn RowErrors(run_id: String) -> impl IntoView {
    let offset = RwSignal::new(0i64);
    let rid = StoredValue::new(run_id.clone());
    let errors = Resource::new(
        move || (rid.get_value(), offset.get()),
        |(id, o)| list_row_errors(id, o),
    );
    view! {
        <div class="row-errors">
            <a class="button" href=format!("/console/runs/{run_id}/errors.csv") download="import-errors.csv">"Download error report"</a>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    errors.await.ok().map(|page| view! {
                        <table class="grid errors">
                            <thead><tr><th>"Line"</th><th>"Column"</th><th>"Value"</th><th>"Error"</th></tr></thead>
                            <tbody>
                                {page.items.into_iter().map(|e| view! {
                                    <tr>
                                        <td>{e.line.map(|l| l.to_string()).unwrap_or_default()}</td>
                                        <td>{e.field.unwrap_or_default()}</td>
                                        <td>{e.value.unwrap_or_default()}</td>
                                        <td>{e.message}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                        <Pager offset total=page.total limit=page.limit/>
                    })
                })}
            </Transition>
        </div>
    }
}

/// A plan as a diff: each part with its first users and what happens to
/// them; a search reaches the whole plan, which downloads as CSV.
#[component]
fn PlanDiff(plan: Plan, run_id: String) -> impl IntoView {
    let roadblock = roadblock_text(&plan);
    let confirms = plan.confirms;
    let sections = plan_sections(plan);
    let search = RwSignal::new(String::new());
    let offset = RwSignal::new(0i64);
    let rid = StoredValue::new(run_id.clone());
    let found = Resource::new(
        move || (rid.get_value(), search.get(), offset.get()),
        |(id, q, o)| async move {
            if q.trim().is_empty() {
                Ok(None)
            } else {
                list_plan_lines(id, q, o).await.map(Some)
            }
        },
    );
    view! {
        <div class="plan" data-testid="plan">
            {roadblock.map(|r| view! { <p class="error" role="alert">{r}</p> })}
            <div class="toolbar">
                <input type="search" aria-label="Search the plan" placeholder="Search the plan by login or change"
                    on:input=move |ev| { search.set(event_target_value(&ev)); offset.set(0); }/>
                <a class="button" href=format!("/console/runs/{run_id}/plan.csv") download="import-plan.csv">"Download plan"</a>
            </div>
            <Show when=move || search.with(|q| !q.trim().is_empty())
                fallback=move || {
                    let sections = sections.clone();
                    view! {
                        {sections.is_empty().then(|| view! { <p class="empty">"Nothing to change."</p> })}
                        {sections.into_iter().map(|s| {
                            let shown = s.rows.len() as i64;
                            view! {
                                <details class=format!("plan-section {}", s.part.key()) open=true data-section=s.part.key()>
                                    <summary>{format!("{} ({})", s.part.title(confirms), count(s.total))}</summary>
                                    <table class="grid">
                                        <tbody>
                                            {s.rows.into_iter().map(|(user, what)| view! { <tr><td>{user}</td><td>{what}</td></tr> }).collect_view()}
                                        </tbody>
                                    </table>
                                    {(s.total > shown).then(|| view! { <p class="hint">{format!("and {} more (search or download the plan for all)", count(s.total - shown))}</p> })}
                                </details>
                            }
                        }).collect_view()}
                    }
                }>
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        match found.await {
                            Err(e) => view! { <p class="error">{error_text(&e)}</p> }.into_any(),
                            Ok(None) => ().into_any(),
                            Ok(Some(page)) if page.items.is_empty() => view! { <p class="empty">"Nothing in the plan matches."</p> }.into_any(),
                            Ok(Some(page)) => view! {
                                <p class="hint">{format!("{} matching", count(page.total))}</p>
                                <table class="grid plan-found">
                                    <thead><tr><th>"Part"</th><th>"User"</th><th>"What happens"</th></tr></thead>
                                    <tbody>
                                        {page.items.into_iter().map(|l| view! {
                                            <tr><td>{l.part.title(confirms)}</td><td>{l.login}</td><td>{l.what}</td></tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                                <Pager offset total=page.total limit=page.limit/>
                            }.into_any(),
                        }
                    })}
                </Transition>
            </Show>
        </div>
    }
}

/// One part of a plan: how many users in all, and the first ones as (user,
/// what happens to them).
#[derive(Clone)]
struct Section {
    part: PlanPart,
    total: i64,
    rows: Vec<(String, String)>,
}

/// A plan's non-empty parts, in the order an admin reads them.
fn plan_sections(p: Plan) -> Vec<Section> {
    let confirms = p.confirms;
    let users = |part: PlanPart, s: PlanSection<PlanUser>| Section {
        part,
        total: s.total,
        rows: s
            .items
            .iter()
            .map(|u| (u.login.clone(), u.what(part, confirms)))
            .collect(),
    };
    let update = Section {
        part: PlanPart::Update,
        total: p.update.total,
        rows: p
            .update
            .items
            .iter()
            .map(|u| (u.login.clone(), u.what()))
            .collect(),
    };
    [
        users(PlanPart::Create, p.create),
        users(PlanPart::Link, p.link),
        users(PlanPart::Conflict, p.conflict),
        update,
        users(PlanPart::Deactivate, p.deactivate),
        users(PlanPart::Suspend, p.suspend),
        users(PlanPart::Unassign, p.unassign),
        users(PlanPart::Reactivate, p.reactivate),
    ]
    .into_iter()
    .filter(|s| s.total > 0)
    .collect()
}

/// The safeguard a plan trips, in words.
fn roadblock_text(p: &Plan) -> Option<String> {
    p.roadblock.as_ref().map(|r| {
        format!(
            "The {} import safeguard stops this import: it removes {} of {} users ({}%), more than the limit of {}%.",
            match r.level {
                SafeguardLevel::App => "app-level",
                SafeguardLevel::Org => "org-level",
            },
            r.removals,
            r.assigned,
            r.percentage,
            r.threshold
        )
    })
}

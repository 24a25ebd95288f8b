//! The run: imports running or queued with their progress, and the last
//! finished one's outcome with its plan and row errors.

use crate::api::imports::{list_removals, list_row_errors, ApplyPreview};
use crate::components::{count, error_text, Pager};
use leptos::prelude::*;
use proto::{ImportRun, Plan, PlanSection, PlanUser, RunStatus, SafeguardLevel};

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

fn summary_text(r: &ImportRun) -> String {
    let c = &r.counts;
    format!(
        "{} users scanned: {} new, {} updated, {} unchanged, {} matched, {} in error. 0 groups imported.",
        count(c.scanned),
        count(c.new),
        count(c.updated),
        count(c.unchanged),
        count(c.matched),
        count(c.errors)
    )
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

/// Running and queued imports, and the last finished one: one outcome, with
/// the plan only while it still matters (a preview to apply, or a run paused
/// at a safeguard).
#[component]
pub fn RunStatus(runs: Vec<ImportRun>, apply: ServerAction<ApplyPreview>) -> impl IntoView {
    let active: Vec<ImportRun> = runs.iter().filter(|r| r.is_active()).cloned().collect();
    let last = runs.iter().find(|r| !r.is_active()).cloned();
    // An import paused at a safeguard holds the app's imports until the
    // admin decides.
    let waits_for = if runs.iter().any(|r| r.status == RunStatus::Paused) {
        "it starts when the paused import is resumed or cancelled."
    } else {
        "it starts when the running import ends."
    };
    view! {
        {active.into_iter().rev().map(|r| if r.status == RunStatus::Running {
            view! {
                <div class="progress" role="status">
                    <p>{progress_text(&r)}</p>
                    <progress max=r.total.unwrap_or(0) value=r.counts.scanned></progress>
                </div>
            }.into_any()
        } else {
            view! { <p class="queued" role="status">{format!("{} import queued: {waits_for}", r.import_type)}</p> }.into_any()
        }).collect_view()}
        {last.map(|r| {
            let ok = r.status == RunStatus::Completed;
            let (heading, class) = outcome(&r);
            let plan = (r.preview || r.status == RunStatus::Paused).then_some(r.plan.clone()).flatten();
            let run_id = r.id.clone();
            view! {
                <div class=class role="status" data-testid="run-summary">
                    <h3>{heading}</h3>
                    <p>{summary_text(&r)}</p>
                    {r.message.clone().map(|m| view! { <p class=if ok { "hint" } else { "error" }>{m}</p> })}
                    {plan.map(|plan| view! { <PlanDiff plan/> })}
                    {(r.status == RunStatus::Paused).then(|| view! { <Removals run_id=r.id.clone()/> })}
                    {(r.preview && ok).then(|| view! {
                        <button type="button" class="primary" disabled=move || apply.pending().get()
                            on:click=move |_| { apply.dispatch(ApplyPreview { run_id: run_id.clone() }); }>
                            "Apply"
                        </button>
                    })}
                    {(r.counts.errors > 0).then(|| view! { <RowErrors run_id=r.id.clone()/> })}
                </div>
            }
        })}
        {move || apply.value().get().and_then(|r| r.err()).map(|e| view! { <p class="error" role="alert">{error_text(&e)}</p> })}
    }
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

/// A plan as a diff: each part with its users and what happens to them.
#[component]
fn PlanDiff(plan: Plan) -> impl IntoView {
    let roadblock = roadblock_text(&plan);
    let sections = plan_sections(plan);
    view! {
        <div class="plan" data-testid="plan">
            {roadblock.map(|r| view! { <p class="error" role="alert">{r}</p> })}
            {sections.is_empty().then(|| view! { <p class="empty">"Nothing to change."</p> })}
            {sections.into_iter().map(|s| {
                let shown = s.rows.len() as i64;
                view! {
                    <details class=format!("plan-section {}", s.key) open=true data-section=s.key>
                        <summary>{format!("{} ({})", s.title, count(s.total))}</summary>
                        <table class="grid">
                            <tbody>
                                {s.rows.into_iter().map(|(user, what)| view! { <tr><td>{user}</td><td>{what}</td></tr> }).collect_view()}
                            </tbody>
                        </table>
                        {(s.total > shown).then(|| view! { <p class="hint">{format!("and {} more", count(s.total - shown))}</p> })}
                    </details>
                }
            }).collect_view()}
        </div>
    }
}

/// One part of a plan in words: its title, how many users in all, and the
/// first ones as (user, what happens to them).
struct Section {
    key: &'static str,
    title: &'static str,
    total: i64,
    rows: Vec<(String, String)>,
}

fn users(
    key: &'static str,
    title: &'static str,
    s: PlanSection<PlanUser>,
    detail: impl Fn(&PlanUser) -> String,
) -> Section {
    Section {
        key,
        title,
        total: s.total,
        rows: s
            .items
            .iter()
            .map(|u| (u.login.clone(), detail(u)))
            .collect(),
    }
}

/// A plan's non-empty parts, in the order an admin reads them.
fn plan_sections(p: Plan) -> Vec<Section> {
    let matched = |u: &PlanUser| {
        let how = u.match_type.map(|m| m.label()).unwrap_or_default();
        match &u.user_login {
            Some(l) => format!("{how}: {l}"),
            None => how.to_owned(),
        }
    };
    let update = Section {
        key: "update",
        title: "Attribute changes",
        total: p.update.total,
        rows: p
            .update
            .items
            .iter()
            .map(|u| {
                let changes: Vec<String> = u
                    .changes
                    .iter()
                    .map(|c| {
                        format!(
                            "{}: {} → {}",
                            c.attribute,
                            c.old.as_deref().unwrap_or("(empty)"),
                            c.new.as_deref().unwrap_or("(empty)")
                        )
                    })
                    .collect();
                (u.login.clone(), changes.join("; "))
            })
            .collect(),
    };
    let fixed = |what: &'static str| move |_: &PlanUser| what.to_owned();
    [
        users("create", "Users to create", p.create, fixed("New user")),
        users("link", "Users to link", p.link, matched),
        users("conflict", "Conflicts to resolve", p.conflict, matched),
        update,
        users(
            "deactivate",
            "Users to deactivate",
            p.deactivate,
            fixed("Deactivate"),
        ),
        users("suspend", "Users to suspend", p.suspend, fixed("Suspend")),
        users(
            "unassign",
            "Users to unassign",
            p.unassign,
            fixed("Remove from the app"),
        ),
        users(
            "reactivate",
            "Users to reactivate",
            p.reactivate,
            fixed("Reactivate"),
        ),
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

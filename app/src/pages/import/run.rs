//! The run: imports running or queued with their progress, and the last
//! finished one's outcome with its plan and row errors.

use crate::api::imports::{list_row_errors, ApplyPreview};
use crate::components::{count, error_text, Pager};
use crate::wire::{PlanView, RunView};
use leptos::prelude::*;

fn progress_text(r: &RunView) -> String {
    let total = r
        .total
        .map(|t| format!(" of {}", count(t)))
        .unwrap_or_default();
    let rate = r
        .rate
        .map(|v| format!(" ({} rows/s)", count(v as i64)))
        .unwrap_or_default();
    format!("Importing: {} rows read{total}{rate}", count(r.scanned))
}

fn summary_text(r: &RunView) -> String {
    format!(
        "{} users scanned: {} new, {} updated, {} unchanged, {} matched, {} in error. 0 groups imported.",
        count(r.scanned),
        count(r.new),
        count(r.updated),
        count(r.unchanged),
        count(r.matched),
        count(r.errors)
    )
}

/// How a finished run ended, as its heading and the summary's class.
fn outcome(r: &RunView) -> (&'static str, &'static str) {
    match (r.status.as_str(), r.preview) {
        ("COMPLETED", true) => ("Preview: nothing was changed", "summary"),
        ("COMPLETED", false) => ("Import complete", "summary"),
        ("PAUSED", _) => ("Import paused at a safeguard", "summary paused"),
        _ => ("Import failed", "summary failed"),
    }
}

/// Running and queued imports, and the last finished one: one outcome, with
/// the plan only while it still matters (a preview to apply, or a run paused
/// at a safeguard).
#[component]
pub fn RunStatus(runs: Vec<RunView>, apply: ServerAction<ApplyPreview>) -> impl IntoView {
    let active: Vec<RunView> = runs.iter().filter(|r| r.is_active()).cloned().collect();
    let last = runs.iter().find(|r| !r.is_active()).cloned();
    view! {
        {active.into_iter().rev().map(|r| if r.status == "RUNNING" {
            view! {
                <div class="progress" role="status">
                    <p>{progress_text(&r)}</p>
                    <progress max=r.total.unwrap_or(0) value=r.scanned></progress>
                </div>
            }.into_any()
        } else {
            view! { <p class="queued" role="status">{format!("{} import queued: it starts when the running import ends.", r.import_type)}</p> }.into_any()
        }).collect_view()}
        {last.map(|r| {
            let ok = r.status == "COMPLETED";
            let (heading, class) = outcome(&r);
            let plan = (r.preview || r.status == "PAUSED").then_some(r.plan.clone()).flatten();
            let run_id = r.id.clone();
            view! {
                <div class=class role="status" data-testid="run-summary">
                    <h3>{heading}</h3>
                    <p>{summary_text(&r)}</p>
                    {r.message.clone().map(|m| view! { <p class=if ok { "hint" } else { "error" }>{m}</p> })}
                    {plan.map(|plan| view! { <PlanDiff plan/> })}
                    {(r.preview && ok).then(|| view! {
                        <button type="button" class="primary" disabled=move || apply.pending().get()
                            on:click=move |_| { apply.dispatch(ApplyPreview { run_id: run_id.clone() }); }>
                            "Apply"
                        </button>
                    })}
                    {(r.errors > 0).then(|| view! { <RowErrors run_id=r.id.clone()/> })}
                </div>
            }
        })}
        {move || apply.value().get().and_then(|r| r.err()).map(|e| view! { <p class="error" role="alert">{error_text(&e)}</p> })}
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
fn PlanDiff(plan: PlanView) -> impl IntoView {
    view! {
        <div class="plan" data-testid="plan">
            {plan.roadblock.map(|r| view! { <p class="error" role="alert">{r}</p> })}
            {plan.sections.is_empty().then(|| view! { <p class="empty">"Nothing to change."</p> })}
            {plan.sections.into_iter().map(|s| {
                let shown = s.rows.len() as i64;
                view! {
                    <details class=format!("plan-section {}", s.key) open=true data-section=s.key.clone()>
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

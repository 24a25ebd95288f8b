//! Profile & Lifecycle Sourcing: whether the app masters its users'
//! profiles, and what its deactivations and reactivations do to them.

use super::fields::{check, deactivated_text, on_off};
use super::{Editing, Section};
use leptos::prelude::*;
use proto::settings::DeactivateAction;

const ON_DEACTIVATED: [(DeactivateAction, &str); 3] = [
    (DeactivateAction::DoNothing, "Do nothing"),
    (DeactivateAction::Deactivate, "Deactivate"),
    (DeactivateAction::Suspend, "Suspend"),
];

#[component]
pub fn Sourcing(ed: Editing, app_name: String) -> impl IntoView {
    let Editing { saved, draft, .. } = ed;
    let never = Signal::derive(|| false);
    let sourcing_off = Signal::derive(move || !draft.with(|d| d.sourcing.enabled));
    let source_label = StoredValue::new(format!("Allow {app_name} to source Muster users"));
    let off_reason = StoredValue::new(format!("Off while {app_name} does not source Muster users"));
    view! {
        <section class="card" data-section="sourcing" on:keydown=ed.on_enter(Section::Sourcing)>
            <div class="section-head"><h2>"Profile & Lifecycle Sourcing"</h2>{ed.controls(Section::Sourcing)}</div>
            <Show when=ed.is_open(Section::Sourcing) fallback=move || view! {
                <dl class="facts">
                    <dt>{source_label.get_value()}</dt><dd>{move || on_off(saved.get().sourcing.enabled)}</dd>
                    <dt>"When a user is deactivated in the app"</dt><dd>{move || deactivated_text(saved.get().sourcing.on_deactivated)}</dd>
                    <dt>"When a user is reactivated in the app"</dt>
                    <dd>{move || { let s = saved.get().sourcing; format!("Reactivate suspended Muster users: {}; reactivate deactivated Muster users: {}", on_off(s.reactivate_suspended), on_off(s.reactivate_deactivated)) }}</dd>
                </dl>
            }>
                <div class="form">
                    {check(draft, source_label.get_value(), "allow-sourcing", |d| d.sourcing.enabled, |d, v| d.sourcing.enabled = v, never, "")}
                    <fieldset disabled=move || sourcing_off.get()>
                        <legend>"When a user is deactivated in the app"</legend>
                        {move || sourcing_off.get().then(|| view! { <p class="hint reason">{off_reason.get_value()}</p> })}
                        {ON_DEACTIVATED.into_iter().map(|(v, l)| view! {
                            <label class="check">
                                <input type="radio" name="on-deactivated" value=format!("{v:?}")
                                    prop:checked=move || draft.with(|d| d.sourcing.on_deactivated == v)
                                    on:change=move |_| draft.update(|d| d.sourcing.on_deactivated = v)/>
                                {l}
                            </label>
                        }).collect_view()}
                    </fieldset>
                    <fieldset>
                        <legend>"When a user is reactivated in the app"</legend>
                        {check(draft, "Reactivate suspended Muster users", "reactivate-suspended", |d| d.sourcing.reactivate_suspended, |d, v| d.sourcing.reactivate_suspended = v, sourcing_off, "")}
                        {check(draft, "Reactivate deactivated Muster users", "reactivate-deactivated", |d| d.sourcing.reactivate_deactivated, |d, v| d.sourcing.reactivate_deactivated = v, sourcing_off, "")}
                        <p class="hint">"Only when the profile matches exactly; otherwise the user waits for activation."</p>
                        {move || sourcing_off.get().then(|| view! { <p class="hint reason">{off_reason.get_value()}</p> })}
                    </fieldset>
                </div>
            </Show>
        </section>
    }
}

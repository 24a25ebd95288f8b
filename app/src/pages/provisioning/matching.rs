//! User Creation & Matching: when an imported user is the same person as a
//! Muster user, and what is confirmed without an admin.

use super::fields::{check, on_off};
use super::{Editing, Section};
use leptos::prelude::*;
use proto::settings::Matching as Rules;

fn matching_text(m: &Rules) -> String {
    if let Some(a) = &m.attribute {
        return format!("The following attribute matches: {a}");
    }
    let mut parts = Vec::new();
    if m.username {
        parts.push("Muster username format matches");
    }
    if m.email {
        parts.push("Email matches");
    }
    parts.join(" and ")
}

#[component]
pub fn Matching(ed: Editing) -> impl IntoView {
    let Editing { saved, draft, .. } = ed;
    let never = Signal::derive(|| false);
    let attribute_chosen = Signal::derive(move || draft.with(|d| d.matching.attribute.is_some()));
    let partial_off = Signal::derive(move || !draft.with(|d| d.matching.allow_partial));
    let confirm_new_off = Signal::derive(move || !draft.with(|d| d.matching.auto_confirm_new));
    view! {
        <section class="card" data-section="matching" on:keydown=ed.on_enter(Section::Matching)>
            <div class="section-head"><h2>"User Creation & Matching"</h2>{ed.controls(Section::Matching)}</div>
            <Show when=ed.is_open(Section::Matching) fallback=move || view! {
                <dl class="facts">
                    <dt>"Imported user is an exact match to a Muster user if"</dt><dd>{move || matching_text(&saved.get().matching)}</dd>
                    <dt>"Allow partial matches"</dt><dd>{move || on_off(saved.get().matching.allow_partial)}</dd>
                    <dt>"Confirm matched users"</dt>
                    <dd>{move || { let m = saved.get().matching; format!("Auto-confirm exact matches: {}; auto-confirm partial matches: {}", on_off(m.auto_confirm_exact), on_off(m.auto_confirm_partial)) }}</dd>
                    <dt>"Confirm new users"</dt>
                    <dd>{move || { let m = saved.get().matching; format!("Auto-confirm new users: {}; auto-activate new users: {}", on_off(m.auto_confirm_new), on_off(m.auto_activate_new)) }}</dd>
                </dl>
            }>
                <div class="form">
                    <fieldset>
                        <legend>"Imported user is an exact match to a Muster user if"</legend>
                        {check(draft, "Muster username format matches", "match-username", |d| d.matching.username, |d, v| d.matching.username = v, attribute_chosen, "Off while an attribute is chosen below")}
                        {check(draft, "Email matches", "match-email", |d| d.matching.email, |d, v| d.matching.email = v, attribute_chosen, "Off while an attribute is chosen below")}
                        {check(draft, "The following attribute matches", "match-attribute", |d| d.matching.attribute.is_some(), |d, v| {
                            d.matching.attribute = v.then(String::new);
                            if !v && !d.matching.email {
                                d.matching.username = true;
                            }
                        }, never, "")}
                        <Show when=move || attribute_chosen.get()>
                            <input
                                type="text"
                                id="match-attribute-name"
                                aria-label="Attribute to match on"
                                placeholder="employeeNumber"
                                list="known-attributes"
                                prop:value=move || draft.with(|d| d.matching.attribute.clone().unwrap_or_default())
                                on:input=move |ev| draft.update(|d| d.matching.attribute = Some(event_target_value(&ev)))
                            />
                        </Show>
                        <p class="hint">"Every chosen criterion must hold. Choosing an attribute turns the other two off."</p>
                        {ed.known_attributes()}
                    </fieldset>
                    {check(draft, "Allow partial matches", "allow-partial", |d| d.matching.allow_partial, |d, v| {
                        d.matching.allow_partial = v;
                        d.matching.auto_confirm_partial &= v;
                    }, never, "")}
                    <p class="hint">"Partial match: first and last name are the same, username and email are not."</p>
                    <fieldset>
                        <legend>"Confirm matched users"</legend>
                        {check(draft, "Auto-confirm exact matches", "auto-exact", |d| d.matching.auto_confirm_exact, |d, v| d.matching.auto_confirm_exact = v, never, "")}
                        {check(draft, "Auto-confirm partial matches", "auto-partial", |d| d.matching.auto_confirm_partial, |d, v| d.matching.auto_confirm_partial = v, partial_off, "Needs \"Allow partial matches\"")}
                    </fieldset>
                    <fieldset>
                        <legend>"Confirm new users"</legend>
                        {check(draft, "Auto-confirm new users", "auto-new", |d| d.matching.auto_confirm_new, |d, v| {
                            d.matching.auto_confirm_new = v;
                            d.matching.auto_activate_new &= v;
                        }, never, "")}
                        {check(draft, "Auto-activate new users", "auto-activate", |d| d.matching.auto_activate_new, |d, v| d.matching.auto_activate_new = v, confirm_new_off, "Needs \"Auto-confirm new users\"")}
                    </fieldset>
                </div>
            </Show>
        </section>
    }
}

//! General: the import schedules, the username format and the app's import
//! safeguard.

use super::fields::{check, number_input, schedule_input, username_text};
use super::{Editing, Section};
use leptos::prelude::*;
use proto::settings::UsernameFormat;

const FORMATS: [(&str, &str); 4] = [
    ("Email", "Email"),
    ("EmailPrefix", "Email prefix"),
    ("Attribute", "A source attribute"),
    ("Custom", "Custom"),
];

fn kind(f: &UsernameFormat) -> &'static str {
    match f {
        UsernameFormat::Email => "Email",
        UsernameFormat::EmailPrefix => "EmailPrefix",
        UsernameFormat::Attribute(_) => "Attribute",
        UsernameFormat::Custom(_) => "Custom",
    }
}

/// The attribute or expression of a format that has one.
fn value(f: &UsernameFormat) -> Option<&str> {
    match f {
        UsernameFormat::Attribute(v) | UsernameFormat::Custom(v) => Some(v),
        UsernameFormat::Email | UsernameFormat::EmailPrefix => None,
    }
}

/// The format of this kind, keeping the attribute or expression typed so far.
fn with_kind(f: &UsernameFormat, kind: &str) -> UsernameFormat {
    let typed = value(f).unwrap_or_default().to_owned();
    match kind {
        "Email" => UsernameFormat::Email,
        "EmailPrefix" => UsernameFormat::EmailPrefix,
        "Attribute" => UsernameFormat::Attribute(typed),
        _ => UsernameFormat::Custom(typed),
    }
}

#[component]
pub fn General(ed: Editing) -> impl IntoView {
    let Editing { saved, draft, .. } = ed;
    let never = Signal::derive(|| false);
    let safeguard_off = Signal::derive(move || !draft.with(|d| d.safeguard.enabled));
    view! {
        <section class="card" data-section="general" on:keydown=ed.on_enter(Section::General)>
            <div class="section-head"><h2>"General"</h2>{ed.controls(Section::General)}</div>
            <Show when=ed.is_open(Section::General) fallback=move || view! {
                <dl class="facts">
                    <dt>"Incremental import schedule"</dt><dd>{move || saved.get().incremental_schedule.describe()}</dd>
                    <dt>"Full import schedule"</dt><dd>{move || saved.get().full_schedule.describe()}</dd>
                    <dt>"Muster username format"</dt><dd>{move || username_text(&saved.get().username_format)}</dd>
                    <dt>"Import safeguard"</dt>
                    <dd>{move || { let s = saved.get().safeguard; if s.enabled { format!("Enabled: {}% of the app's users", s.percent) } else { "Disabled".into() } }}</dd>
                </dl>
            }>
                <div class="form">
                    {schedule_input(ed, "Incremental import schedule", "incremental-schedule", |d| &mut d.incremental_schedule)}
                    {schedule_input(ed, "Full import schedule", "full-schedule", |d| &mut d.full_schedule)}
                    <div class="field">
                        <label for="username-format">"Muster username format"</label>
                        <select id="username-format" on:change=move |ev| {
                            let chosen = event_target_value(&ev);
                            draft.update(|d| d.username_format = with_kind(&d.username_format, &chosen));
                        }>
                            {FORMATS
                                .into_iter()
                                .map(|(v, l)| view! { <option value=v selected=move || draft.with(|d| kind(&d.username_format) == v)>{l}</option> })
                                .collect_view()}
                        </select>
                        <Show when=move || draft.with(|d| value(&d.username_format).is_some())>
                            <input
                                type="text"
                                id="username-value"
                                aria-label="Attribute or expression"
                                class="wide mono"
                                list=move || draft.with(|d| matches!(d.username_format, UsernameFormat::Attribute(_))).then_some("known-attributes")
                                prop:value=move || draft.with(|d| value(&d.username_format).unwrap_or_default().to_owned())
                                on:input=move |ev| {
                                    let typed = event_target_value(&ev);
                                    draft.update(|d| match &mut d.username_format {
                                        UsernameFormat::Attribute(v) | UsernameFormat::Custom(v) => *v = typed,
                                        UsernameFormat::Email | UsernameFormat::EmailPrefix => {}
                                    });
                                }
                            />
                        </Show>
                    </div>
                    {ed.known_attributes()}
                    <div class="field">
                        {check(draft, "Import safeguard enabled", "app-safeguard", |d| d.safeguard.enabled, |d, v| d.safeguard.enabled = v, never, "")}
                        <label for="app-safeguard-percent">"Percentage of the app's users an import may remove"</label>
                        {number_input(ed, "app-safeguard-percent".into(), 1, 100, |d| d.safeguard.percent, |d, n| d.safeguard.percent = n, safeguard_off)}
                        "%"
                    </div>
                </div>
            </Show>
        </section>
    }
}

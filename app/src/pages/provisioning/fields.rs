//! Inputs bound to one setting of the draft, and settings in words.

use leptos::prelude::*;
use proto::settings::{AppSettings, DeactivateAction, Frequency, Schedule, UsernameFormat};

pub fn on_off(b: bool) -> &'static str {
    if b {
        "Yes"
    } else {
        "No"
    }
}

pub fn username_text(f: &UsernameFormat) -> String {
    match f {
        UsernameFormat::Email => "Email".into(),
        UsernameFormat::EmailPrefix => "Email prefix".into(),
        UsernameFormat::Attribute(a) => format!("Source attribute: {a}"),
        UsernameFormat::Custom(e) => format!("Custom: {e}"),
    }
}

pub fn deactivated_text(action: DeactivateAction) -> &'static str {
    match action {
        DeactivateAction::DoNothing => "Do nothing",
        DeactivateAction::Suspend => "Suspend Muster user",
        DeactivateAction::Deactivate => "Deactivate Muster user",
    }
}

/// A checkbox bound to one setting of the draft.
pub fn check(
    draft: RwSignal<AppSettings>,
    label: impl Into<String>,
    id: &'static str,
    get: fn(&AppSettings) -> bool,
    set: fn(&mut AppSettings, bool),
    disabled: Signal<bool>,
) -> impl IntoView {
    view! {
        <label class="check" for=id>
            <input
                type="checkbox"
                id=id
                prop:checked=move || draft.with(get)
                disabled=move || disabled.get()
                on:change=move |ev| draft.update(|d| set(d, event_target_checked(&ev)))
            />
            {label.into()}
        </label>
    }
}

const FREQUENCIES: [(Frequency, &str); 4] = [
    (Frequency::Never, "Do not schedule"),
    (Frequency::Hourly, "Hourly"),
    (Frequency::Daily, "Daily"),
    (Frequency::Weekly, "Weekly"),
];

/// Frequency and interval of one schedule.
pub fn schedule_input(
    draft: RwSignal<AppSettings>,
    label: &'static str,
    id: &'static str,
    field: fn(&mut AppSettings) -> &mut Schedule,
) -> impl IntoView {
    let read = move || {
        let mut d = draft.get();
        *field(&mut d)
    };
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <select id=id on:change=move |ev| {
                let chosen = event_target_value(&ev);
                if let Some((f, _)) = FREQUENCIES.iter().find(|(f, _)| format!("{f:?}") == chosen) {
                    draft.update(|d| field(d).frequency = *f);
                }
            }>
                {FREQUENCIES
                    .into_iter()
                    .map(|(f, l)| view! { <option value=format!("{f:?}") selected=move || read().frequency == f>{l}</option> })
                    .collect_view()}
            </select>
            <label for=format!("{id}-interval")>"every"</label>
            <input
                type="number"
                min="1"
                class="narrow"
                id=format!("{id}-interval")
                prop:value=move || read().interval.to_string()
                disabled=move || read().frequency == Frequency::Never
                on:change=move |ev| {
                    let n = event_target_value(&ev).parse().unwrap_or(0);
                    draft.update(|d| field(d).interval = n);
                }
            />
        </div>
    }
}

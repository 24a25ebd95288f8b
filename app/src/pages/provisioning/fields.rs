//! Inputs bound to one setting of the draft, and settings in words.

use super::Editing;
use leptos::prelude::*;
use proto::settings::{
    parse_whole_number, AppSettings, DeactivateAction, Frequency, Schedule, UsernameFormat,
};

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

/// Why a control is disabled, shown beside it while it is.
pub fn disabled_reason(id: String, disabled: Signal<bool>, reason: &'static str) -> impl IntoView {
    move || {
        (disabled.get() && !reason.is_empty())
            .then(|| view! { <span class="hint reason" id=id.clone()>{reason}</span> })
    }
}

/// A checkbox bound to one setting of the draft; while `disabled`, it says
/// why (`reason`).
pub fn check(
    draft: RwSignal<AppSettings>,
    label: impl Into<String>,
    id: &'static str,
    get: fn(&AppSettings) -> bool,
    set: fn(&mut AppSettings, bool),
    disabled: Signal<bool>,
    reason: &'static str,
) -> impl IntoView {
    let reason_id = format!("{id}-reason");
    view! {
        <label class="check" for=id>
            <input
                type="checkbox"
                id=id
                prop:checked=move || draft.with(get)
                disabled=move || disabled.get()
                aria-describedby=move || disabled.get().then(|| format!("{id}-reason"))
                on:change=move |ev| draft.update(|d| set(d, event_target_checked(&ev)))
            />
            {label.into()}
        </label>
        {disabled_reason(reason_id, disabled, reason)}
    }
}

/// A number field bound to one setting of the draft. What is typed is read
/// as a whole number on each keystroke; when it is not one, the field says
/// why and the draft keeps its last number (Save is refused until fixed).
pub fn number_input(
    ed: Editing,
    id: String,
    min: u32,
    max: u32,
    get: impl Fn(&AppSettings) -> u32 + Copy + Send + Sync + 'static,
    set: impl Fn(&mut AppSettings, u32) + Copy + Send + Sync + 'static,
    disabled: Signal<bool>,
) -> impl IntoView {
    let key = StoredValue::new(id.clone());
    let error_id = format!("{id}-error");
    let error = move || ed.field_error(&key.get_value());
    view! {
        <input
            type="number"
            min=min.to_string()
            max=max.to_string()
            step="1"
            class="narrow"
            id=id
            aria-invalid=move || error().map(|_| "true")
            aria-describedby=move || error().map(|_| error_id.clone())
            class:invalid=move || error().is_some()
            prop:value=move || ed.draft.with(get).to_string()
            disabled=move || disabled.get()
            on:input=move |ev| match parse_whole_number(&event_target_value(&ev)) {
                Ok(n) => {
                    ed.set_field_error(&key.get_value(), None);
                    ed.draft.update(|d| set(d, n));
                }
                Err(message) => ed.set_field_error(&key.get_value(), Some(message)),
            }
        />
        {move || error().map(|e| view! {
            <span class="field-error" id=format!("{}-error", key.get_value()) role="alert">{e}</span>
        })}
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
    ed: Editing,
    label: &'static str,
    id: &'static str,
    field: fn(&mut AppSettings) -> &mut Schedule,
) -> impl IntoView {
    let draft = ed.draft;
    let read = move || {
        let mut d = draft.get();
        *field(&mut d)
    };
    let never = Signal::derive(move || read().frequency == Frequency::Never);
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
            {number_input(
                ed,
                format!("{id}-interval"),
                1,
                1000,
                move |d| { let mut d = d.clone(); field(&mut d).interval },
                move |d, n| field(d).interval = n,
                never,
            )}
            {disabled_reason(format!("{id}-interval-reason"), never, "Choose how often first")}
        </div>
    }
}

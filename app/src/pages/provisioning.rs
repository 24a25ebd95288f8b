//! The Provisioning tab, To Muster: General, User Creation & Matching,
//! Profile & Lifecycle Sourcing and Attribute mappings, each read-only until
//! Edit, then saved (checked by the engine) or cancelled on its own.

use crate::api::apps::get_app;
use crate::api::settings::{get_settings, PreviewMappings, SaveSettings};
use crate::components::error_text;
use crate::wire::{MappingForm, MappingPreviewView, ScheduleForm, SettingsForm};
use leptos::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    General,
    Matching,
    Sourcing,
    Mappings,
}

#[component]
pub fn Provisioning(app_id: String) -> impl IntoView {
    let id = StoredValue::new(app_id);
    // The settings and the app's name (for "Allow <app> to source…").
    let settings = Resource::new(
        move || id.get_value(),
        |id| async move {
            let settings = get_settings(id.clone()).await?;
            Ok::<_, ServerFnError>((settings, get_app(id).await?.name))
        },
    );
    view! {
        <div class="provisioning">
            <aside class="settings-nav">
                <h3>"Settings"</h3>
                <ul><li>"To App"</li><li class="active">"To Muster"</li><li>"API Integration"</li></ul>
            </aside>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match settings.await {
                        Err(e) => view! { <p class="error">{error_text(&e)}</p> }.into_any(),
                        Ok((s, app_name)) => view! { <Editor app_id=id.get_value() app_name initial=s/> }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}

fn schedule_text(s: &ScheduleForm) -> String {
    let unit = match s.frequency.as_str() {
        "Hourly" => "hour",
        "Daily" => "day",
        "Weekly" => "week",
        _ => return "Do not schedule".into(),
    };
    if s.interval <= 1 {
        format!("Every {unit}")
    } else {
        format!("Every {} {unit}s", s.interval)
    }
}

fn username_text(s: &SettingsForm) -> String {
    let value = s.username_format.value.clone().unwrap_or_default();
    match s.username_format.kind.as_str() {
        "Email" => "Email".into(),
        "EmailPrefix" => "Email prefix".into(),
        "Attribute" => format!("Source attribute: {value}"),
        _ => format!("Custom: {value}"),
    }
}

fn matching_text(s: &SettingsForm) -> String {
    if let Some(a) = &s.matching.attribute {
        return format!("The following attribute matches: {a}");
    }
    let mut parts = Vec::new();
    if s.matching.username {
        parts.push("Muster username format matches");
    }
    if s.matching.email {
        parts.push("Email matches");
    }
    parts.join(" and ")
}

fn on_off(b: bool) -> &'static str {
    if b {
        "Yes"
    } else {
        "No"
    }
}

fn deactivated_text(action: &str) -> &'static str {
    match action {
        "DoNothing" => "Do nothing",
        "Suspend" => "Suspend Muster user",
        _ => "Deactivate Muster user",
    }
}

/// A checkbox bound to one setting of the draft.
fn check(
    draft: RwSignal<SettingsForm>,
    label: impl Into<String>,
    id: &'static str,
    get: fn(&SettingsForm) -> bool,
    set: fn(&mut SettingsForm, bool),
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

/// Frequency and interval of one schedule.
fn schedule_input(
    draft: RwSignal<SettingsForm>,
    label: &'static str,
    id: &'static str,
    field: fn(&mut SettingsForm) -> &mut ScheduleForm,
) -> impl IntoView {
    let read = move || {
        let mut d = draft.get();
        field(&mut d).clone()
    };
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <select id=id on:change=move |ev| draft.update(|d| field(d).frequency = event_target_value(&ev))>
                {[("Never", "Do not schedule"), ("Hourly", "Hourly"), ("Daily", "Daily"), ("Weekly", "Weekly")]
                    .into_iter()
                    .map(|(v, l)| view! { <option value=v selected=move || read().frequency == v>{l}</option> })
                    .collect_view()}
            </select>
            <label for=format!("{id}-interval")>"every"</label>
            <input
                type="number"
                min="1"
                class="narrow"
                id=format!("{id}-interval")
                prop:value=move || read().interval.to_string()
                disabled=move || read().frequency == "Never"
                on:change=move |ev| {
                    let n = event_target_value(&ev).parse().unwrap_or(0);
                    draft.update(|d| field(d).interval = n);
                }
            />
        </div>
    }
}

#[component]
fn Editor(app_id: String, app_name: String, initial: SettingsForm) -> impl IntoView {
    let saved = RwSignal::new(initial.clone());
    let draft = RwSignal::new(initial);
    let editing = RwSignal::new(None::<Section>);
    let error = RwSignal::new(None::<String>);
    let save = ServerAction::<SaveSettings>::new();
    let id = StoredValue::new(app_id);
    let preview = ServerAction::<PreviewMappings>::new();

    Effect::new(move |_| match save.value().get() {
        Some(Ok(s)) => {
            saved.set(s.clone());
            draft.set(s);
            editing.set(None);
            error.set(None);
        }
        Some(Err(e)) => error.set(Some(error_text(&e))),
        None => {}
    });

    let controls = move |section: Section| {
        view! {
            <div class="section-actions">
                {move || if editing.get() == Some(section) {
                    view! {
                        <button type="button" class="primary" disabled=move || save.pending().get() on:click=move |_| {
                            let settings = serde_json::to_string(&draft.get_untracked()).unwrap_or_default();
                            save.dispatch(SaveSettings { app_id: id.get_value(), settings });
                        }>"Save"</button>
                        <button type="button" on:click=move |_| {
                            draft.set(saved.get_untracked());
                            editing.set(None);
                            error.set(None);
                        }>"Cancel"</button>
                    }.into_any()
                } else {
                    view! {
                        <button type="button" disabled=move || editing.get().is_some() on:click=move |_| {
                            draft.set(saved.get_untracked());
                            error.set(None);
                            editing.set(Some(section));
                        }>"Edit"</button>
                    }.into_any()
                }}
            </div>
            {move || (editing.get() == Some(section)).then(|| error.get()).flatten().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        }
    };
    let is_editing = move |section: Section| move || editing.get() == Some(section);
    let attribute_chosen = Signal::derive(move || draft.with(|d| d.matching.attribute.is_some()));
    let never = Signal::derive(|| false);
    let sourcing_off = Signal::derive(move || !draft.with(|d| d.sourcing.enabled));
    let source_label = StoredValue::new(format!("Allow {app_name} to source Muster users"));

    view! {
        <div class="settings-sections">
            <section class="card" data-section="general">
                <div class="section-head"><h2>"General"</h2>{controls(Section::General)}</div>
                <Show when=is_editing(Section::General) fallback=move || view! {
                    <dl class="facts">
                        <dt>"Incremental import schedule"</dt><dd>{move || schedule_text(&saved.get().incremental_schedule)}</dd>
                        <dt>"Full import schedule"</dt><dd>{move || schedule_text(&saved.get().full_schedule)}</dd>
                        <dt>"Muster username format"</dt><dd>{move || username_text(&saved.get())}</dd>
                        <dt>"Import safeguard"</dt>
                        <dd>{move || { let s = saved.get().safeguard; if s.enabled { format!("Enabled: {}% of the app's users", s.percent) } else { "Disabled".into() } }}</dd>
                    </dl>
                }>
                    <div class="form">
                        {schedule_input(draft, "Incremental import schedule", "incremental-schedule", |d| &mut d.incremental_schedule)}
                        {schedule_input(draft, "Full import schedule", "full-schedule", |d| &mut d.full_schedule)}
                        <div class="field">
                            <label for="username-format">"Muster username format"</label>
                            <select id="username-format" on:change=move |ev| draft.update(|d| {
                                d.username_format.kind = event_target_value(&ev);
                                if matches!(d.username_format.kind.as_str(), "Email" | "EmailPrefix") {
                                    d.username_format.value = None;
                                } else if d.username_format.value.is_none() {
                                    d.username_format.value = Some(String::new());
                                }
                            })>
                                {[("Email", "Email"), ("EmailPrefix", "Email prefix"), ("Attribute", "A source attribute"), ("Custom", "Custom")]
                                    .into_iter()
                                    .map(|(v, l)| view! { <option value=v selected=move || draft.with(|d| d.username_format.kind == v)>{l}</option> })
                                    .collect_view()}
                            </select>
                            <Show when=move || draft.with(|d| d.username_format.value.is_some())>
                                <input
                                    type="text"
                                    id="username-value"
                                    aria-label="Attribute or expression"
                                    class="wide mono"
                                    prop:value=move || draft.with(|d| d.username_format.value.clone().unwrap_or_default())
                                    on:input=move |ev| draft.update(|d| d.username_format.value = Some(event_target_value(&ev)))
                                />
                            </Show>
                        </div>
                        <div class="field">
                            {check(draft, "Import safeguard enabled", "app-safeguard", |d| d.safeguard.enabled, |d, v| d.safeguard.enabled = v, never)}
                            <label for="app-safeguard-percent">"Percentage of the app's users an import may remove"</label>
                            <input
                                type="number"
                                min="1"
                                max="100"
                                class="narrow"
                                id="app-safeguard-percent"
                                prop:value=move || draft.with(|d| d.safeguard.percent.to_string())
                                on:change=move |ev| {
                                    let n = event_target_value(&ev).parse().unwrap_or(0);
                                    draft.update(|d| d.safeguard.percent = n);
                                }
                            />
                            "%"
                        </div>
                    </div>
                </Show>
            </section>

            <section class="card" data-section="matching">
                <div class="section-head"><h2>"User Creation & Matching"</h2>{controls(Section::Matching)}</div>
                <Show when=is_editing(Section::Matching) fallback=move || view! {
                    <dl class="facts">
                        <dt>"Imported user is an exact match to a Muster user if"</dt><dd>{move || matching_text(&saved.get())}</dd>
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
                            {check(draft, "Muster username format matches", "match-username", |d| d.matching.username, |d, v| d.matching.username = v, attribute_chosen)}
                            {check(draft, "Email matches", "match-email", |d| d.matching.email, |d, v| d.matching.email = v, attribute_chosen)}
                            {check(draft, "The following attribute matches", "match-attribute", |d| d.matching.attribute.is_some(), |d, v| d.matching.attribute = v.then(String::new), never)}
                            <Show when=move || attribute_chosen.get()>
                                <input
                                    type="text"
                                    id="match-attribute-name"
                                    aria-label="Attribute to match on"
                                    placeholder="employeeNumber"
                                    prop:value=move || draft.with(|d| d.matching.attribute.clone().unwrap_or_default())
                                    on:input=move |ev| draft.update(|d| d.matching.attribute = Some(event_target_value(&ev)))
                                />
                            </Show>
                            <p class="hint">"Every chosen criterion must hold. Choosing an attribute turns the other two off."</p>
                        </fieldset>
                        {check(draft, "Allow partial matches", "allow-partial", |d| d.matching.allow_partial, |d, v| d.matching.allow_partial = v, never)}
                        <p class="hint">"Partial match: first and last name are the same, username and email are not."</p>
                        <fieldset>
                            <legend>"Confirm matched users"</legend>
                            {check(draft, "Auto-confirm exact matches", "auto-exact", |d| d.matching.auto_confirm_exact, |d, v| d.matching.auto_confirm_exact = v, never)}
                            {check(draft, "Auto-confirm partial matches", "auto-partial", |d| d.matching.auto_confirm_partial, |d, v| d.matching.auto_confirm_partial = v, never)}
                        </fieldset>
                        <fieldset>
                            <legend>"Confirm new users"</legend>
                            {check(draft, "Auto-confirm new users", "auto-new", |d| d.matching.auto_confirm_new, |d, v| d.matching.auto_confirm_new = v, never)}
                            {check(draft, "Auto-activate new users", "auto-activate", |d| d.matching.auto_activate_new, |d, v| d.matching.auto_activate_new = v, never)}
                        </fieldset>
                    </div>
                </Show>
            </section>

            <section class="card" data-section="sourcing">
                <div class="section-head"><h2>"Profile & Lifecycle Sourcing"</h2>{controls(Section::Sourcing)}</div>
                <Show when=is_editing(Section::Sourcing) fallback=move || view! {
                    <dl class="facts">
                        <dt>{source_label.get_value()}</dt><dd>{move || on_off(saved.get().sourcing.enabled)}</dd>
                        <dt>"When a user is deactivated in the app"</dt><dd>{move || deactivated_text(&saved.get().sourcing.on_deactivated)}</dd>
                        <dt>"When a user is reactivated in the app"</dt>
                        <dd>{move || { let s = saved.get().sourcing; format!("Reactivate suspended Muster users: {}; reactivate deactivated Muster users: {}", on_off(s.reactivate_suspended), on_off(s.reactivate_deactivated)) }}</dd>
                    </dl>
                }>
                    <div class="form">
                        {check(draft, source_label.get_value(), "allow-sourcing", |d| d.sourcing.enabled, |d, v| d.sourcing.enabled = v, never)}
                        <fieldset disabled=move || sourcing_off.get()>
                            <legend>"When a user is deactivated in the app"</legend>
                            {[("DoNothing", "Do nothing"), ("Deactivate", "Deactivate"), ("Suspend", "Suspend")].into_iter().map(|(v, l)| view! {
                                <label class="check">
                                    <input type="radio" name="on-deactivated" value=v
                                        prop:checked=move || draft.with(|d| d.sourcing.on_deactivated == v)
                                        on:change=move |_| draft.update(|d| d.sourcing.on_deactivated = v.into())/>
                                    {l}
                                </label>
                            }).collect_view()}
                        </fieldset>
                        <fieldset>
                            <legend>"When a user is reactivated in the app"</legend>
                            {check(draft, "Reactivate suspended Muster users", "reactivate-suspended", |d| d.sourcing.reactivate_suspended, |d, v| d.sourcing.reactivate_suspended = v, sourcing_off)}
                            {check(draft, "Reactivate deactivated Muster users", "reactivate-deactivated", |d| d.sourcing.reactivate_deactivated, |d, v| d.sourcing.reactivate_deactivated = v, sourcing_off)}
                            <p class="hint">"Only when the profile matches exactly; otherwise the user waits for activation."</p>
                        </fieldset>
                    </div>
                </Show>
            </section>

            <section class="card" data-section="mappings">
                <div class="section-head"><h2>"Attribute mappings"</h2>{controls(Section::Mappings)}</div>
                <p class="hint">"Each mapping sets a Muster user attribute from an expression over the app user, e.g. String.toLowerCase(appuser.email). Unmapped columns are imported as they are."</p>
                <Show when=is_editing(Section::Mappings) fallback=move || view! {
                    {move || {
                        let mappings = saved.get().mappings;
                        if mappings.is_empty() {
                            view! { <p class="empty">"No mappings: every column becomes the attribute of its name."</p> }.into_any()
                        } else {
                            view! {
                                <table class="grid mappings">
                                    <thead><tr><th>"Muster user attribute"</th><th>"Expression"</th></tr></thead>
                                    <tbody>{mappings.into_iter().map(|m| view! { <tr><td>{m.attribute}</td><td class="mono">{m.expression}</td></tr> }).collect_view()}</tbody>
                                </table>
                            }.into_any()
                        }
                    }}
                }>
                    <table class="grid mappings">
                        <thead><tr><th>"Muster user attribute"</th><th>"Expression"</th><th></th></tr></thead>
                        <tbody>
                            {move || (0..draft.with(|d| d.mappings.len())).map(|i| view! {
                                <tr>
                                    <td><input type="text" aria-label=format!("Attribute {}", i + 1)
                                        prop:value=move || draft.with(|d| d.mappings.get(i).map(|m| m.attribute.clone()).unwrap_or_default())
                                        on:input=move |ev| draft.update(|d| if let Some(m) = d.mappings.get_mut(i) { m.attribute = event_target_value(&ev) })/></td>
                                    <td><input type="text" class="wide mono" aria-label=format!("Expression {}", i + 1)
                                        prop:value=move || draft.with(|d| d.mappings.get(i).map(|m| m.expression.clone()).unwrap_or_default())
                                        on:input=move |ev| draft.update(|d| if let Some(m) = d.mappings.get_mut(i) { m.expression = event_target_value(&ev) })/></td>
                                    <td><button type="button" on:click=move |_| draft.update(|d| { if i < d.mappings.len() { d.mappings.remove(i); } })>"Remove"</button></td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    <button type="button" on:click=move |_| draft.update(|d| d.mappings.push(MappingForm { attribute: String::new(), expression: String::new() }))>
                        "Add mapping"
                    </button>
                </Show>
                <div class="toolbar">
                    <button type="button" on:click=move |_| {
                        let settings = serde_json::to_string(&draft.get_untracked()).unwrap_or_default();
                        preview.dispatch(PreviewMappings { app_id: id.get_value(), settings });
                    }>"Preview on a row of the last import"</button>
                </div>
                {move || preview.value().get().map(|r| match r {
                    Err(e) => view! { <p class="error" role="alert">{error_text(&e)}</p> }.into_any(),
                    Ok(None) => view! { <p class="empty">"Import a file first: the preview uses a row of the last import."</p> }.into_any(),
                    Ok(Some(p)) => view! { <MappingPreview preview=p/> }.into_any(),
                })}
            </section>
        </div>
    }
}

#[component]
fn MappingPreview(preview: MappingPreviewView) -> impl IntoView {
    view! {
        <div class="mapping-preview" data-testid="mapping-preview">
            <p class="hint">{format!("App user {}", preview.external_id)}</p>
            {preview.error.map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <table class="grid">
                <thead><tr><th>"Muster user attribute"</th><th>"Value"</th></tr></thead>
                <tbody>
                    {preview.profile.into_iter().map(|(k, v)| view! { <tr><td>{k}</td><td>{v}</td></tr> }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

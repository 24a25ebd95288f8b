//! Settings: the org's Import Safeguards. A save carries the version the
//! page opened, so one made from an out-of-date page is refused.

use crate::api::settings::{get_org_settings, SaveOrgSettings};
use crate::components::error_text;
use leptos::prelude::*;
use proto::settings::{OrgSettings, Safeguard};

#[component]
pub fn Settings() -> impl IntoView {
    let save = ServerAction::<SaveOrgSettings>::new();
    // Bumped by a good Save and by Cancel: the page then shows the settings
    // as saved now. A refused Save leaves the form as it is.
    let reload = RwSignal::new(0u32);
    let settings = Resource::new(move || reload.get(), |_| get_org_settings());
    let editing = RwSignal::new(false);
    let enabled = RwSignal::new(true);
    let percent = RwSignal::new(20u32);
    // What the percentage field holds when it is not a whole number.
    let percent_error = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            editing.set(false);
            percent_error.set(None);
            reload.update(|n| *n += 1);
        }
    });
    view! {
        <h1>"Settings"</h1>
        <section class="card" data-section="safeguards">
            <div class="section-head">
                <h2>"Import Safeguards"</h2>
            </div>
            <p class="hint">
                "An import stops before it removes (deactivates, suspends or unassigns) more than this share of users. "
                "The app-level safeguard applies to apps with more than 100 assigned users and is set on each app's Provisioning tab; "
                "the org-level safeguard applies once the org has at least 100 app assignments."
            </p>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match settings.await {
                        Err(e) => view! { <p class="error">{error_text(&e)}</p> }.into_any(),
                        Ok(s) => {
                            let current = s.settings.safeguard;
                            view! {
                                <Show when=move || editing.get() fallback=move || view! {
                                    <dl class="facts">
                                        <dt>"Org-level safeguard"</dt>
                                        <dd>{if current.enabled { format!("Enabled: {}% of the org's app assignments", current.percent) } else { "Disabled".into() }}</dd>
                                    </dl>
                                    <button type="button" on:click=move |_| {
                                        enabled.set(current.enabled);
                                        percent.set(current.percent);
                                        percent_error.set(None);
                                        editing.set(true);
                                    }>"Edit"</button>
                                }>
                                    <div class="form">
                                        <label class="check">
                                            <input type="checkbox" id="org-safeguard" prop:checked=move || enabled.get()
                                                on:change=move |ev| enabled.set(event_target_checked(&ev))/>
                                            "Org-level safeguard enabled"
                                        </label>
                                        <div class="field">
                                            <label for="org-safeguard-percent">"Percentage of the org's app assignments an import may remove"</label>
                                            <input type="number" min="1" max="100" step="1" class="narrow" id="org-safeguard-percent"
                                                prop:value=move || percent.get().to_string()
                                                aria-invalid=move || percent_error.get().map(|_| "true")
                                                class:invalid=move || percent_error.get().is_some()
                                                on:input=move |ev| match proto::settings::parse_whole_number(&event_target_value(&ev)) {
                                                    Ok(n) => {
                                                        percent.set(n);
                                                        percent_error.set(None);
                                                    }
                                                    Err(e) => percent_error.set(Some(e)),
                                                }/>
                                            "%"
                                            {move || percent_error.get().map(|e| view! { <span class="field-error" id="org-safeguard-percent-error" role="alert">{e}</span> })}
                                        </div>
                                        <button type="button" class="primary" on:click=move |_| {
                                            if percent_error.get_untracked().is_none() {
                                                save.dispatch(SaveOrgSettings {
                                                    version: s.version,
                                                    base: s.settings,
                                                    settings: OrgSettings { safeguard: Safeguard { enabled: enabled.get_untracked(), percent: percent.get_untracked() } },
                                                });
                                            }
                                        }>"Save"</button>
                                        <button type="button" on:click=move |_| {
                                            percent_error.set(None);
                                            save.value().set(None);
                                            editing.set(false);
                                            reload.update(|n| *n += 1);
                                        }>"Cancel"</button>
                                    </div>
                                </Show>
                            }.into_any()
                        }
                    }
                })}
            </Suspense>
            {move || save.value().get().and_then(|r| r.err()).map(|e| view! { <p class="error" role="alert">{error_text(&e)}</p> })}
        </section>
    }
}

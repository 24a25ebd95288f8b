//! Settings: the org's Import Safeguards.

use crate::api::settings::{get_org_settings, SaveOrgSettings};
use crate::components::error_text;
use leptos::prelude::*;

#[component]
pub fn Settings() -> impl IntoView {
    let save = ServerAction::<SaveOrgSettings>::new();
    let settings = Resource::new(move || save.version().get(), |_| get_org_settings());
    let editing = RwSignal::new(false);
    let enabled = RwSignal::new(true);
    let percent = RwSignal::new(20u32);
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            editing.set(false);
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
                            let current = s.safeguard;
                            view! {
                                <Show when=move || editing.get() fallback=move || view! {
                                    <dl class="facts">
                                        <dt>"Org-level safeguard"</dt>
                                        <dd>{if current.enabled { format!("Enabled: {}% of the org's app assignments", current.percent) } else { "Disabled".into() }}</dd>
                                    </dl>
                                    <button type="button" on:click=move |_| {
                                        enabled.set(current.enabled);
                                        percent.set(current.percent);
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
                                            <input type="number" min="1" max="100" class="narrow" id="org-safeguard-percent"
                                                prop:value=move || percent.get().to_string()
                                                on:change=move |ev| percent.set(event_target_value(&ev).parse().unwrap_or(0))/>
                                            "%"
                                        </div>
                                        <button type="button" class="primary" on:click=move |_| {
                                            save.dispatch(SaveOrgSettings { enabled: enabled.get_untracked(), percent: percent.get_untracked() });
                                        }>"Save"</button>
                                        <button type="button" on:click=move |_| editing.set(false)>"Cancel"</button>
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

use crate::api::apps::get_app;
use crate::components::{count, error_text};
use crate::pages::import::ImportTab;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    General,
    Provisioning,
    Import,
}

#[component]
pub fn AppPage(tab: Tab) -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let app = Resource::new(id, get_app);
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match app.await {
                    Err(e) => view! { <p class="error">{error_text(&e)}</p> }.into_any(),
                    Ok(a) => {
                        let base = format!("/apps/{}", a.id);
                        let link = move |t: Tab, href: String, label: &'static str| {
                            view! {
                                <a href=href class:active=tab == t aria-current=if tab == t { Some("page") } else { None }>
                                    {label}
                                </a>
                            }
                        };
                        let body = match tab {
                            Tab::General => view! {
                                <dl class="facts">
                                    <dt>"Application type"</dt><dd>{a.kind.clone()}</dd>
                                    <dt>"Status"</dt><dd>{a.status.clone()}</dd>
                                    <dt>"Created"</dt><dd>{a.created.clone()}</dd>
                                    <dt>"Assigned users"</dt><dd>{count(a.assigned_users)}</dd>
                                    <dt>"Unconfirmed users"</dt><dd>{count(a.unconfirmed)}</dd>
                                </dl>
                            }.into_any(),
                            Tab::Provisioning => view! { <Provisioning/> }.into_any(),
                            Tab::Import => view! { <ImportTab app_id=a.id.clone()/> }.into_any(),
                        };
                        view! {
                            <h1>{a.name.clone()}</h1>
                            <p class="subtitle">{a.kind.clone()}</p>
                            <nav class="tabs">
                                {link(Tab::General, base.clone(), "General")}
                                {link(Tab::Provisioning, format!("{base}/provisioning"), "Provisioning")}
                                {link(Tab::Import, format!("{base}/import"), "Import")}
                            </nav>
                            {body}
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

/// The provisioning settings, shown with their defaults.
#[component]
fn Provisioning() -> impl IntoView {
    view! {
        <div class="provisioning">
            <aside class="settings-nav">
                <h3>"Settings"</h3>
                <ul><li>"To App"</li><li class="active">"To Muster"</li><li>"API Integration"</li></ul>
            </aside>
            <section class="card">
                <h2>"General"</h2>
                <dl class="facts">
                    <dt>"Full import schedule"</dt><dd>"Do not schedule"</dd>
                    <dt>"Incremental import schedule"</dt><dd>"Do not schedule"</dd>
                    <dt>"Username format"</dt><dd>"Email"</dd>
                    <dt>"Import safeguard"</dt><dd>"20%"</dd>
                </dl>
                <h2>"User Creation & Matching"</h2>
                <dl class="facts">
                    <dt>"Imported user is an exact match to a Muster user if"</dt>
                    <dd>"Username format matches, or email matches"</dd>
                    <dt>"Confirm new users"</dt>
                    <dd>"Confirmed by an admin; \"Automatically activate new users\" chosen at confirmation"</dd>
                </dl>
            </section>
        </div>
    }
}

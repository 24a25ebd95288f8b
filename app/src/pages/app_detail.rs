use crate::api::apps::get_app;
use crate::components::{count, error_text, PausedBanner};
use crate::pages::import::ImportTab;
use crate::pages::provisioning::Provisioning;
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
                            Tab::Provisioning => view! { <Provisioning app_id=a.id.clone() app_name=a.name.clone()/> }.into_any(),
                            Tab::Import => view! { <ImportTab app_id=a.id.clone()/> }.into_any(),
                        };
                        view! {
                            <h1>{a.name.clone()}</h1>
                            <p class="subtitle">{a.kind.clone()}</p>
                            <PausedBanner app_id=a.id.clone()/>
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

use crate::api::apps::get_app;
use crate::components::{error_text, PausedBanner};
use crate::pages::app_general::AppGeneral;
use crate::pages::assignments::Assignments;
use crate::pages::import::ImportTab;
use crate::pages::provisioning::Provisioning;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    General,
    Provisioning,
    Import,
    Assignments,
}

/// An app's page: its name, the safeguard banner, the tabs and the chosen
/// tab. The tabs with resources of their own (Provisioning, Import) are
/// rendered outside the app's Suspense, so a server render creates them
/// once, whatever order the resources resolve in.
#[component]
pub fn AppPage(tab: Tab) -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    // Bumped by the General tab after a rename or a status change.
    let reload = RwSignal::new(0u32);
    let app = Resource::new(move || (id(), reload.get()), |(id, _)| get_app(id));
    let link = move |t: Tab, suffix: &'static str, label: &'static str| {
        view! {
            <a href=move || format!("/apps/{}{suffix}", id()) class:active=tab == t aria-current=if tab == t { Some("page") } else { None }>
                {label}
            </a>
        }
    };
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match app.await {
                    Err(e) => view! { <p class="error">{error_text(&e)}</p> }.into_any(),
                    Ok(a) => view! {
                        <h1>{a.name.clone()}</h1>
                        <p class="subtitle">{a.kind.label()}{(a.status == proto::AppStatus::Inactive).then_some(" · Inactive")}</p>
                    }.into_any(),
                }
            })}
        </Suspense>
        {move || view! { <PausedBanner app_id=id()/> }}
        <nav class="tabs">
            {link(Tab::General, "", "General")}
            {link(Tab::Provisioning, "/provisioning", "Provisioning")}
            {link(Tab::Import, "/import", "Import")}
            {link(Tab::Assignments, "/assignments", "Assignments")}
        </nav>
        {move || {
            let app_id = id();
            match tab {
                Tab::General => view! {
                    <Suspense fallback=|| ()>
                        {move || Suspend::new(async move {
                            app.await.ok().map(|app| view! { <AppGeneral app reload/> })
                        })}
                    </Suspense>
                }.into_any(),
                Tab::Provisioning => view! { <Provisioning app_id/> }.into_any(),
                Tab::Import => view! { <ImportTab app_id/> }.into_any(),
                Tab::Assignments => view! { <Assignments app_id/> }.into_any(),
            }
        }}
    }
}

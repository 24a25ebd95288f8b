//! Muster's console: the Leptos components and the server functions they
//! call. With `ssr` the server functions run against the engine; with
//! `hydrate` this crate compiles to WASM and never links the engine.

#![recursion_limit = "512"]

pub mod api;
mod components;
mod pages;

use components::Layout;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;
use pages::app_detail::{AppPage, Tab};

/// The HTML document around the console. Its script, WASM and stylesheet
/// are named by `options.output_name`, which carries a hash of them.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options=options.clone()/>
                <HashedStylesheet options id="leptos"/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // A page the browser restores from its back-forward cache (which can
    // keep even a no-store page) is loaded afresh, so the server decides
    // again what it shows: after Sign out, Back shows the sign-in page.
    let restored = leptos::leptos_dom::helpers::window_event_listener(leptos::ev::pageshow, |ev| {
        if ev.persisted() {
            if let Some(window) = web_sys::window() {
                let _ = window.location().reload();
            }
        }
    });
    on_cleanup(move || restored.remove());
    view! {
        <Title text="Muster"/>
        <Router>
            <Routes fallback=|| view! { <Layout><p class="empty">"Page not found."</p></Layout> }>
                <Route path=path!("/signin") view=pages::signin::SignIn/>
                <Route path=path!("/") view=|| view! { <Layout><pages::dashboard::Dashboard/></Layout> }/>
                <Route path=path!("/apps") view=|| view! { <Layout><pages::apps::Apps/></Layout> }/>
                <Route path=path!("/directories") view=|| view! { <Layout><pages::apps::Apps directories=true/></Layout> }/>
                <Route path=path!("/apps/:id") view=|| view! { <Layout><AppPage tab=Tab::General/></Layout> }/>
                <Route
                    path=path!("/apps/:id/provisioning")
                    view=|| view! { <Layout><AppPage tab=Tab::Provisioning/></Layout> }
                />
                <Route path=path!("/apps/:id/import") view=|| view! { <Layout><AppPage tab=Tab::Import/></Layout> }/>
                <Route path=path!("/apps/:id/assignments") view=|| view! { <Layout><AppPage tab=Tab::Assignments/></Layout> }/>
                <Route path=path!("/people") view=|| view! { <Layout><pages::people::People/></Layout> }/>
                <Route path=path!("/people/:id") view=|| view! { <Layout><pages::person::PersonPage/></Layout> }/>
                <Route path=path!("/groups") view=|| view! { <Layout><pages::groups::Groups/></Layout> }/>
                <Route path=path!("/groups/:id") view=|| view! { <Layout><pages::groups::GroupPage/></Layout> }/>
                <Route path=path!("/profile-sources") view=|| view! { <Layout><pages::sources::ProfileSources/></Layout> }/>
                <Route path=path!("/logs") view=|| view! { <Layout><pages::logs::SystemLog/></Layout> }/>
                <Route path=path!("/settings") view=|| view! { <Layout><pages::settings::Settings/></Layout> }/>
                <Route path=path!("/account") view=|| view! { <Layout><pages::account::Account/></Layout> }/>
                <Route path=path!("/security/api") view=|| view! { <Layout><pages::tokens::ApiTokens/></Layout> }/>
            </Routes>
        </Router>
    }
}

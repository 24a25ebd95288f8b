//! Pieces shared by the pages.

use crate::api::session::{current_admin, SignOut};
use leptos::prelude::*;
use leptos_router::components::A;

/// The text of a server function error, without the framework's prefix.
pub fn error_text(e: &ServerFnError) -> String {
    match e {
        ServerFnError::ServerError(m) => m.clone(),
        other => other.to_string(),
    }
}

/// A number with thousands separators.
pub fn count(n: i64) -> String {
    let digits = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// The frame of every signed-in page: navigation, the admin, Sign out.
#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let admin = Resource::new(|| (), |_| current_admin());
    let sign_out = ServerAction::<SignOut>::new();
    view! {
        <header class="topbar">
            <a class="brand" href="/">"Muster"</a>
            <nav>
                <A href="/">"Dashboard"</A>
                <A href="/apps">"Applications"</A>
                <A href="/people">"People"</A>
                <A href="/logs">"System Log"</A>
            </nav>
            <div class="who">
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        admin.await.map(|a| view! { <span class="admin-name">{a.username}</span> }).ok()
                    })}
                </Suspense>
                <ActionForm action=sign_out>
                    <button type="submit" class="link">"Sign out"</button>
                </ActionForm>
            </div>
        </header>
        <main class="page">{children()}</main>
    }
}

/// Previous / Next buttons for a server-paged list.
#[component]
pub fn Pager(offset: RwSignal<i64>, total: i64, limit: i64) -> impl IntoView {
    let start = offset.get_untracked();
    let end = (start + limit).min(total);
    view! {
        <div class="pager">
            <span>{format!("{}–{} of {}", if total == 0 { 0 } else { start + 1 }, end, count(total))}</span>
            <button type="button" disabled={start == 0} on:click=move |_| offset.update(|o| *o = (*o - limit).max(0))>
                "Previous"
            </button>
            <button type="button" disabled={end >= total} on:click=move |_| offset.update(|o| *o += limit)>
                "Next"
            </button>
        </div>
    }
}

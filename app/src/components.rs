//! Pieces shared by the pages.

use crate::api::imports::{paused_runs, DecidePausedRun};
use crate::api::session::{current_admin, SignOut};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::components::A;

/// The text of a server function error, without the framework's prefix.
pub fn error_text(e: &ServerFnError) -> String {
    match e {
        ServerFnError::ServerError(m) => m.clone(),
        other => other.to_string(),
    }
}

/// A moment as the console shows it: `2026-11-23 14:48:29 UTC`.
pub fn when(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// A stored time (RFC 3339 text) as a [`Moment`], or the text as it is
/// when it is not one.
pub fn moment_of(text: &str) -> AnyView {
    match chrono::DateTime::parse_from_rfc3339(text) {
        Ok(t) => view! { <Moment at=t.with_timezone(&chrono::Utc)/> }.into_any(),
        Err(_) => text.to_owned().into_any(),
    }
}

/// A moment in the admin's time zone, with its UTC value on hover. The
/// server renders it in UTC; the browser rewrites it in its own zone once
/// the page is live.
#[component]
pub fn Moment(at: chrono::DateTime<chrono::Utc>) -> impl IntoView {
    let utc = when(at);
    let text = RwSignal::new(utc.clone());
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| text.set(local_time(at)));
    view! { <time datetime=at.to_rfc3339() title=utc>{move || text.get()}</time> }
}

/// A moment in the browser's time zone: `2026-11-23 15:48:29 UTC+01:00`.
#[cfg(feature = "hydrate")]
fn local_time(at: chrono::DateTime<chrono::Utc>) -> String {
    let east = zone_offset_minutes(at);
    if east == 0 {
        return when(at);
    }
    let local = at + chrono::Duration::minutes(east);
    let sign = if east < 0 { '-' } else { '+' };
    format!(
        "{} UTC{sign}{:02}:{:02}",
        local.format("%Y-%m-%d %H:%M:%S"),
        east.abs() / 60,
        east.abs() % 60
    )
}

/// Minutes the admin's time zone is ahead of UTC at a moment (the browser
/// knows; the server renders UTC).
fn zone_offset_minutes(_at: chrono::DateTime<chrono::Utc>) -> i64 {
    #[cfg(feature = "hydrate")]
    {
        let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(
            _at.timestamp_millis() as f64
        ));
        // getTimezoneOffset is minutes west of UTC.
        -(date.get_timezone_offset() as i64)
    }
    #[cfg(not(feature = "hydrate"))]
    0
}

/// The current moment, from the browser's clock in the browser.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    #[cfg(feature = "hydrate")]
    {
        chrono::DateTime::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default()
    }
    #[cfg(not(feature = "hydrate"))]
    chrono::Utc::now()
}

/// A `datetime-local` field's text for a moment, in the admin's time zone.
pub fn local_input(at: chrono::DateTime<chrono::Utc>) -> String {
    (at + chrono::Duration::minutes(zone_offset_minutes(at)))
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

/// The moment a `datetime-local` field's text names in the admin's time
/// zone (whose offset at that moment may differ from today's).
pub fn from_local_input(text: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let naive = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
        .into_iter()
        .find_map(|f| chrono::NaiveDateTime::parse_from_str(text, f).ok())?;
    let guess = naive.and_utc();
    Some(guess - chrono::Duration::minutes(zone_offset_minutes(guess)))
}

/// What a query value keeps as it is: letters, digits and `-._~`.
const QUERY_VALUE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A value as it goes into a URL's query.
pub fn query_value(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, QUERY_VALUE).to_string()
}

/// A number with thousands separators.
pub fn count(n: i64) -> String {
    let digits = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
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
    // On a narrow screen the navigation folds into a menu.
    let menu_open = RwSignal::new(false);
    view! {
        <header class="topbar" class:open=move || menu_open.get()>
            <a class="brand" href="/">"Muster"</a>
            <button type="button" class="menu-toggle" aria-controls="main-nav"
                aria-expanded=move || menu_open.get().to_string()
                on:click=move |_| menu_open.update(|o| *o = !*o)>"Menu"</button>
            <nav id="main-nav" on:click=move |_| menu_open.set(false)>
                <A href="/">"Dashboard"</A>
                <A href="/apps">"Applications"</A>
                <A href="/people">"People"</A>
                <A href="/groups">"Groups"</A>
                <A href="/directories">"Directory Integrations"</A>
                <A href="/profile-sources">"Profile Sources"</A>
                <A href="/logs">"System Log"</A>
                <A href="/security/api">"API"</A>
                <A href="/settings">"Settings"</A>
            </nav>
            <div class="who">
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        admin.await.map(|a| view! { <a href="/account" class="admin-name" title="Your sessions">{a.username}</a> }).ok()
                    })}
                </Suspense>
                // A plain form: signing out leaves this document for the
                // sign-in page the server redirects to, so nothing of the
                // console stays in it for Back to show.
                <form method="post" action=SignOut::url()>
                    <button type="submit" class="link">"Sign out"</button>
                </form>
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

/// Imports paused at an import safeguard (of one app, or of every app when
/// `app_id` is empty), each with Resume and Cancel.
#[component]
pub fn PausedBanner(
    #[prop(into)] app_id: String,
    /// Counts the decisions made here, for a page that shows the runs too.
    #[prop(optional)]
    decided: Option<RwSignal<u64>>,
) -> impl IntoView {
    let decide = ServerAction::<DecidePausedRun>::new();
    Effect::new(move |_| {
        if matches!(decide.value().get(), Some(Ok(_))) {
            if let Some(decided) = decided {
                decided.update(|n| *n += 1);
            }
        }
    });
    let id = StoredValue::new(app_id);
    // An import can pause while the page is open: look again every 2 s.
    let tick = RwSignal::new(0u64);
    Effect::new(move |_| {
        if let Ok(handle) = set_interval_with_handle(
            move || tick.update(|t| *t += 1),
            std::time::Duration::from_millis(2000),
        ) {
            on_cleanup(move || handle.clear());
        }
    });
    let paused = Resource::new(
        move || (id.get_value(), decide.version().get(), tick.get()),
        |(id, _, _)| paused_runs(id),
    );
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let runs = paused.await.unwrap_or_default();
                runs.into_iter().map(|r| {
                    let (resume_id, cancel_id) = (r.run_id.clone(), r.run_id.clone());
                    view! {
                        <div class="banner warning" role="alert" data-testid="safeguard-banner">
                            <p>
                                <strong>{format!("Import of {} paused. ", r.app_name)}</strong>
                                {r.message}
                            </p>
                            <p class="hint">"Resume removes these users; Cancel keeps them and completes the rest of the import."</p>
                            <a href=format!("/apps/{}/import", r.app_id)>"View the import"</a>
                            <button type="button" class="primary" disabled=move || decide.pending().get()
                                on:click=move |_| { decide.dispatch(DecidePausedRun { run_id: resume_id.clone(), resume: true }); }>"Resume"</button>
                            <button type="button" disabled=move || decide.pending().get()
                                on:click=move |_| { decide.dispatch(DecidePausedRun { run_id: cancel_id.clone(), resume: false }); }>"Cancel"</button>
                        </div>
                    }
                }).collect_view()
            })}
        </Transition>
        {move || decide.value().get().and_then(|r| r.err()).map(|e| view! { <p class="error" role="alert">{error_text(&e)}</p> })}
    }
}

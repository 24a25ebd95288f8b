//! Your sessions: where the signed-in admin is signed in, and a way to end
//! any of those sessions (a lost laptop, a shared machine).

use crate::api::session::{list_sessions, EndOtherSessions, EndSession};
use crate::components::{error_text, moment_of};
use leptos::prelude::*;
use proto::console::SessionView;

#[component]
pub fn Account() -> impl IntoView {
    let end = ServerAction::<EndSession>::new();
    let end_others = ServerAction::<EndOtherSessions>::new();
    let sessions = Resource::new(
        move || (end.version().get(), end_others.version().get()),
        |_| list_sessions(),
    );
    let failed = move || {
        end.value()
            .get()
            .and_then(|r| r.err())
            .or_else(|| end_others.value().get().and_then(|r| r.err()))
            .map(|e| error_text(&e))
    };
    let row = move |s: SessionView| {
        let id = s.id.clone();
        view! {
            <tr data-session=s.id.clone()>
                <td>{moment_of(&s.created)}</td>
                <td>{moment_of(&s.last_seen)}</td>
                <td>{moment_of(&s.expires)}</td>
                <td>{s.ip_address.unwrap_or_else(|| "—".into())}</td>
                <td class="agent">{s.user_agent.unwrap_or_else(|| "—".into())}</td>
                <td>
                    {if s.current {
                        view! { <span class="badge">"This session"</span> }.into_any()
                    } else {
                        view! {
                            <button type="button" on:click=move |_| {
                                end.dispatch(EndSession { id: id.clone() });
                            }>"Sign out"</button>
                        }.into_any()
                    }}
                </td>
            </tr>
        }
    };
    view! {
        <h1>"Your sessions"</h1>
        <section class="card">
            <p class="hint">
                "Where you are signed in to Muster. A session ends after an hour unused, 12 hours after sign-in, "
                "or when it is signed out here; an ended session opens nothing, wherever it is used."
            </p>
            {move || failed().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match sessions.await {
                        Err(e) => view! { <p class="error">{error_text(&e)}</p> }.into_any(),
                        Ok(list) => {
                            let others = list.iter().filter(|s| !s.current).count();
                            view! {
                                <table class="sessions">
                                    <thead><tr>
                                        <th>"Signed in"</th><th>"Last used"</th><th>"Ends at the latest"</th>
                                        <th>"Address"</th><th>"Browser"</th><th></th>
                                    </tr></thead>
                                    <tbody>{list.into_iter().map(row).collect_view()}</tbody>
                                </table>
                                {(others > 0).then(|| view! {
                                    <button type="button" on:click=move |_| {
                                        end_others.dispatch(EndOtherSessions {});
                                    }>{format!("Sign out {others} other session{}", if others == 1 { "" } else { "s" })}</button>
                                })}
                            }.into_any()
                        }
                    }
                })}
            </Suspense>
        </section>
    }
}

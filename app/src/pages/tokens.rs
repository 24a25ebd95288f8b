//! Security → API: tokens for scripts and SDKs calling `/api/v1`. Each acts
//! as the admin who created it, with their rights; its value is shown once.

use crate::api::tokens::{list_api_tokens, CreateApiToken, RevokeApiToken};
use crate::components::{error_text, moment_of};
use leptos::prelude::*;
use proto::console::ApiTokenView;

#[component]
pub fn ApiTokens() -> impl IntoView {
    let create = ServerAction::<CreateApiToken>::new();
    let revoke = ServerAction::<RevokeApiToken>::new();
    let tokens = Resource::new(
        move || (create.version().get(), revoke.version().get()),
        |_| list_api_tokens(),
    );
    let name = RwSignal::new(String::new());
    let created = move || create.value().get().and_then(|r| r.ok());
    let failed = move || {
        create
            .value()
            .get()
            .and_then(|r| r.err())
            .or_else(|| revoke.value().get().and_then(|r| r.err()))
            .map(|e| error_text(&e))
    };
    let row = move |t: ApiTokenView| {
        let id = t.id.clone();
        let label = format!("Revoke {}", t.name);
        view! {
            <tr data-token=t.id.clone()>
                <td>{t.name.clone()}</td>
                <td>{t.created_by.clone()}</td>
                <td>{moment_of(&t.created)}</td>
                <td>{match &t.last_used {
                    Some(used) => moment_of(used),
                    None => "Never".into_any(),
                }}</td>
                <td>
                    <button type="button" aria-label=label on:click=move |_| {
                        revoke.dispatch(RevokeApiToken { id: id.clone() });
                    }>"Revoke"</button>
                </td>
            </tr>
        }
    };
    view! {
        <h1>"API"</h1>
        <section class="card">
            <h2>"Tokens"</h2>
            <p class="hint">
                "Scripts and Okta SDKs call " <code>"/api/v1"</code> " with " <code>"Authorization: SSWS <token>"</code>
                ". A token acts as the admin who created it, with their rights; a read-only admin's token changes nothing."
            </p>
            <form class="inline-form" on:submit=move |ev| {
                ev.prevent_default();
                create.dispatch(CreateApiToken { name: name.get_untracked() });
            }>
                <label>"Token name"
                    <input type="text" maxlength="100" required prop:value=move || name.get()
                        on:input=move |ev| name.set(event_target_value(&ev))/>
                </label>
                <button type="submit" disabled=move || create.pending().get()>"Create token"</button>
            </form>
            {move || created().map(|t| view! {
                <div class="notice" role="status">
                    <p>{format!("Token {} created. Copy its value now: it is not shown again.", t.token.name)}</p>
                    <code class="token-value" data-token-value="">{t.value}</code>
                </div>
            })}
            {move || failed().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match tokens.await {
                        Err(e) => view! { <p class="error">{error_text(&e)}</p> }.into_any(),
                        Ok(list) if list.is_empty() => view! { <p class="empty">"No tokens yet."</p> }.into_any(),
                        Ok(list) => view! {
                            <table class="tokens">
                                <thead><tr>
                                    <th>"Name"</th><th>"Created by"</th><th>"Created"</th><th>"Last used"</th><th></th>
                                </tr></thead>
                                <tbody>{list.into_iter().map(row).collect_view()}</tbody>
                            </table>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

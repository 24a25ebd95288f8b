use crate::api::session::SignIn as SignInFn;
use crate::components::error_text;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub fn SignIn() -> impl IntoView {
    let action = ServerAction::<SignInFn>::new();
    // The page that sent the admin here, to return to.
    let next = move || use_query_map().with(|q| q.get("next")).unwrap_or_default();
    let error = move || {
        action
            .value()
            .get()
            .and_then(|r| r.err())
            .map(|e| error_text(&e))
    };
    view! {
        <main class="signin">
            <h1>"Muster"</h1>
            <p class="subtitle">"Sign in to the admin console"</p>
            <ActionForm action=action>
                <label for="username">"Username"</label>
                <input id="username" name="username" type="text" autocomplete="username" required/>
                <label for="password">"Password"</label>
                <input id="password" name="password" type="password" autocomplete="current-password" required/>
                <input type="hidden" name="next" prop:value=next value=next()/>
                <button type="submit" class="primary">"Sign in"</button>
            </ActionForm>
            {move || error().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        </main>
    }
}

//! Profile Sources: the apps and directories allowed to source users, in
//! the priority order an admin sets. A person's profile source is the
//! highest of them they hold an account in; only it updates their profile
//! and can deactivate or suspend them.

use crate::api::settings::{profile_sources, SetProfileSourceOrder};
use crate::components::{count, error_text};
use leptos::prelude::*;
use proto::ProfileSource;

#[component]
pub fn ProfileSources() -> impl IntoView {
    let save = ServerAction::<SetProfileSourceOrder>::new();
    let sources = Resource::new(move || save.version().get(), |_| profile_sources());
    // The order on screen, moved with the arrows until Save.
    let draft = RwSignal::new(Vec::<ProfileSource>::new());
    let changed = RwSignal::new(false);
    let mv = move |from: usize, to: usize| {
        draft.update(|d| {
            if to < d.len() {
                d.swap(from, to);
            }
        });
        changed.set(true);
    };
    view! {
        <h1>"Profile Sources"</h1>
        <p class="subtitle">
            "Apps and directories allowed to source users (Provisioning → To Muster → Profile & Lifecycle Sourcing), highest priority first. "
            "A person's profile comes from the highest of them that holds an account of theirs; only that source updates their profile and can deactivate or suspend them."
        </p>
        {move || save.value().get().map(|r| match r {
            Ok(_) => view! { <p class="status" role="status">"Priority saved. Each person's profile source follows it."</p> }.into_any(),
            Err(e) => view! { <p class="error" role="alert">{error_text(&e)}</p> }.into_any(),
        })}
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match sources.await {
                    Err(e) => view! { <p class="error" role="alert">{error_text(&e)}</p> }.into_any(),
                    Ok(list) if list.is_empty() => view! { <p class="empty">"No app sources users."</p> }.into_any(),
                    Ok(list) => {
                        draft.set(list);
                        changed.set(false);
                        view! {
                            <table class="grid profile-sources">
                                <thead><tr><th class="num">"Priority"</th><th>"Source"</th><th>"Type"</th><th class="num">"People sourced"</th><th></th></tr></thead>
                                <tbody>
                                    <For each=move || draft.get().into_iter().enumerate() key=|(i, s)| (*i, s.app_id.clone()) let((i, s))>
                                        <tr>
                                            <td class="num">{i + 1}</td>
                                            <td><a href=format!("/apps/{}/provisioning", s.app_id)>{s.name.clone()}</a></td>
                                            <td>{s.kind.label()}</td>
                                            <td class="num">{count(s.users)}</td>
                                            <td class="actions">
                                                <button type="button" aria-label=format!("Move {} up", s.name) disabled=i == 0
                                                    on:click=move |_| mv(i, i.wrapping_sub(1))>"↑"</button>
                                                <button type="button" aria-label=format!("Move {} down", s.name)
                                                    disabled=move || i + 1 >= draft.with(Vec::len)
                                                    on:click=move |_| mv(i, i + 1)>"↓"</button>
                                            </td>
                                        </tr>
                                    </For>
                                </tbody>
                            </table>
                            <div class="form-actions">
                                <button type="button" class="primary" disabled=move || !changed.get() || save.pending().get()
                                    on:click=move |_| {
                                        let app_ids = draft.with(|d| d.iter().map(|s| s.app_id.clone()).collect());
                                        save.dispatch(SetProfileSourceOrder { app_ids });
                                    }>"Save"</button>
                                <button type="button" disabled=move || !changed.get()
                                    on:click=move |_| sources.refetch()>"Cancel"</button>
                            </div>
                        }.into_any()
                    }
                }
            })}
        </Transition>
    }
}

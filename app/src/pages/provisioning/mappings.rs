//! Attribute mappings: expressions that set user attributes from the app
//! user, and a preview of them on a row of the last import.

use super::{Editing, Section};
use crate::api::settings::PreviewMappings;
use crate::components::error_text;
use leptos::prelude::*;
use proto::settings::Mapping;

#[component]
pub fn Mappings(ed: Editing) -> impl IntoView {
    let Editing { saved, draft, .. } = ed;
    let preview = ServerAction::<PreviewMappings>::new();
    view! {
        <section class="card" data-section="mappings" on:keydown=ed.on_enter(Section::Mappings)>
            <div class="section-head"><h2>"Attribute mappings"</h2>{ed.controls(Section::Mappings)}</div>
            <p class="hint">"Each mapping sets a Muster user attribute from an expression over the app user, e.g. String.toLowerCase(appuser.email). Unmapped columns are imported as they are."</p>
            <Show when=ed.is_open(Section::Mappings) fallback=move || view! {
                {move || {
                    let mappings = saved.get().mappings;
                    if mappings.is_empty() {
                        view! { <p class="empty">"No mappings: every column becomes the attribute of its name."</p> }.into_any()
                    } else {
                        view! {
                            <table class="grid mappings">
                                <thead><tr><th>"Muster user attribute"</th><th>"Expression"</th></tr></thead>
                                <tbody>{mappings.into_iter().map(|m| view! { <tr><td>{m.attribute}</td><td class="mono">{m.expression}</td></tr> }).collect_view()}</tbody>
                            </table>
                        }.into_any()
                    }
                }}
            }>
                <table class="grid mappings">
                    <thead><tr><th>"Muster user attribute"</th><th>"Expression"</th><th></th></tr></thead>
                    <tbody>
                        {move || (0..draft.with(|d| d.mappings.len())).map(|i| view! {
                            <tr>
                                <td><input type="text" aria-label=format!("Attribute {}", i + 1)
                                    prop:value=move || draft.with(|d| d.mappings.get(i).map(|m| m.attribute.clone()).unwrap_or_default())
                                    on:input=move |ev| draft.update(|d| if let Some(m) = d.mappings.get_mut(i) { m.attribute = event_target_value(&ev) })/></td>
                                <td><input type="text" class="wide mono" aria-label=format!("Expression {}", i + 1)
                                    prop:value=move || draft.with(|d| d.mappings.get(i).map(|m| m.expression.clone()).unwrap_or_default())
                                    on:input=move |ev| draft.update(|d| if let Some(m) = d.mappings.get_mut(i) { m.expression = event_target_value(&ev) })/></td>
                                <td><button type="button" on:click=move |_| draft.update(|d| { if i < d.mappings.len() { d.mappings.remove(i); } })>"Remove"</button></td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
                <button type="button" on:click=move |_| draft.update(|d| d.mappings.push(Mapping { attribute: String::new(), expression: String::new() }))>
                    "Add mapping"
                </button>
                {ed.known_attributes()}
            </Show>
            <div class="toolbar">
                <button type="button" on:click=move |_| {
                    preview.dispatch(PreviewMappings { app_id: ed.app_id.get_value(), settings: draft.get_untracked() });
                }>"Preview on a row of the last import"</button>
            </div>
            {move || preview.value().get().map(|r| match r {
                Err(e) => view! { <p class="error" role="alert">{error_text(&e)}</p> }.into_any(),
                Ok(None) => view! { <p class="empty">"Import a file first: the preview uses a row of the last import."</p> }.into_any(),
                Ok(Some(p)) => view! { <MappingPreview preview=p/> }.into_any(),
            })}
        </section>
    }
}

#[component]
fn MappingPreview(preview: proto::MappingPreview) -> impl IntoView {
    view! {
        <div class="mapping-preview" data-testid="mapping-preview">
            <p class="hint">{format!("App user {}", preview.external_id)}</p>
            {preview.error.map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <table class="grid">
                <thead><tr><th>"Muster user attribute"</th><th>"Value"</th></tr></thead>
                <tbody>
                    {preview.profile.into_iter().map(|(k, v)| view! { <tr><td>{k}</td><td>{v}</td></tr> }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

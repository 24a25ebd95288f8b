//! The Provisioning tab, To Muster: General, User Creation & Matching,
//! Profile & Lifecycle Sourcing and Attribute mappings, one component each.
//! Each section is read-only until Edit, then saved (checked by the engine)
//! or cancelled on its own. A save carries the section's version, so one
//! made from an out-of-date page is refused with what changed; Enter saves
//! the open section, and leaving the page with unsaved edits asks first.

mod api_integration;
mod connection;
mod fields;
mod general;
mod mappings;
mod matching;
mod sourcing;
mod to_app;

use crate::api::apps::get_app;
use crate::api::settings::{get_settings, SaveSettings};
use crate::components::error_text;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use proto::settings::{AppSettings, EditableSettings, SectionVersions, SettingsSection as Section};
use proto::AppKind;
use std::collections::BTreeMap;

#[component]
pub fn Provisioning(app_id: String) -> impl IntoView {
    let id = StoredValue::new(app_id);
    // The settings and the app (its name for "Allow <app> to source…", its
    // kind for a directory's connection and a SCIM app's API Integration).
    let settings = Resource::new(
        move || id.get_value(),
        |id| async move {
            let settings = get_settings(id.clone()).await?;
            Ok::<_, ServerFnError>((settings, get_app(id).await?))
        },
    );
    // Which settings page: the URL's (`?settings=api`), so Back works.
    let query = use_query_map();
    let page = Memo::new(move |_| query.with(|q| q.get("settings")).unwrap_or_default());
    let api_page = move || page.with(|p| p == "api");
    let to_app_page = move || page.with(|p| p == "to-app");
    view! {
        <div class="provisioning">
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match settings.await {
                        Err(e) => view! { <p class="error">{error_text(&e)}</p> }.into_any(),
                        Ok((s, app)) => {
                            let scim = app.kind == AppKind::ScimApp;
                            let base = format!("/apps/{}/provisioning", app.id);
                            view! {
                                <aside class="settings-nav">
                                    <h3>"Settings"</h3>
                                    // A CSV Directory and a directory only provision to
                                    // Muster; a SCIM app has its API Integration too.
                                    <ul>
                                        {scim.then(|| view! {
                                            <li class:active=to_app_page><a href=format!("{base}?settings=to-app")>"To App"</a></li>
                                        })}
                                        <li class:active=move || !api_page() && !to_app_page()>
                                            {if scim { view! { <a href=base.clone()>"To Muster"</a> }.into_any() } else { "To Muster".into_any() }}
                                        </li>
                                        {scim.then(|| view! {
                                            <li class:active=api_page><a href=format!("{base}?settings=api")>"API Integration"</a></li>
                                        })}
                                    </ul>
                                </aside>
                                <div class="provisioning-main">
                                    {move || if scim && api_page() {
                                        view! { <api_integration::ApiIntegration app_id=id.get_value()/> }.into_any()
                                    } else if scim && to_app_page() {
                                        view! { <to_app::ToAppSettings app_id=id.get_value()/> }.into_any()
                                    } else {
                                        view! {
                                            {app.kind.is_directory().then(|| view! { <connection::Connection app_id=id.get_value()/> })}
                                            <Editor app_id=id.get_value() app_name=app.name.clone() initial=s.clone()/>
                                        }.into_any()
                                    }}
                                </div>
                            }.into_any()
                        }
                    }
                })}
            </Suspense>
        </div>
    }
}

/// What every section shares: the settings as saved with each section's
/// version, the attributes the source is known to have, the draft being
/// edited, which section is open, the last save's error and the errors of
/// fields that hold no valid value.
#[derive(Clone, Copy)]
struct Editing {
    app_id: StoredValue<String>,
    saved: RwSignal<AppSettings>,
    versions: RwSignal<SectionVersions>,
    known: RwSignal<Option<Vec<String>>>,
    /// Where they come from: the last import, or a directory's schema.
    known_from: RwSignal<String>,
    draft: RwSignal<AppSettings>,
    open: RwSignal<Option<Section>>,
    error: RwSignal<Option<String>>,
    /// By the field's element id.
    field_errors: RwSignal<BTreeMap<String, String>>,
    save: ServerAction<SaveSettings>,
}

impl Editing {
    fn is_open(self, section: Section) -> impl Fn() -> bool + Copy + Send + Sync + 'static {
        move || self.open.get() == Some(section)
    }

    /// True while a section is open with changes not saved yet.
    fn dirty(self) -> bool {
        self.open.get_untracked().is_some()
            && (self
                .draft
                .with_untracked(|d| self.saved.with_untracked(|s| d != s))
                || self.field_errors.with_untracked(|f| !f.is_empty()))
    }

    fn field_error(self, id: &str) -> Option<String> {
        self.field_errors.with(|f| f.get(id).cloned())
    }

    fn set_field_error(self, id: &str, message: Option<String>) {
        self.field_errors.update(|f| match message {
            Some(m) => {
                f.insert(id.to_owned(), m);
            }
            None => {
                f.remove(id);
            }
        });
    }

    /// Saves the open section, unless a field of it holds no valid value.
    fn save_section(self, section: Section) {
        if self.open.get_untracked() != Some(section) || self.save.pending().get_untracked() {
            return;
        }
        if self.field_errors.with_untracked(|f| !f.is_empty()) {
            self.error
                .set(Some("Correct the fields marked in red first.".into()));
            return;
        }
        self.save.dispatch(SaveSettings {
            app_id: self.app_id.get_value(),
            section,
            version: self.versions.get_untracked().get(section),
            base: self.saved.get_untracked(),
            settings: self.draft.get_untracked(),
        });
    }

    /// Closes the section without saving, and shows the settings as they are
    /// saved now (someone else may have saved since the page was opened).
    fn cancel(self) {
        self.draft.set(self.saved.get_untracked());
        self.open.set(None);
        self.error.set(None);
        self.field_errors.set(BTreeMap::new());
        let app_id = self.app_id.get_value();
        leptos::task::spawn_local(async move {
            if let Ok(now) = get_settings(app_id).await {
                if self.open.get_untracked().is_none() {
                    self.take(now);
                }
            }
        });
    }

    /// Shows `now` as the saved settings.
    fn take(self, now: EditableSettings) {
        self.saved.set(now.settings.clone());
        self.draft.set(now.settings);
        self.versions.set(now.versions);
        // A save does not read a directory's schema again: keep its list.
        if now.known_attributes.is_some() {
            self.known.set(now.known_attributes);
            self.known_from.set(now.known_from);
        }
    }

    /// Enter in a field of the open section saves it.
    fn on_enter(self, section: Section) -> impl Fn(leptos::ev::KeyboardEvent) + Copy + 'static {
        move |ev| {
            if ev.key() != "Enter" || self.open.get_untracked() != Some(section) {
                return;
            }
            let in_field = event_target::<web_sys::Element>(&ev)
                .tag_name()
                .eq_ignore_ascii_case("input");
            if in_field {
                ev.prevent_default();
                self.save_section(section);
            }
        }
    }

    /// Edit, or Save and Cancel while the section is open, and its error.
    fn controls(self, section: Section) -> impl IntoView {
        let Editing {
            saved,
            draft,
            open,
            error,
            field_errors,
            save,
            ..
        } = self;
        view! {
            <div class="section-actions">
                {move || if open.get() == Some(section) {
                    view! {
                        <button type="button" class="primary" disabled=move || save.pending().get() on:click=move |_| self.save_section(section)>"Save"</button>
                        <button type="button" on:click=move |_| self.cancel()>"Cancel"</button>
                    }.into_any()
                } else {
                    view! {
                        <button type="button" disabled=move || open.get().is_some() on:click=move |_| {
                            draft.set(saved.get_untracked());
                            error.set(None);
                            field_errors.set(BTreeMap::new());
                            open.set(Some(section));
                        }>"Edit"</button>
                    }.into_any()
                }}
            </div>
            {move || (open.get() == Some(section)).then(|| error.get()).flatten().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        }
    }

    /// The attributes the source is known to have, for the attribute fields
    /// (`list="known-attributes"`), and a hint naming them.
    fn known_attributes(self) -> impl IntoView {
        move || {
            self.known.get().map(|known| {
                view! {
                    <datalist id="known-attributes">
                        {known.iter().map(|a| view! { <option value=a.clone()/> }).collect_view()}
                    </datalist>
                    <p class="hint" data-testid="known-attributes">{format!("Attributes of {}: {}", self.known_from.get(), known.join(", "))}</p>
                }
            })
        }
    }
}

#[component]
fn Editor(app_id: String, app_name: String, initial: EditableSettings) -> impl IntoView {
    let ed = Editing {
        app_id: StoredValue::new(app_id),
        saved: RwSignal::new(initial.settings.clone()),
        versions: RwSignal::new(initial.versions),
        known: RwSignal::new(initial.known_attributes),
        known_from: RwSignal::new(initial.known_from),
        draft: RwSignal::new(initial.settings),
        open: RwSignal::new(None),
        error: RwSignal::new(None),
        field_errors: RwSignal::new(BTreeMap::new()),
        save: ServerAction::<SaveSettings>::new(),
    };
    Effect::new(move |_| match ed.save.value().get() {
        Some(Ok(now)) => {
            ed.take(now);
            ed.open.set(None);
            ed.error.set(None);
            ed.field_errors.set(BTreeMap::new());
        }
        Some(Err(e)) => ed.error.set(Some(error_text(&e))),
        None => {}
    });
    warn_before_leaving(ed);
    view! {
        <div class="settings-sections">
            <general::General ed/>
            <matching::Matching ed/>
            <sourcing::Sourcing ed app_name/>
            <mappings::Mappings ed/>
        </div>
    }
}

const LEAVE_WARNING: &str =
    "You have unsaved changes in the provisioning settings. Leave without saving them?";

/// While a section has unsaved edits, the browser asks before the page is
/// left (reload, another address, closing the tab), and a link inside the
/// console asks before it is followed.
fn warn_before_leaving(ed: Editing) {
    let unload = window_event_listener(leptos::ev::beforeunload, move |ev| {
        if ed.dirty() {
            ev.prevent_default();
            ev.set_return_value(LEAVE_WARNING);
        }
    });
    on_cleanup(move || unload.remove());
    Effect::new(move |_| {
        use wasm_bindgen::{closure::Closure, JsCast};
        // The router follows links from a click listener on the window, so
        // this one listens on the document while the event is captured.
        let on_click =
            Closure::<dyn Fn(web_sys::MouseEvent)>::new(move |ev: web_sys::MouseEvent| {
                if !ed.dirty() || ev.default_prevented() {
                    return;
                }
                let link = ev
                    .target()
                    .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                    .and_then(|el| el.closest("a[href]").ok().flatten());
                if link.is_none() {
                    return;
                }
                if !window().confirm_with_message(LEAVE_WARNING).unwrap_or(true) {
                    ev.prevent_default();
                    ev.stop_propagation();
                }
            })
            .into_js_value();
        let _ = document().add_event_listener_with_callback_and_bool(
            "click",
            on_click.unchecked_ref(),
            true,
        );
        let on_click = send_wrapper::SendWrapper::new(on_click);
        on_cleanup(move || {
            let _ = document().remove_event_listener_with_callback_and_bool(
                "click",
                on_click.unchecked_ref(),
                true,
            );
        });
    });
}

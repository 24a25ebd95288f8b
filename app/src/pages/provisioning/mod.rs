//! The Provisioning tab, To Muster: General, User Creation & Matching,
//! Profile & Lifecycle Sourcing and Attribute mappings, one component each.
//! Each section is read-only until Edit, then saved (checked by the engine)
//! or cancelled on its own.

mod fields;
mod general;
mod mappings;
mod matching;
mod sourcing;

use crate::api::apps::get_app;
use crate::api::settings::{get_settings, SaveSettings};
use crate::components::error_text;
use leptos::prelude::*;
use proto::settings::AppSettings;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    General,
    Matching,
    Sourcing,
    Mappings,
}

#[component]
pub fn Provisioning(app_id: String) -> impl IntoView {
    let id = StoredValue::new(app_id);
    // The settings and the app's name (for "Allow <app> to source…").
    let settings = Resource::new(
        move || id.get_value(),
        |id| async move {
            let settings = get_settings(id.clone()).await?;
            Ok::<_, ServerFnError>((settings, get_app(id).await?.name))
        },
    );
    view! {
        <div class="provisioning">
            <aside class="settings-nav">
                <h3>"Settings"</h3>
                // A CSV Directory only provisions to Muster; apps that can be
                // written to (SCIM) add "To App" and "API Integration".
                <ul><li class="active">"To Muster"</li></ul>
            </aside>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match settings.await {
                        Err(e) => view! { <p class="error">{error_text(&e)}</p> }.into_any(),
                        Ok((s, app_name)) => view! { <Editor app_id=id.get_value() app_name initial=s/> }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}

/// What every section shares: the settings as saved, the draft being
/// edited, which section is open and the last save's error.
#[derive(Clone, Copy)]
struct Editing {
    app_id: StoredValue<String>,
    saved: RwSignal<AppSettings>,
    draft: RwSignal<AppSettings>,
    open: RwSignal<Option<Section>>,
    error: RwSignal<Option<String>>,
    save: ServerAction<SaveSettings>,
}

impl Editing {
    fn is_open(self, section: Section) -> impl Fn() -> bool + Copy + Send + Sync + 'static {
        move || self.open.get() == Some(section)
    }

    /// Edit, or Save and Cancel while the section is open, and its error.
    fn controls(self, section: Section) -> impl IntoView {
        let Editing {
            app_id,
            saved,
            draft,
            open,
            error,
            save,
        } = self;
        view! {
            <div class="section-actions">
                {move || if open.get() == Some(section) {
                    view! {
                        <button type="button" class="primary" disabled=move || save.pending().get() on:click=move |_| {
                            save.dispatch(SaveSettings { app_id: app_id.get_value(), settings: draft.get_untracked() });
                        }>"Save"</button>
                        <button type="button" on:click=move |_| {
                            draft.set(saved.get_untracked());
                            open.set(None);
                            error.set(None);
                        }>"Cancel"</button>
                    }.into_any()
                } else {
                    view! {
                        <button type="button" disabled=move || open.get().is_some() on:click=move |_| {
                            draft.set(saved.get_untracked());
                            error.set(None);
                            open.set(Some(section));
                        }>"Edit"</button>
                    }.into_any()
                }}
            </div>
            {move || (open.get() == Some(section)).then(|| error.get()).flatten().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        }
    }
}

#[component]
fn Editor(app_id: String, app_name: String, initial: AppSettings) -> impl IntoView {
    let ed = Editing {
        app_id: StoredValue::new(app_id),
        saved: RwSignal::new(initial.clone()),
        draft: RwSignal::new(initial),
        open: RwSignal::new(None),
        error: RwSignal::new(None),
        save: ServerAction::<SaveSettings>::new(),
    };
    Effect::new(move |_| match ed.save.value().get() {
        Some(Ok(s)) => {
            ed.saved.set(s.clone());
            ed.draft.set(s);
            ed.open.set(None);
            ed.error.set(None);
        }
        Some(Err(e)) => ed.error.set(Some(error_text(&e))),
        None => {}
    });
    view! {
        <div class="settings-sections">
            <general::General ed/>
            <matching::Matching ed/>
            <sourcing::Sourcing ed app_name/>
            <mappings::Mappings ed/>
        </div>
    }
}

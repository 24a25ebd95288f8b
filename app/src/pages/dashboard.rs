use crate::api::apps::dashboard;
use crate::components::{count, error_text, Moment, PausedBanner};
use leptos::prelude::*;

#[component]
pub fn Dashboard() -> impl IntoView {
    // A Resume or Cancel in the banner changes the runs listed below.
    let decided = RwSignal::new(0u64);
    let data = Resource::new(move || decided.get(), |_| dashboard());
    view! {
        <h1>"Dashboard"</h1>
        <PausedBanner app_id="" decided/>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => view! { <p class="error">{error_text(&e)}</p> }.into_any(),
                    Ok(d) if d.apps == 0 => view! {
                        <section class="card empty-state">
                            <h2>"No apps yet"</h2>
                            <p>"Add an app for each source of people, then drop its CSV file on the app's Import tab."</p>
                            <a class="button primary-link" href="/apps">"Add an app"</a>
                        </section>
                    }.into_any(),
                    Ok(d) => view! {
                        <section class="tiles">
                            <div class="tile"><span class="n">{count(d.apps)}</span>" apps"</div>
                            <div class="tile"><span class="n">{count(d.users)}</span>" people"</div>
                            <div class="tile"><span class="n">{count(d.unconfirmed)}</span>" unconfirmed users"</div>
                        </section>
                        {(!d.failed_pushes.is_empty()).then(|| view! {
                            <section class="card failed-pushes" data-testid="failed-pushes">
                                <h2>"Failed pushes"</h2>
                                <ul>
                                    {d.failed_pushes.into_iter().map(|(id, name, people)| view! {
                                        <li><a href=format!("/apps/{id}/assignments")>{name}</a>{format!(": {} not pushed", if people == 1 { "1 person".to_owned() } else { format!("{} people", count(people)) })}</li>
                                    }).collect_view()}
                                </ul>
                            </section>
                        })}
                        <h2>"Recent imports"</h2>
                        {d.recent.is_empty().then(|| view! {
                            <p class="empty">"No imports yet: open an app's Import tab and drop a CSV file."</p>
                        })}
                        <table class="grid">
                            <thead><tr><th>"App"</th><th>"Started"</th><th>"Type"</th><th>"Status"</th><th>"Scanned"</th><th>"New"</th><th>"Errors"</th></tr></thead>
                            <tbody>
                                {d.recent.into_iter().map(|(name, r)| view! {
                                    <tr>
                                        <td><a href=format!("/apps/{}/import?run={}", r.app_id, r.id)>{name}</a></td>
                                        <td><Moment at=r.started.unwrap_or(r.created)/></td>
                                        <td>{if r.preview { format!("{} (preview)", r.import_type) } else { r.import_type.to_string() }}</td>
                                        <td>{r.status.as_str()}</td>
                                        <td>{count(r.counts.scanned)}</td>
                                        <td>{count(r.counts.new)}</td>
                                        <td>{count(r.counts.errors)}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

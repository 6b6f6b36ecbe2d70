//! The Upload step: region and route, the API key (memory only, or this tab's sessionStorage
//! when the user asks), the zero-copy configs, a dry run with copy-as-curl, and create or update
//! with the difference first. The state and its transitions are `upload.rs`'s (a reducer, tested
//! natively); all TD logic is `cps_td_api`'s; this is the panel around them and the one place
//! that runs TD calls ([`run`]).
//!
//! **Invariant:** the key lives in the panel's state, and in sessionStorage only while
//! "Remember for this tab" is ticked. It never reaches the URL, the share link, localStorage, the
//! console, a message to the studio or an error message (`ApiKey` has no `Display` and a masked
//! `Debug`).

use crate::services;
use crate::upload::{planned, Act, Op, Panel, ProxyInfo, Route, Status, Which};
use cps_bridge::{
    Finding, Outcome as Ended, Progress, Revision, Stage, Standing, ToStudio, UploadResult,
};
use cps_td_api::browser::FetchTransport;
use cps_td_api::endpoints::{Call, Target, REGIONS};
use cps_td_api::record::Recording;
use cps_td_api::{ApiError, ApiKey, Client, Done, Outcome, Plan, ZeroCopyConfig};
use std::rc::Rc;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// The page's client: its transport remembers what it sent, so the dry run can say it.
type Td = Client<Recording<FetchTransport>>;

#[derive(Properties, PartialEq)]
pub struct UploadProps {
    /// The studio's element: messages in both directions go through it.
    pub host: web_sys::Element,
    pub initial: Revision,
}

fn client(route: Route, region: &str, key: ApiKey) -> Result<Td, ApiError> {
    Ok(Client::new(
        Recording::new(FetchTransport::default()),
        target(route, region)?,
        key,
    ))
}

fn target(route: Route, region: &str) -> Result<Target, ApiError> {
    Ok(match route {
        // Absolute, on the page's own origin: the dry run shows a URL that can be run as is.
        Route::Proxy => Target::Proxy {
            prefix: services::proxy_prefix(),
            region: region.to_string(),
        },
        // "custom" exists only as cps serve's --td-endpoint: never guess a host for it.
        Route::Direct => Target::Region(cps_td_api::region(region).ok_or_else(|| {
            ApiError::Unsupported {
                detail: "The custom endpoint is reached through cps serve only: choose that route, or a region.".into(),
            }
        })?),
    })
}

/// Runs one TD operation to its end; an upload's result also goes to the studio.
async fn run(op: Op, td: Td, host: web_sys::Element) -> (Status, Vec<String>) {
    let status = match op {
        Op::ListConfigs => match td.list_zero_copy_configs().await {
            Ok(list) => Status::Configs(list),
            Err(e) => Status::Failed(Rc::new(e)),
        },
        Op::Review { body, revision } => match td.plan(&body).await {
            Ok(plan) => planned(plan, revision, &td.transport.sent()),
            Err(e) => Status::Failed(Rc::new(e)),
        },
        Op::Apply {
            plan,
            body,
            confirm_removals,
            revision,
        } => {
            let result = td.apply(&plan, &body, confirm_removals).await;
            services::tell(&host, &ToStudio::Upload(upload_result(&revision, &result)));
            match result {
                Ok(o) => Status::Done(Rc::new(o)),
                Err(e) => Status::Failed(Rc::new(e)),
            }
        }
    };
    (status, td.take_notes())
}

/// The guided path's connection stage after TD listed its zero-copy configs: done when every
/// id the config names is among them.
fn connection_progress(text: &str, status: &Status) -> Progress {
    let (standing, status) = match status {
        Status::Configs(list) => {
            let checked = cps_core::check(text, &cps_core::Options::default());
            let mut ids: Vec<String> = checked
                .config
                .iter()
                .flat_map(|c| {
                    c.table_refs()
                        .filter_map(|(_, _, t)| t.conn.id().map(|i| i.value.to_string()))
                })
                .collect();
            cps_core::sort::sort_by(&mut ids, String::cmp);
            ids.dedup();
            let listed = |id: &String| list.iter().any(|c| c.id == *id);
            if ids.is_empty() {
                (Standing::Attention, "TD reached: pick a config".to_string())
            } else if ids.iter().all(listed) {
                (
                    Standing::Done,
                    format!("TD lists config {}", ids.join(", ")),
                )
            } else {
                (Standing::Attention, "id not in TD's list".to_string())
            }
        }
        _ => (Standing::Attention, "TD not reached".to_string()),
    };
    Progress {
        stage: Stage::Connection,
        standing,
        status,
    }
}

/// How an upload ended, for the studio: TD's refusal located in the text that was uploaded.
/// Locating needs that text's config model, so the text is decoded here, once, and only after
/// a refusal.
fn upload_result(revision: &Revision, result: &Result<Outcome, ApiError>) -> UploadResult {
    let outcome = match result {
        Ok(o) => {
            let (name, id) = (o.segment.name.clone(), o.segment.id.clone());
            match o.done {
                Done::Created => Ended::Created { name, id },
                Done::Updated => Ended::Updated { name, id },
            }
        }
        Err(e) => {
            let checked = cps_core::check(&revision.text, &revision.options());
            let marks = checked
                .config
                .as_ref()
                .map(|c| cps_td_api::locate::locate(c, e))
                .unwrap_or_default();
            Ended::Failed {
                title: e.title(),
                marks: marks.iter().map(Finding::of).collect(),
            }
        }
    };
    UploadResult {
        revision: revision.revision,
        outcome,
    }
}

#[function_component(Upload)]
pub fn upload(props: &UploadProps) -> Html {
    let state = use_reducer(|| {
        Panel::new(
            props.initial.clone(),
            services::session_key(),
            services::load_region().unwrap_or_else(|| cps_td_api::endpoints::DEFAULT_REGION.into()),
        )
    });
    {
        let state = state.clone();
        services::use_revisions(
            &props.host,
            Callback::from(move |r| state.dispatch(Act::Revision(r))),
        );
    }
    // Jobs are numbered here: a result is taken only for the newest job still wanted.
    let jobs = use_mut_ref(|| 0u64);

    // Is `cps serve`'s proxy there? Then it is the default route: TD's CORS is unknown.
    {
        let state = state.clone();
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                if let Some(custom) = services::proxy_status().await {
                    state.dispatch(Act::ProxyFound(ProxyInfo { custom }));
                }
            });
        });
    }

    let busy = state.busy();
    let api_key = state.api_key();
    let name = state.name();

    let on_key = {
        let state = state.clone();
        Callback::from(move |e: InputEvent| {
            let v = e.target_unchecked_into::<HtmlInputElement>().value();
            if state.remembered {
                services::set_session_key(Some(&v));
            }
            state.dispatch(Act::Key(v));
        })
    };
    let on_remember = {
        let state = state.clone();
        Callback::from(move |e: Event| {
            let on = e.target_unchecked_into::<HtmlInputElement>().checked();
            services::set_session_key(on.then_some(state.key.as_str()));
            state.dispatch(Act::Remember(on));
        })
    };
    let on_region = {
        let state = state.clone();
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlSelectElement>().value();
            services::save_region(&v);
            state.dispatch(Act::Region(v));
        })
    };
    let on_route = {
        let state = state.clone();
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlSelectElement>().value();
            state.dispatch(Act::Route(if v == "proxy" {
                Route::Proxy
            } else {
                Route::Direct
            }));
        })
    };
    let on_confirm = {
        let state = state.clone();
        Callback::from(move |e: Event| {
            state.dispatch(Act::ConfirmRemovals(
                e.target_unchecked_into::<HtmlInputElement>().checked(),
            ))
        })
    };

    // A button: the operation the state allows now, run on the page's event loop.
    let start = |which: Which| {
        let (state, jobs, host) = (state.clone(), jobs.clone(), props.host.clone());
        Callback::from(move |_: MouseEvent| {
            let Some(op) = state.op(which) else { return };
            let job = {
                let mut n = jobs.borrow_mut();
                *n += 1;
                *n
            };
            state.dispatch(Act::Started {
                job,
                op: op.clone(),
            });
            let td = state
                .api_key()
                .map_err(|detail| ApiError::Unsupported { detail })
                .and_then(|key| client(state.route, &state.region, key));
            match td {
                Ok(td) => {
                    let (state, host) = (state.clone(), host.clone());
                    let text = state.revision.text.clone();
                    wasm_bindgen_futures::spawn_local(async move {
                        let listing = matches!(op, Op::ListConfigs);
                        let (status, notes) = run(op, td, host.clone()).await;
                        if listing {
                            services::tell(
                                &host,
                                &ToStudio::Progress(connection_progress(&text, &status)),
                            );
                        }
                        state.dispatch(Act::Finished { job, status, notes });
                    });
                }
                // The route cannot make this call (e.g. the custom endpoint without cps serve).
                Err(e) => state.dispatch(Act::Finished {
                    job,
                    status: Status::Failed(Rc::new(e)),
                    notes: Vec::new(),
                }),
            }
        })
    };

    // The dry run: the request exactly as it will be sent (key masked), the curl a terminal can
    // run (TD's own host: see `Target::for_terminal`), and what was sent to TD to get here.
    let preview = match &*state.body {
        Ok(_) => {
            let key = api_key
                .clone()
                .unwrap_or_else(|_| ApiKey::new("TD_API_KEY").expect("placeholder"));
            let (call, id) = match state.current_plan().as_deref() {
                Some(Plan::Update { existing, .. }) => {
                    (Call::UpdateSegment, Some(existing.id.clone()))
                }
                _ => (Call::CreateSegment, None),
            };
            // The studio's text of the body, as it will be sent.
            let text = match &state.revision.body {
                Some(cps_bridge::Body::Ready(b)) => Some(b.clone()),
                _ => None,
            };
            let (route, region) = (state.route, state.region.as_str());
            let build = |c: Td| c.request(call, id.as_deref(), text.clone());
            client(route, region, key.clone())
                .and_then(build)
                .and_then(|r| {
                    let terminal = target(route, region)?.for_terminal();
                    let via_proxy = matches!(terminal, Target::Proxy { .. });
                    let curl = build(Client::new(
                        Recording::new(FetchTransport::default()),
                        terminal,
                        key,
                    ))?;
                    let note = match (route, via_proxy) {
                        (Route::Proxy, false) => format!(" The command goes to {}, TD's own host for the region: a terminal needs no proxy (cps serve only gets the browser past CORS), so it works without this page. It reads the key from $TD_API_KEY and the body from parent_segment.json (Formats → API JSON).", curl.url),
                        (Route::Proxy, true) => " The command goes through cps serve (only it knows the custom endpoint), so cps serve must be running; it sends the proxy's X-Cps-Proxy header, reads the key from $TD_API_KEY and the body from parent_segment.json (Formats → API JSON).".to_string(),
                        (Route::Direct, _) => " The command reads the key from $TD_API_KEY and the body from parent_segment.json (Formats → API JSON).".to_string(),
                    };
                    Ok((r.describe(), curl.to_curl("parent_segment.json"), note))
                })
                .map_err(|e| e.explain())
        }
        Err(e) => Err(e.clone()),
    };
    let on_copy_curl = {
        let curl = preview.as_ref().ok().map(|(_, c, _)| c.clone());
        Callback::from(move |_| {
            if let Some(c) = &curl {
                cps_bridge::browser::copy_to_clipboard(c);
            }
        })
    };

    let region_info = cps_td_api::region(&state.region);
    let direct_hosts = region_info
        .map(|r| format!("{} and {}", r.cas.unwrap_or("no CAS host"), r.api))
        .unwrap_or_default();
    let (region, route, proxy) = (&state.region, state.route, state.proxy);

    html! {
        <div class="upload" data-testid="upload">
            <p class="lead">{"Upload this config to Treasure Data: it creates the parent segment, or updates the one with the same name. cps checks it first; nothing is sent until you press the button."}</p>
            <div class="field-row">
                <label class="field">
                    <span class="label">{"Region"}</span>
                    <select onchange={on_region} data-testid="td-region" disabled={busy}>
                        { for REGIONS.iter().map(|r| html! {
                            <option value={r.id} selected={*region == r.id}>{format!("{}{}", r.label, if r.cas.is_none() { " — no documented CAS host" } else { "" })}</option>
                        }) }
                        if proxy.is_some_and(|p| p.custom) {
                            <option value="custom" selected={*region == "custom"}>{"Custom (cps serve --td-endpoint)"}</option>
                        }
                    </select>
                </label>
                <label class="field">
                    <span class="label">{"Route"}</span>
                    <select onchange={on_route} data-testid="td-route" disabled={busy}>
                        <option value="proxy" selected={route == Route::Proxy} disabled={proxy.is_none()}>{"Through cps serve (this machine)"}</option>
                        <option value="direct" selected={route == Route::Direct}>{"Direct from the browser"}</option>
                    </select>
                </label>
            </div>
            <p class="note" data-testid="route-note">{ cps_bridge::words::html(&match (route, proxy.is_some()) {
                (Route::Proxy, _) => "Calls go to cps serve on this machine, which forwards them to TD's hosts for the region. Nothing is logged.".to_string(),
                (Route::Direct, true) => format!("Calls go from this browser to {direct_hosts}. TD does not document whether its API allows calls from web pages (CORS); if the browser blocks them, use cps serve."),
                (Route::Direct, false) => format!("Calls go from this browser to {direct_hosts}. TD does not document whether its API allows calls from web pages (CORS); if they are blocked, run `cargo xtask run` (or `cps serve`) and open the page it serves to go through it."),
            }) }</p>
            <label class="field">
                <span class="label">{"TD API key"}</span>
                <input type="password" autocomplete="off" spellcheck="false" placeholder="1234/abcdef…"
                    value={state.key.clone()} oninput={on_key} data-testid="td-key" aria-label="TD API key" />
                <span class="note">{"Kept in this page's memory only: never in the URL, the share link, local storage or logs. A master key is recommended (TD's guide)."}</span>
            </label>
            <label class="check">
                <input type="checkbox" checked={state.remembered} onchange={on_remember} data-testid="td-remember" />
                {" Remember for this tab (sessionStorage, cleared when the tab closes)"}
            </label>
            <div class="actions-row">
                <button onclick={start(Which::ListConfigs)} disabled={state.op(Which::ListConfigs).is_none()} data-testid="td-check">{"Check connection"}</button>
                <button class="primary" onclick={start(Which::Review)} disabled={state.op(Which::Review).is_none()} data-testid="td-review">{"Review upload"}</button>
            </div>
            // Why both buttons are greyed out, before a key is typed (or when it cannot be one).
            if let (Err(e), false) = (state.api_key(), state.busy()) {
                <p class="note" data-testid="td-key-needed">{ if state.key.trim().is_empty() {
                    "Type or paste your TD API key above to check the connection or review the upload.".to_string()
                } else { e } }</p>
            }
            if let Err(e) = &*state.body { <p class="note warn" data-testid="upload-blocked">{e.clone()}</p> }
            if let Status::Busy(label) = &state.status { <p class="status" role="status" data-testid="td-busy">{*label}</p> }
            if !state.notes.is_empty() {
                <ul class="notes" data-testid="td-notes">{ for state.notes.iter().map(|n| html! { <li>{n.clone()}</li> }) }</ul>
            }
            { match &state.status {
                Status::Configs(list) => configs_view(list, &props.host),
                Status::Planned { plan, .. } if state.current_plan().is_some() => plan_view(plan, &name, state.confirm_removals, on_confirm, start(Which::Apply)),
                Status::Planned { .. } => html! { <p class="note" data-testid="plan-stale">{"The config changed since the review: review again."}</p> },
                Status::Done(o) => done_view(o),
                Status::Failed(e) => failed_view(e),
                Status::Idle | Status::Busy(_) => html! {},
            } }
            <details class="dry-run" data-testid="dry-run">
                <summary>{"Dry run: the exact request"}</summary>
                <p class="note" data-testid="dry-run-sent">{state.sent_note()}</p>
                { match &preview {
                    Ok((text, _, note)) => html! { <>
                        <pre class="request" tabindex="0" data-testid="dry-run-request">{text.clone()}</pre>
                        <button onclick={on_copy_curl} data-testid="copy-curl">{"Copy as curl"}</button>
                        <span class="note" data-testid="curl-note">{note.clone()}</span>
                    </> },
                    Err(e) => html! { <p class="note">{e.clone()}</p> },
                } }
                <p class="note" data-testid="dry-run-assumptions">{"TD documents the create call and the US, Tokyo and EU01 CAS hosts; the paths cps uses to list, read and update segments follow TD's tools (the evidence is in docs/td-api.md). If TD answers one of those calls otherwise (404 or 405), cps stops there and shows TD's answer: nothing is created or changed, and your config stays as it is."}</p>
            </details>
        </div>
    }
}

fn configs_view(list: &[ZeroCopyConfig], host: &web_sys::Element) -> Html {
    if list.is_empty() {
        return html! { <p class="note" data-testid="td-configs">{"Connected. The account has no zero-copy configs yet: create one in the TD console (Integration Hub → Zero-Copy → Snowflake)."}</p> };
    }
    html! {
        <div class="configs" data-testid="td-configs">
            <p class="ok">{format!("Connected. {} zero-copy config{}: pick the one this segment reads through; its id goes into every entry's federatedQueryConfigId.", list.len(), if list.len() == 1 { "" } else { "s" })}</p>
            <ul>
            { for list.iter().map(|c| {
                let (host, id) = (host.clone(), c.id.clone());
                html! {
                    <li>
                        <button data-testid="use-config" data-id={c.id.clone()}
                            onclick={Callback::from(move |_| services::tell(&host, &ToStudio::SetConnection(id.clone())))}>
                            {format!("Use {}", c.id)}
                        </button>
                        {format!(" {} ({}{})", c.name, c.kind, c.database.as_ref().map(|d| format!(", database {d}")).unwrap_or_default())}
                    </li>
                }
            }) }
            </ul>
        </div>
    }
}

fn plan_view(
    plan: &Plan,
    name: &str,
    confirmed: bool,
    on_confirm: Callback<Event>,
    on_apply: Callback<MouseEvent>,
) -> Html {
    match plan {
        Plan::Create => html! {
            <div class="plan" data-testid="plan">
                <p>{format!("No parent segment is named “{name}” yet: this creates it.")}</p>
                <button class="primary" onclick={on_apply} data-testid="td-apply">{format!("Create “{name}”")}</button>
            </div>
        },
        Plan::Update { existing, diff } => {
            let removals = diff.removals();
            html! {
                <div class="plan" data-testid="plan">
                    <p>{format!("“{name}” already exists (id {}): this updates it.", existing.id)}</p>
                    if diff.is_empty() { <p class="note">{"No differences: the update sends the same config again."}</p> }
                    <ul class="diff" data-testid="diff">
                        { for diff.lines().into_iter().map(|l| {
                            let class = match l.chars().next() { Some('+') => "add", Some('-') => "remove", _ => "change" };
                            html! { <li class={class}>{l}</li> }
                        }) }
                    </ul>
                    <p class="note">{"TD replaces the attribute and behavior lists on update: a renamed entry shows as a removal plus an addition, because the server gives it a new id."}</p>
                    if !removals.is_empty() {
                        <label class="check warn">
                            <input type="checkbox" checked={confirmed} onchange={on_confirm} data-testid="confirm-removals" />
                            {format!(" Remove {}: segment rules that use them stop working.", removals.join(", "))}
                        </label>
                    }
                    <button class="primary" onclick={on_apply} disabled={!removals.is_empty() && !confirmed} data-testid="td-apply">{format!("Update “{name}”")}</button>
                </div>
            }
        }
    }
}

fn done_view(o: &Outcome) -> Html {
    let verb = match o.done {
        Done::Created => "Created",
        Done::Updated => "Updated",
    };
    html! {
        <div class="result ok" role="status" data-testid="td-done">
            <p>{format!("{verb} “{}”. Id: ", o.segment.name)}<code data-testid="segment-id">{o.segment.id.clone()}</code></p>
            if o.recovered { <p class="note">{"TD's first answer was lost; cps found the segment by name instead of creating it twice."}</p> }
            if let Some(retried) = cps_td_api::retry_summary(&o.retries) { <p class="note" data-testid="td-retried">{retried}</p> }
            if let Some(link) = &o.console {
                <p><a href={link.clone()} target="_blank" rel="noopener noreferrer" data-testid="console-link">{"Open it in the TD console"}</a></p>
            }
        </div>
    }
}

fn failed_view(e: &ApiError) -> Html {
    let reply = e.reply();
    let who = if reply.is_some_and(|r| r.from_proxy) {
        "cps serve"
    } else {
        "TD"
    };
    let problems = reply.map_or(&[][..], |r| &r.problems[..]);
    html! {
        <div class="result error" role="alert" data-testid="td-error">
            <p class="title">{e.title()}</p>
            { match problems {
                [] => html! {},
                [one] => html! { <p class="server">{format!("{who} said: ")}<q>{one.describe()}</q></p> },
                many => html! { <>
                    <p class="server">{format!("{who} reported {} problems:", many.len())}</p>
                    <ul class="problems" data-testid="td-problems">
                        { for many.iter().map(|p| html! { <li>{p.describe()}</li> }) }
                    </ul>
                </> },
            } }
            <p class="advice">{e.advice()}</p>
            if let Some(r) = reply.filter(|r| !r.raw.trim().is_empty()) {
                <details class="raw" data-testid="td-raw">
                    <summary>{format!("{who}'s answer as received ({}, HTTP {})", r.shape.as_str(), e.status().unwrap_or(0))}</summary>
                    <pre tabindex="0">{r.raw.clone()}</pre>
                </details>
            }
            <p class="note">{"Your config is unchanged."}</p>
        </div>
    }
}

//! The Upload step: region and route, the API key (memory only, or this tab's sessionStorage
//! when the user asks), the zero-copy configs, a dry run with copy-as-curl, and create or update
//! with the difference first. All TD logic is `cps_td_api`'s; this is the panel around it.
//!
//! **Invariant:** the key lives in this component's state, and in sessionStorage only while
//! "Remember for this tab" is ticked. It never reaches the URL, the share link, localStorage, the
//! console, an event to the studio or an error message (`ApiKey` has no `Display` and a masked
//! `Debug`).

use crate::{services, ConfigEvent, SERVER_REFUSED_EVENT, SET_CONNECTION_EVENT};
use cps_td_api::browser::FetchTransport;
use cps_td_api::endpoints::{Call, Method, Target, REGIONS};
use cps_td_api::record::{dry_run_summary, Recording};
use cps_td_api::{ApiError, ApiKey, Client, Done, Outcome, Plan, ZeroCopyConfig};
use std::rc::Rc;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// One TD operation, run on the page's event loop.
type Job = std::pin::Pin<Box<dyn std::future::Future<Output = Status>>>;

/// The page's client: its transport remembers what it sent, so the dry run can say it.
type Td = Client<Recording<FetchTransport>>;

#[derive(Properties, PartialEq)]
pub struct UploadProps {
    /// The studio's element: events in both directions go through it.
    pub host: web_sys::Element,
    pub initial: ConfigEvent,
}

/// How calls reach TD.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Route {
    /// Straight from the browser: works only if TD's hosts allow it (CORS, unknown).
    Direct,
    /// Through `cps serve` on this machine (same origin, no CORS).
    Proxy,
}

#[derive(Clone, PartialEq)]
struct ProxyInfo {
    custom: bool,
}

#[derive(Clone, PartialEq)]
enum Status {
    Idle,
    Busy(&'static str),
    Configs(Vec<ZeroCopyConfig>),
    /// `sent`: the calls made to build the plan (reads only), for the dry run to name.
    Planned {
        plan: Rc<Plan>,
        checks: u64,
        sent: Rc<Vec<(Method, String)>>,
    },
    Done(Rc<Outcome>),
    Failed(Rc<ApiError>),
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

#[function_component(Upload)]
pub fn upload(props: &UploadProps) -> Html {
    let config = use_state(|| props.initial.clone());
    {
        let config = config.clone();
        services::use_studio_config(&props.host, Callback::from(move |e| config.set(e)));
    }
    let remembered = use_state(|| services::session_key().is_some());
    let key = use_state(|| services::session_key().unwrap_or_default());
    let region = use_state(|| {
        services::load_region().unwrap_or_else(|| cps_td_api::endpoints::DEFAULT_REGION.into())
    });
    let proxy = use_state(|| None::<ProxyInfo>);
    let route = use_state(|| Route::Direct);
    let status = use_state(|| Status::Idle);
    let notes = use_state(Vec::<String>::new);
    let confirm_removals = use_state(|| false);

    // Is `cps serve`'s proxy there? Then it is the default route: TD's CORS is unknown.
    {
        let (proxy, route) = (proxy.clone(), route.clone());
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                if let Some(custom) = services::proxy_status().await {
                    proxy.set(Some(ProxyInfo { custom }));
                    route.set(Route::Proxy);
                }
            });
        });
    }

    // Parsed once per check of the config, not on every render.
    let body: std::rc::Rc<Result<serde_json::Value, String>> = {
        let (text, blocked) = (config.body.clone(), config.blocked.clone());
        use_memo(config.revision, move |_| match (text, blocked) {
            (Some(b), _) => serde_json::from_str(&b).map_err(|e| e.to_string()),
            (None, Some(why)) => Err(why),
            (None, None) => Err("The config is not checked yet.".into()),
        })
    };
    let revision = config.revision;
    let name = (*body)
        .as_ref()
        .ok()
        .and_then(|b| b["name"].as_str().map(str::to_string))
        .unwrap_or_default();
    let api_key = ApiKey::new(&key);
    let busy = matches!(*status, Status::Busy(_));

    let on_key = {
        let (key, remembered) = (key.clone(), remembered.clone());
        Callback::from(move |e: InputEvent| {
            let v = e.target_unchecked_into::<HtmlInputElement>().value();
            if *remembered {
                services::set_session_key(Some(&v));
            }
            key.set(v);
        })
    };
    let on_remember = {
        let (key, remembered) = (key.clone(), remembered.clone());
        Callback::from(move |e: Event| {
            let on = e.target_unchecked_into::<HtmlInputElement>().checked();
            services::set_session_key(on.then_some(key.as_str()));
            remembered.set(on);
        })
    };
    let on_region = {
        let (region, status) = (region.clone(), status.clone());
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlSelectElement>().value();
            services::save_region(&v);
            region.set(v);
            status.set(Status::Idle);
        })
    };
    let on_route = {
        let (route, status) = (route.clone(), status.clone());
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlSelectElement>().value();
            route.set(if v == "proxy" {
                Route::Proxy
            } else {
                Route::Direct
            });
            status.set(Status::Idle);
        })
    };

    // Runs one TD operation: busy while it runs, then its notes and result.
    let run = {
        let (status, notes, key, region, route) = (
            status.clone(),
            notes.clone(),
            key.clone(),
            region.clone(),
            route.clone(),
        );
        move |label: &'static str, op: Rc<dyn Fn(Rc<Td>) -> Job>| {
            let (status, notes) = (status.clone(), notes.clone());
            let key = match ApiKey::new(&key) {
                Ok(k) => k,
                Err(e) => {
                    status.set(Status::Failed(Rc::new(ApiError::Unsupported { detail: e })));
                    return;
                }
            };
            let client = match client(*route, &region, key) {
                Ok(c) => Rc::new(c),
                Err(e) => {
                    status.set(Status::Failed(Rc::new(e)));
                    return;
                }
            };
            status.set(Status::Busy(label));
            notes.set(Vec::new());
            wasm_bindgen_futures::spawn_local(async move {
                let result = op(client.clone()).await;
                notes.set(client.take_notes());
                status.set(result);
            });
        }
    };

    let on_check = {
        let run = run.clone();
        Callback::from(move |_| {
            run(
                "Listing zero-copy configs…",
                Rc::new(|c: Rc<Td>| {
                    Box::pin(async move {
                        match c.list_zero_copy_configs().await {
                            Ok(list) => Status::Configs(list),
                            Err(e) => Status::Failed(Rc::new(e)),
                        }
                    })
                }),
            )
        })
    };
    let on_review = {
        let (run, body, checks, confirm_removals) = (
            run.clone(),
            body.clone(),
            revision,
            confirm_removals.clone(),
        );
        Callback::from(move |_| {
            let Ok(body) = (*body).clone() else { return };
            confirm_removals.set(false);
            run(
                "Looking for a segment with this name…",
                Rc::new(move |c: Rc<Td>| {
                    let body = body.clone();
                    Box::pin(async move {
                        match c.plan(&body).await {
                            Ok(plan) => Status::Planned {
                                plan: Rc::new(plan),
                                checks,
                                sent: Rc::new(c.transport.sent()),
                            },
                            Err(e) => Status::Failed(Rc::new(e)),
                        }
                    })
                }),
            )
        })
    };
    let on_apply = {
        let (run, body, status, confirm, host, config) = (
            run.clone(),
            body.clone(),
            status.clone(),
            *confirm_removals,
            props.host.clone(),
            config.clone(),
        );
        Callback::from(move |_| {
            let (Ok(body), Status::Planned { plan, .. }) = ((*body).clone(), (*status).clone())
            else {
                return;
            };
            let host = host.clone();
            // The text this body was made from: TD's refusal is located in it.
            let uploaded = Rc::new((config.text.clone(), config.options.clone()));
            run(
                "Uploading…",
                Rc::new(move |c: Rc<Td>| {
                    let (body, plan, host) = (body.clone(), plan.clone(), host.clone());
                    let uploaded = uploaded.clone();
                    Box::pin(async move {
                        match c.apply(&plan, &body, confirm).await {
                            Ok(o) => Status::Done(Rc::new(o)),
                            Err(e) => {
                                mark_refusal(&host, &uploaded.0, &uploaded.1, &e);
                                Status::Failed(Rc::new(e))
                            }
                        }
                    })
                }),
            )
        })
    };

    // The dry run: the request exactly as it will be sent (key masked), the curl a terminal can
    // run (TD's own host: see `Target::for_terminal`), and what was sent to TD to get here.
    let preview = match (&*body, &api_key) {
        (Ok(_), key) => {
            let key = key
                .clone()
                .unwrap_or_else(|_| ApiKey::new("TD_API_KEY").expect("placeholder"));
            let (call, id) = match &*status {
                Status::Planned { plan, .. } => match &**plan {
                    Plan::Update { existing, .. } => {
                        (Call::UpdateSegment, Some(existing.id.clone()))
                    }
                    Plan::Create => (Call::CreateSegment, None),
                },
                _ => (Call::CreateSegment, None),
            };
            // The studio's text of the body, as it will be sent.
            let build = |c: Td| c.request(call, id.as_deref(), config.body.clone());
            client(*route, &region, key.clone())
                .and_then(build)
                .and_then(|r| {
                    let terminal = target(*route, &region)?.for_terminal();
                    let via_proxy = matches!(terminal, Target::Proxy { .. });
                    let curl = build(Client::new(
                        Recording::new(FetchTransport::default()),
                        terminal,
                        key,
                    ))?;
                    let note = match (*route, via_proxy) {
                        (Route::Proxy, false) => format!(" The command goes to {}, TD's own host for the region: a terminal needs no proxy (cps serve only gets the browser past CORS), so it works without this page. It reads the key from $TD_API_KEY and the body from parent_segment.json (Formats → API JSON).", curl.url),
                        (Route::Proxy, true) => " The command goes through cps serve (only it knows the custom endpoint), so cps serve must be running; it sends the proxy's X-Cps-Proxy header, reads the key from $TD_API_KEY and the body from parent_segment.json (Formats → API JSON).".to_string(),
                        (Route::Direct, _) => " The command reads the key from $TD_API_KEY and the body from parent_segment.json (Formats → API JSON).".to_string(),
                    };
                    Ok((r.describe(), curl.to_curl("parent_segment.json"), note))
                })
                .map_err(|e| e.explain())
        }
        (Err(e), _) => Err(e.clone()),
    };
    // What reached TD for this dry run: the review's reads, or nothing at all.
    let sent_note = match &*status {
        Status::Planned { sent, .. } => dry_run_summary(sent),
        _ => "Dry run: nothing is sent to TD to show this request.".to_string(),
    };
    let on_copy_curl = {
        let curl = preview.as_ref().ok().map(|(_, c, _)| c.clone());
        Callback::from(move |_| {
            if let Some(c) = &curl {
                services::copy_to_clipboard(c);
            }
        })
    };

    let region_info = cps_td_api::region(&region);
    let direct_hosts = region_info
        .map(|r| format!("{} and {}", r.cas.unwrap_or("no CAS host"), r.api))
        .unwrap_or_default();

    html! {
        <div class="upload" data-testid="upload">
            <p class="lead">{"Upload this config to Treasure Data: it creates the parent segment, or updates the one with the same name. cps checks it first; nothing is sent until you press the button."}</p>
            <div class="field-row">
                <label class="field">
                    <span class="label">{"Region"}</span>
                    <select onchange={on_region} data-testid="td-region" disabled={busy}>
                        { for REGIONS.iter().map(|r| html! {
                            <option value={r.id} selected={*region == r.id}>{format!("{}{}", r.label, if r.cas.is_none() { " (no documented CAS host)" } else { "" })}</option>
                        }) }
                        if proxy.as_ref().is_some_and(|p| p.custom) {
                            <option value="custom" selected={*region == "custom"}>{"Custom (cps serve --td-endpoint)"}</option>
                        }
                    </select>
                </label>
                <label class="field">
                    <span class="label">{"Route"}</span>
                    <select onchange={on_route} data-testid="td-route" disabled={busy}>
                        <option value="proxy" selected={*route == Route::Proxy} disabled={proxy.is_none()}>{"Through cps serve (this machine)"}</option>
                        <option value="direct" selected={*route == Route::Direct}>{"Direct from the browser"}</option>
                    </select>
                </label>
            </div>
            <p class="note" data-testid="route-note">{ match (*route, proxy.is_some()) {
                (Route::Proxy, _) => "Calls go to cps serve on this machine, which forwards them to TD's hosts for the region. Nothing is logged.".to_string(),
                (Route::Direct, true) => format!("Calls go from this browser to {direct_hosts}. TD does not document whether its API allows calls from web pages (CORS); if the browser blocks them, use cps serve."),
                (Route::Direct, false) => format!("Calls go from this browser to {direct_hosts}. TD does not document whether its API allows calls from web pages (CORS); if they are blocked, run `cargo xtask run` (or `cps serve`) and open the page it serves to go through it."),
            } }</p>
            <label class="field">
                <span class="label">{"TD API key"}</span>
                <input type="password" autocomplete="off" spellcheck="false" placeholder="1234/abcdef…"
                    value={(*key).clone()} oninput={on_key} data-testid="td-key" aria-label="TD API key" />
                <span class="note">{"Kept in this page's memory only: never in the URL, the share link, local storage or logs. A master key is recommended (TD's guide)."}</span>
            </label>
            <label class="check">
                <input type="checkbox" checked={*remembered} onchange={on_remember} data-testid="td-remember" />
                {" Remember for this tab (sessionStorage, cleared when the tab closes)"}
            </label>
            <div class="actions-row">
                <button onclick={on_check} disabled={busy || api_key.is_err()} data-testid="td-check">{"Check connection"}</button>
                <button class="primary" onclick={on_review} disabled={busy || api_key.is_err() || body.is_err()} data-testid="td-review">{"Review upload"}</button>
            </div>
            if let Err(e) = &*body { <p class="note warn" data-testid="upload-blocked">{e.clone()}</p> }
            if let Status::Busy(label) = &*status { <p class="status" role="status" data-testid="td-busy">{*label}</p> }
            if !notes.is_empty() {
                <ul class="notes" data-testid="td-notes">{ for notes.iter().map(|n| html! { <li>{n.clone()}</li> }) }</ul>
            }
            { match &*status {
                Status::Configs(list) => configs_view(list, &props.host),
                Status::Planned { plan, checks, .. } if *checks == revision => plan_view(plan, &name, *confirm_removals, &confirm_removals, on_apply),
                Status::Planned { .. } => html! { <p class="note" data-testid="plan-stale">{"The config changed since the review: review again."}</p> },
                Status::Done(o) => done_view(o),
                Status::Failed(e) => failed_view(e),
                _ => html! {},
            } }
            <details class="dry-run" data-testid="dry-run">
                <summary>{"Dry run: the exact request"}</summary>
                <p class="note" data-testid="dry-run-sent">{sent_note}</p>
                { match &preview {
                    Ok((text, _, note)) => html! { <>
                        <pre class="request" data-testid="dry-run-request">{text.clone()}</pre>
                        <button onclick={on_copy_curl} data-testid="copy-curl">{"Copy as curl"}</button>
                        <span class="note" data-testid="curl-note">{note.clone()}</span>
                    </> },
                    Err(e) => html! { <p class="note">{e.clone()}</p> },
                } }
            </details>
            <p class="note">{"Hosts and paths come from one table with its evidence (docs/td-api.md): only the create call and the US, Tokyo and EU01 CAS hosts are documented by TD; list, show and update paths are assumptions."}</p>
        </div>
    }
}

/// Points TD's refusal at the uploaded text and sends the marks to the studio, which shows them
/// in the editor and the problem list while it still holds that text.
fn mark_refusal(host: &web_sys::Element, text: &str, options: &str, e: &ApiError) {
    let checked = cps_core::check(
        text,
        &cps_core::config::options::options_from_string(options),
    );
    let Some(config) = &checked.config else {
        return;
    };
    let located = cps_td_api::locate::locate(config, e);
    if !located.is_empty() {
        let detail = cps_td_api::bridge::refused_detail(text, &located);
        services::emit(host, SERVER_REFUSED_EVENT, &detail);
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
                            onclick={Callback::from(move |_| services::emit(&host, SET_CONNECTION_EVENT, &id))}>
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
    confirm: &UseStateHandle<bool>,
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
            let toggle = {
                let confirm = confirm.clone();
                Callback::from(move |e: Event| {
                    confirm.set(e.target_unchecked_into::<HtmlInputElement>().checked())
                })
            };
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
                            <input type="checkbox" checked={confirmed} onchange={toggle} data-testid="confirm-removals" />
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
                    <pre>{r.raw.clone()}</pre>
                </details>
            }
            <p class="note">{"Your config is unchanged."}</p>
        </div>
    }
}

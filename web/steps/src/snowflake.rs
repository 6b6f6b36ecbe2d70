//! The Snowflake setup step: the key pair (generated here with WebCrypto, replacing the OpenSSL
//! recipe), a checker for keys people paste, the zero-copy connection with the grants it needs,
//! the catalog-aware checks and the SQL check pack. All the logic is `cps_snowflake`'s (`keys`,
//! `account`, `sql`, `catalog`, `pack`); this is the panel around it. Catalog findings and
//! completions go to the studio, which shows them (editor, problems, toolbar counts).
//!
//! **Invariant:** a generated or pasted private key, and an encrypted key's passphrase, stay in
//! this panel's memory. They are never sent, never stored, never logged; a key leaves only as a
//! file the user downloads.

use crate::services;
use cps_bridge::words::html as words;
use cps_bridge::{Finding, Findings, Mark, Progress, Revision, Source, Stage, Standing, ToStudio};
use cps_core::{Checked, Severity};
use cps_snowflake::keys::{self, KeyKind, KeyReport};
use cps_snowflake::sql::{self, KeySlot};
use cps_snowflake::{account, catalog, pack};
use std::collections::HashSet;
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct SnowflakeProps {
    pub host: web_sys::Element,
    pub initial: Revision,
}

/// The studio's check, with the config model decoded here from its text and settings: the
/// grants, the catalog query and checks and the check pack all work on the model, which does
/// not cross between the two wasm modules. Decoded once per revision, and only while this step
/// is shown or follows the studio (a catalog is loaded); the catalog findings come from this
/// same model (`catalog::check`), not from a second check of the text.
#[derive(Clone)]
struct Current {
    revision: Rc<Revision>,
    checked: Rc<Checked>,
}

impl PartialEq for Current {
    fn eq(&self, other: &Self) -> bool {
        self.revision.revision == other.revision.revision
    }
}

impl Current {
    fn of(revision: Revision) -> Current {
        let checked = Rc::new(cps_core::check(&revision.text, &revision.options()));
        Current {
            revision: Rc::new(revision),
            checked,
        }
    }
}

#[function_component(Snowflake)]
pub fn snowflake_step(props: &SnowflakeProps) -> Html {
    let current = use_state(|| Current::of(props.initial.clone()));
    {
        let current = current.clone();
        services::use_revisions(
            &props.host,
            Callback::from(move |r| current.set(Current::of(r))),
        );
    }
    html! {
        <div class="snowflake" data-testid="snowflake">
            <p class="lead">{"Set up Snowflake for a zero-copy parent segment: a key pair for the user TD connects as, the zero-copy connection and its grants, then checks of the config against your warehouse's catalog. Everything here runs in this browser; keys never leave it."}</p>
            <KeyPair host={props.host.clone()} />
            <KeyCheck host={props.host.clone()} />
            <ZeroCopy current={(*current).clone()} host={props.host.clone()} />
            <CatalogCheck current={(*current).clone()} host={props.host.clone()} />
            <CheckPack current={(*current).clone()} host={props.host.clone()} />
        </div>
    }
}

/// Reads a textarea's or input's value in an event handler.
fn value_of(e: &InputEvent) -> String {
    let target = e.target();
    if let Some(t) = target
        .as_ref()
        .and_then(|t| t.dyn_ref::<HtmlTextAreaElement>())
    {
        return t.value();
    }
    target
        .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
        .map(|i| i.value())
        .unwrap_or_default()
}

fn text_setter(state: &UseStateHandle<String>) -> Callback<InputEvent> {
    let state = state.clone();
    Callback::from(move |e: InputEvent| state.set(value_of(&e)))
}

/// A dropped file's text goes into `state` (a file over the core's input limit is not read).
fn drop_into(state: &UseStateHandle<String>) -> Callback<DragEvent> {
    let state = state.clone();
    Callback::from(move |e: DragEvent| {
        e.prevent_default();
        if let Some(file) = cps_bridge::browser::dropped_file(&e) {
            let state = state.clone();
            cps_bridge::browser::read_file(file, move |r| {
                if let Ok(text) = r {
                    state.set(text);
                }
            });
        }
    })
}

#[derive(Properties, PartialEq)]
struct HostProps {
    host: web_sys::Element,
}

/// Tells the studio's guided path where a stage stands (`None`: not started).
fn report(host: &web_sys::Element, stage: Stage, word: Option<(Standing, &str)>) {
    let (standing, status) = word.unwrap_or((Standing::NotStarted, "not started"));
    services::tell(
        host,
        &ToStudio::Progress(Progress {
            stage,
            standing,
            status: status.to_string(),
        }),
    );
}

/// A stage's word, told when it changes (not on every render).
#[hook]
fn use_report(host: &web_sys::Element, stage: Stage, word: Option<(Standing, String)>) {
    let host = host.clone();
    let told = use_mut_ref(|| None::<Option<(Standing, String)>>);
    use_effect_with(word, move |word| {
        let mut told = told.borrow_mut();
        // Nothing to say before the user did anything here.
        if told.as_ref() != Some(word) && (told.is_some() || word.is_some()) {
            report(&host, stage, word.as_ref().map(|(s, w)| (*s, w.as_str())));
        }
        *told = Some(word.clone());
    });
}

fn copy_button(text: &str, testid: &'static str) -> Html {
    let text = text.to_string();
    html! {
        <button data-testid={testid} onclick={Callback::from(move |_| cps_bridge::browser::copy_to_clipboard(&text))}>{"Copy"}</button>
    }
}

/// Problems in a pasted text (a key, an export), by line and column of that text.
fn diagnostics_list(
    text: &str,
    diagnostics: &[cps_core::Diagnostic],
    testid: &'static str,
) -> Html {
    if diagnostics.is_empty() {
        return html! {};
    }
    let index = cps_core::LineIndex::new(text);
    html! {
        <ul class="problems compact" data-testid={testid}>
            { for diagnostics.iter().map(|d| {
                let pos = index.line_col(text, d.span.start, cps_core::ColumnUnit::Chars);
                let sev = d.severity.as_str();
                html! {
                    <li class={classes!("problem", sev)} data-code={d.code.as_str()}>
                        <div class="problem-body">
                            <div class="problem-head"><span class="pos">{format!("{}:{}", pos.line, pos.column)}</span><code class="code">{d.code.as_str()}</code></div>
                            <div class="message">{words(&d.message)}</div>
                            if let Some(h) = &d.help { <div class="help">{words(h)}</div> }
                        </div>
                    </li>
                }
            }) }
        </ul>
    }
}

fn kind_name(kind: &KeyKind) -> &'static str {
    match kind {
        KeyKind::Pkcs8Private => "private key, PKCS#8 (what TD needs)",
        KeyKind::Pkcs1Private => "private key, PKCS#1 (TD needs PKCS#8: converted below)",
        KeyKind::EncryptedPkcs8Private => "encrypted private key (PKCS#8)",
        KeyKind::SpkiPublic => "public key (SubjectPublicKeyInfo)",
        KeyKind::Pkcs1Public => "public key, PKCS#1 (converted to SubjectPublicKeyInfo)",
        KeyKind::Unknown => "not a key cps recognises",
    }
}

// ---- key pair ---------------------------------------------------------------------------------

/// A generated pair: only in this component's memory.
#[derive(Clone, PartialEq)]
struct Generated {
    private_pem: String,
    public_pem: String,
    public_body: String,
    fingerprint: String,
}

async fn generate_pair() -> Result<Generated, String> {
    let js = |e: JsValue| {
        e.dyn_ref::<js_sys::Error>()
            .map(|e| String::from(e.message()))
            .unwrap_or_else(|| "WebCrypto refused".into())
    };
    let subtle = web_sys::window()
        .ok_or("no window")?
        .crypto()
        .map_err(js)?
        .subtle();
    // RsaHashedKeyGenParams, as a plain object (web-sys has no binding for it).
    let params = js_sys::Object::new();
    let set = |k: &str, v: &JsValue| js_sys::Reflect::set(&params, &k.into(), v).map(|_| ());
    set("name", &"RSASSA-PKCS1-v1_5".into()).map_err(js)?;
    set("modulusLength", &2048.into()).map_err(js)?;
    set(
        "publicExponent",
        &js_sys::Uint8Array::from(&[1u8, 0, 1][..]).into(),
    )
    .map_err(js)?;
    set("hash", &"SHA-256".into()).map_err(js)?;
    let usages = js_sys::Array::of2(&"sign".into(), &"verify".into());
    let pair = wasm_bindgen_futures::JsFuture::from(
        subtle
            .generate_key_with_object(&params, true, &usages)
            .map_err(js)?,
    )
    .await
    .map_err(js)?;
    let private: web_sys::CryptoKey = js_sys::Reflect::get(&pair, &"privateKey".into())
        .map_err(js)?
        .unchecked_into();
    let der =
        wasm_bindgen_futures::JsFuture::from(subtle.export_key("pkcs8", &private).map_err(js)?)
            .await
            .map_err(js)?;
    let der = js_sys::Uint8Array::new(&der).to_vec();
    // The core derives the public key and fingerprint from the private key, as for a pasted one.
    let report = keys::from_der(KeyKind::Pkcs8Private, &der);
    match (
        report.pkcs8_pem,
        report.public_pem,
        report.public_body,
        report.fingerprint,
    ) {
        (Some(private_pem), Some(public_pem), Some(public_body), Some(fingerprint)) => {
            Ok(Generated {
                private_pem,
                public_pem,
                public_body,
                fingerprint,
            })
        }
        _ => Err("the generated key could not be read back".into()),
    }
}

#[function_component(KeyPair)]
fn key_pair(props: &HostProps) -> Html {
    let generated = use_state(|| None::<Rc<Generated>>);
    let error = use_state(|| None::<String>);
    let busy = use_state(|| false);
    let user = use_state(String::new);
    let rotate = use_state(|| false);
    let desc = use_state(String::new);
    let on_generate = {
        let (generated, error, busy) = (generated.clone(), error.clone(), busy.clone());
        Callback::from(move |_| {
            let (generated, error, busy) = (generated.clone(), error.clone(), busy.clone());
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                match generate_pair().await {
                    Ok(g) => {
                        generated.set(Some(Rc::new(g)));
                        error.set(None);
                    }
                    Err(e) => error.set(Some(e)),
                }
                busy.set(false);
            });
        })
    };
    let alter = generated
        .as_ref()
        .map(|g| sql::alter_user_sql(Some(&user), &g.public_body, slot(*rotate)));
    let matched = generated
        .as_ref()
        .filter(|_| !desc.trim().is_empty())
        .map(|g| keys::fingerprint_matches(&g.fingerprint, &desc));
    use_report(
        &props.host,
        Stage::KeyPair,
        generated.as_ref().map(|_| match matched {
            Some(Some(true)) => (Standing::Done, "Snowflake holds it".to_string()),
            Some(Some(false)) => (Standing::Attention, "Snowflake holds another".to_string()),
            _ => (Standing::Done, "generated".to_string()),
        }),
    );
    html! {
        <section class="step-section" data-testid="sf-keypair">
            <h2>{"1. Key pair"}</h2>
            <p class="note">{"TD connects to Snowflake as a user with an RSA key pair (2048 bits, private key in PKCS#8). Generate one here instead of the OpenSSL recipe: it is made by this browser (WebCrypto) and never sent or stored; download both files and keep the private one safe."}</p>
            <button class="primary" onclick={on_generate} disabled={*busy} data-testid="sf-generate">{ if generated.is_some() { "Generate another key pair" } else { "Generate key pair" } }</button>
            if let Some(e) = &*error { <p class="note warn" role="alert">{format!("Could not generate a key: {e}")}</p> }
            if let Some(g) = &*generated {
                <div class="generated">
                    <p>
                        <a class="button" href="#" data-testid="sf-download-private"
                            onclick={download_on_click("rsa_key.p8", &g.private_pem)}>{"Download rsa_key.p8 (private, for TD)"}</a>
                        {" "}
                        <a class="button" href="#" data-testid="sf-download-public"
                            onclick={download_on_click("rsa_key.pub", &g.public_pem)}>{"Download rsa_key.pub (public)"}</a>
                    </p>
                    <p class="note fingerprint">{"Fingerprint (what DESC USER shows as RSA_PUBLIC_KEY_FP): "}<code data-testid="sf-fingerprint">{g.fingerprint.clone()}</code>{" "}{ copy_button(&g.fingerprint, "sf-copy-fingerprint") }</p>
                    <label class="field"><span class="label">{"Snowflake user TD connects as"}</span>
                        <input value={(*user).clone()} oninput={text_setter(&user)} placeholder="TD_USER" data-testid="sf-user" />
                    </label>
                    <label class="check"><input type="checkbox" checked={*rotate} data-testid="sf-rotate"
                        onchange={{ let rotate = rotate.clone(); Callback::from(move |_| rotate.set(!*rotate)) }} />
                        {" Rotating keys: use the second slot (RSA_PUBLIC_KEY_2), so the current key keeps working until TD has the new one"}</label>
                    { match &alter {
                        Some(Ok(sql)) => html! { <>
                            <p class="note">{"Run this as SECURITYADMIN (or a role that can alter the user):"}</p>
                            <pre class="sql" tabindex="0" data-testid="sf-alter-user">{sql.clone()}</pre>
                            { copy_button(sql, "sf-copy-alter-user") }
                            <p class="note" data-testid="sf-service-user">{sql::service_user_advice(Some(&user))}</p>
                        </> },
                        Some(Err(e)) if !user.is_empty() => html! { <p class="note warn" data-testid="sf-user-error">{e.clone()}</p> },
                        _ => html! {},
                    } }
                    <details><summary>{"Public key body (without the BEGIN/END lines)"}</summary><pre class="sql" tabindex="0" data-testid="sf-public-body">{g.public_body.clone()}</pre></details>
                    <label class="field"><span class="label">{"Then paste the output of DESC USER here to check the key Snowflake holds"}</span>
                        <textarea rows="3" value={(*desc).clone()} oninput={text_setter(&desc)} data-testid="sf-desc-user" />
                    </label>
                    { match matched {
                        Some(Some(true)) => html! { <p class="ok" data-testid="sf-fp-match">{"Match: Snowflake holds this public key."}</p> },
                        Some(Some(false)) => html! { <p class="note warn" data-testid="sf-fp-match">{"Mismatch: Snowflake holds a different public key. Run the ALTER USER statement above again (or RSA_PUBLIC_KEY_2 for rotation)."}</p> },
                        Some(None) => html! { <p class="note warn" data-testid="sf-fp-match">{"No RSA_PUBLIC_KEY_FP value found in the pasted text."}</p> },
                        None => html! {},
                    } }
                </div>
            }
        </section>
    }
}

fn slot(rotate: bool) -> KeySlot {
    if rotate {
        KeySlot::Second
    } else {
        KeySlot::First
    }
}

fn download_on_click(name: &'static str, content: &str) -> Callback<MouseEvent> {
    let content = content.to_string();
    Callback::from(move |e: MouseEvent| {
        e.prevent_default();
        cps_bridge::browser::download(name, "application/x-pem-file", &content);
    })
}

// ---- key checker ------------------------------------------------------------------------------

#[function_component(KeyCheck)]
fn key_check(props: &HostProps) -> Html {
    let first = use_state(String::new);
    let second = use_state(String::new);
    // An encrypted key's passphrase: in this component's memory only (never stored or sent),
    // used to open the key here so its size and fingerprint are checked.
    let passphrase = use_state(String::new);
    let pass = (!passphrase.is_empty()).then(|| passphrase.as_bytes());
    let a = (!first.trim().is_empty()).then(|| Rc::new(keys::inspect_key_with(&first, pass)));
    let b = (!second.trim().is_empty()).then(|| Rc::new(keys::inspect_key_with(&second, pass)));
    let encrypted = [&a, &b]
        .into_iter()
        .flatten()
        .any(|r| r.kind == KeyKind::EncryptedPkcs8Private);
    let pair = match (&a, &b) {
        (Some(a), Some(b)) => keys::same_pair(a, b),
        _ => None,
    };
    // A checked key counts for the path's key pair stage: one TD can use, or one to fix.
    use_report(
        &props.host,
        Stage::KeyPair,
        a.as_ref().map(|r| {
            let errors = r.diagnostics.iter().any(|d| d.severity == Severity::Error);
            if errors || pair == Some(false) {
                (Standing::Attention, "the key needs a fix".to_string())
            } else {
                (Standing::Done, "key checked".to_string())
            }
        }),
    );
    html! {
        <section class="step-section" data-testid="sf-keycheck">
            <h2>{"2. Check a key"}</h2>
            <p class="note">{"Paste or drop a key (private or public) to see what it is and whether TD can use it. Copy-paste damage (one long line, missing lines, CRLF, stray spaces) is repaired; PKCS#1 keys are converted to PKCS#8. Nothing leaves this browser."}</p>
            <textarea rows="5" placeholder="-----BEGIN PRIVATE KEY-----" value={(*first).clone()} oninput={text_setter(&first)}
                ondragover={Callback::from(|e: DragEvent| e.prevent_default())} ondrop={drop_into(&first)} data-testid="sf-key-input" spellcheck="false" />
            if encrypted || !passphrase.is_empty() {
                <label class="field"><span class="label">{"Passphrase of the encrypted key (kept in this page's memory only, never stored or sent)"}</span>
                    <input type="password" autocomplete="off" value={(*passphrase).clone()} oninput={text_setter(&passphrase)} data-testid="sf-key-passphrase" />
                </label>
            }
            if let Some(r) = &a { { key_report(&first, r, "sf-key-report") } }
            <details>
                <summary>{"Check that a private and a public key are a pair"}</summary>
                <textarea rows="4" placeholder="-----BEGIN PUBLIC KEY-----" value={(*second).clone()} oninput={text_setter(&second)}
                    ondragover={Callback::from(|e: DragEvent| e.prevent_default())} ondrop={drop_into(&second)} data-testid="sf-key-input2" spellcheck="false" />
                if let Some(r) = &b { { key_report(&second, r, "sf-key-report2") } }
                { match pair {
                    Some(true) => html! { <p class="ok" data-testid="sf-key-pair">{"These two keys are a pair."}</p> },
                    Some(false) => html! { <p class="note warn" data-testid="sf-key-pair">{"These two keys are not a pair."}</p> },
                    None => html! {},
                } }
            </details>
        </section>
    }
}

fn key_report(text: &str, r: &KeyReport, testid: &'static str) -> Html {
    let errors = r
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    html! {
        <div class="key-report" data-testid={testid}>
            <p><strong>{kind_name(&r.kind)}</strong>
                { r.bits.map(|b| format!(", {b} bits")).unwrap_or_default() }
                { if r.repaired { " (repaired)" } else { "" } }</p>
            { diagnostics_list(text, &r.diagnostics, "sf-key-problems") }
            if let Some(fp) = &r.fingerprint { <p class="note">{"Fingerprint: "}<code data-testid="sf-key-fingerprint">{fp.clone()}</code></p> }
            if errors == 0 {
                if let Some(pem) = &r.pkcs8_pem {
                    <p><a class="button" href="#" data-testid="sf-key-fixed" onclick={download_on_click("rsa_key.p8", pem)}>{"Download as rsa_key.p8 (PKCS#8)"}</a></p>
                }
            }
        </div>
    }
}

// ---- zero-copy connection ---------------------------------------------------------------------

#[derive(Properties, PartialEq)]
struct ZeroCopyProps {
    current: Current,
    host: web_sys::Element,
}

#[function_component(ZeroCopy)]
fn zero_copy(props: &ZeroCopyProps) -> Html {
    let account = use_state(String::new);
    let warehouse = use_state(String::new);
    let database = use_state(String::new);
    let schema = use_state(|| "PUBLIC".to_string());
    let user = use_state(String::new);
    let role = use_state(String::new);
    let config_id = use_state(String::new);
    let account_check =
        (!account.trim().is_empty()).then(|| account::check_account(account.trim()));
    let grants = match &props.current.checked.config {
        Some(config)
            if !role.is_empty()
                && !warehouse.is_empty()
                && !database.is_empty()
                && !user.is_empty() =>
        {
            Some(sql::grants_sql(
                config,
                &sql::Grants {
                    role: &role,
                    warehouse: &warehouse,
                    database: &database,
                    schema: &schema,
                    user: &user,
                },
            ))
        }
        _ => None,
    };
    let on_use = {
        let (host, id) = (props.host.clone(), config_id.clone());
        Callback::from(move |_| {
            let id = id.trim().to_string();
            if !id.is_empty() {
                services::tell(&host, &ToStudio::SetConnection(id));
            }
        })
    };
    let id_ok =
        !config_id.trim().is_empty() && config_id.trim().bytes().all(|b| b.is_ascii_digit());
    let field = |label: &'static str,
                 state: &UseStateHandle<String>,
                 placeholder: &'static str,
                 testid: &'static str| {
        html! {
            <label class="field"><span class="label">{label}</span>
                <input value={(**state).clone()} oninput={text_setter(state)} placeholder={placeholder} data-testid={testid} />
            </label>
        }
    };
    html! {
        <section class="step-section" data-testid="sf-zerocopy">
            <h2>{"3. Zero-copy connection"}</h2>
            <p class="note">{"TD reads the tables in place through a zero-copy (federated query) config, made in the TD console. Fill in what it will ask for; cps writes the grants the role needs and the checklist."}</p>
            <div class="grid2">
                { field("Account identifier", &account, "myorg-account123", "sf-account") }
                { field("Warehouse", &warehouse, "COMPUTE_WH", "sf-warehouse") }
                { field("Database", &database, "CDP_PROD", "sf-database") }
                { field("Default schema", &schema, "PUBLIC", "sf-schema") }
                { field("User", &user, "TD_USER", "sf-zc-user") }
                { field("Role", &role, "TD_ROLE", "sf-role") }
            </div>
            { match &account_check {
                Some(Ok(form)) => html! { <p class="ok" data-testid="sf-account-note">{ match form {
                    account::AccountForm::OrgAccount => "Account identifier: the preferred orgname-account_name form.",
                    _ => "Account identifier: a legacy account locator. It works, but Snowflake prefers orgname-account_name (Admin → Accounts).",
                } }</p> },
                Some(Err(e)) => html! { <p class="note warn" data-testid="sf-account-note">{e.clone()}</p> },
                None => html! {},
            } }
            { match &grants {
                Some(Ok(sql)) => html! { <>
                    <p class="note">{"Grants for the role (run as an admin role in Snowsight): USAGE on the warehouse, database and schemas, SELECT on every table the config names."}</p>
                    <pre class="sql" tabindex="0" data-testid="sf-grants">{sql.clone()}</pre>
                    { copy_button(sql, "sf-copy-grants") }
                </> },
                Some(Err(e)) => html! { <p class="note warn" data-testid="sf-grants-error">{e.clone()}</p> },
                None => html! { <p class="note">{"Fill in warehouse, database, user and role to get the grants."}</p> },
            } }
            <ol class="checklist" data-testid="sf-checklist">
                <li>{"TD console → Integration Hub → Authentications → New → Snowflake: account "}{typed(&account, "the account identifier above")}{", user "}{typed(&user, "the user above")}{", authentication Key Pair, and paste the whole rsa_key.p8 (with its line breaks)."}</li>
                <li>{"Data Workbench → Zero-Copy → new Snowflake source on that authentication: role "}{typed(&role, "the role above")}{", warehouse "}{typed(&warehouse, "the warehouse above")}{", database "}{typed(&database, "the database above")}{"."}</li>
                <li>{"Take the config's id from the Upload tab's Check connection (or GET /v4/federated_query_configs): the number in the console URL is the connection id, not the config id. A new config can take 15–30 minutes before its catalog exists."}</li>
            </ol>
            <div class="field-row">
                { field("Zero-copy config id", &config_id, "167", "sf-config-id") }
                <button onclick={on_use} disabled={!id_ok} data-testid="sf-use-config">{"Use it in every entry"}</button>
            </div>
        </section>
    }
}

/// A value the user typed above, as code; before it is typed, words saying which one (an empty
/// code box read "account , user ,").
fn typed(value: &str, blank: &'static str) -> Html {
    match value.trim() {
        "" => html! { <em class="blank">{format!("({blank})")}</em> },
        v => html! { <code>{v.to_string()}</code> },
    }
}

/// The database as typed, or a placeholder the user sees and replaces.
fn or_placeholder(database: &str) -> &str {
    if database.trim().is_empty() {
        "YOUR_DATABASE"
    } else {
        database.trim()
    }
}

// ---- catalog ----------------------------------------------------------------------------------

#[derive(Properties, PartialEq)]
struct CatalogProps {
    current: Current,
    host: web_sys::Element,
}

/// What the catalog adds to the studio's check of the same text (the findings), and which of
/// that check's diagnostics it settles (`catalog::check` drops an `identifier-case` warning when
/// the catalog resolved every name it doubts). Compared by code and range, in linear time.
fn catalog_findings(
    checked: &Checked,
    cat: &catalog::Catalog,
) -> (Vec<cps_core::Diagnostic>, Vec<Mark>) {
    let Some(config) = &checked.config else {
        return (Vec::new(), Vec::new());
    };
    let base = &checked.diagnostics;
    let mut all = base.clone();
    catalog::check(config, &checked.settings, cat, &mut all);
    let key = |d: &cps_core::Diagnostic| (d.code, d.span);
    let before: HashSet<_> = base.iter().map(key).collect();
    let after: HashSet<_> = all.iter().map(key).collect();
    let withdrawn = base
        .iter()
        .filter(|d| !after.contains(&key(d)))
        .map(Mark::of)
        .collect();
    let added = all
        .into_iter()
        .filter(|d| !before.contains(&key(d)))
        .collect();
    (added, withdrawn)
}

#[function_component(CatalogCheck)]
fn catalog_check(props: &CatalogProps) -> Html {
    let database = use_state(String::new);
    let export = use_state(String::new);
    let parsed = use_memo((*export).clone(), |e| {
        (!e.trim().is_empty()).then(|| catalog::parse_catalog(e).map(Rc::new))
    });
    // The findings, for the revision they were computed on.
    let findings = use_memo((props.current.revision.revision, (*export).clone()), {
        let (current, parsed) = (props.current.clone(), parsed.clone());
        move |_| {
            let Some(Ok(cat)) = &*parsed else { return None };
            Some(catalog_findings(&current.checked, cat))
        }
    });
    // Tell the studio: the findings (none without a catalog), and to send every check while a
    // catalog is loaded, so the findings follow the text on every tab.
    let told = use_mut_ref(|| false);
    {
        let (host, revision) = (props.host.clone(), props.current.revision.revision);
        use_effect_with((revision, findings.clone()), move |(_, findings)| {
            let (found, withdrawn) = match &**findings {
                Some((f, w)) => (f.iter().map(Finding::of).collect(), w.clone()),
                // Without a catalog there is nothing to say, once.
                None if !told.replace(false) => return,
                None => (Vec::new(), Vec::new()),
            };
            if findings.is_some() {
                *told.borrow_mut() = true;
            }
            services::tell(
                &host,
                &ToStudio::Findings(Findings {
                    source: Source::Catalog,
                    revision,
                    findings: found,
                    withdrawn,
                }),
            );
        });
    }
    use_report(
        &props.host,
        Stage::Catalog,
        match (&*parsed, &*findings) {
            (Some(Err(_)), _) => Some((Standing::Attention, "export not read".to_string())),
            (Some(Ok(_)), Some((f, _))) if f.is_empty() => {
                Some((Standing::Done, "matches".to_string()))
            }
            (Some(Ok(_)), Some((f, _))) => {
                let errors = f.iter().filter(|d| d.severity == Severity::Error).count();
                Some(if errors > 0 {
                    (
                        Standing::Attention,
                        format!("{} against it", plural(errors, "error")),
                    )
                } else {
                    (Standing::Done, plural(f.len(), "warning"))
                })
            }
            _ => None,
        },
    );
    {
        let (host, parsed) = (props.host.clone(), parsed.clone());
        use_effect_with((*export).clone(), move |_| {
            let names = match &*parsed {
                Some(Ok(cat)) => catalog::completions(cat),
                _ => Vec::new(),
            };
            services::tell(&host, &ToStudio::Follow(!names.is_empty()));
            services::tell(&host, &ToStudio::Completions(names));
        });
    }
    // Snowflake SQL for a Snowflake config only; a Databricks or BigQuery config gets its own
    // warehouse's query once the warehouse is chosen (the file cannot tell the two apart).
    let settings = props.current.checked.settings;
    let other_warehouse = settings.warehouse.uses_catalog();
    let query = props.current.checked.config.as_ref().and_then(|c| {
        if !other_warehouse {
            Some(sql::catalog_query_sql(c, or_placeholder(&database)))
        } else if settings.warehouse_source == cps_core::Source::Option {
            sql::catalog_query_for(c, settings.warehouse, None).ok()
        } else {
            None
        }
    });
    html! {
        <section class="step-section" data-testid="sf-catalog">
            <h2>{"4. Check against the catalog"}</h2>
            <p class="note">{"cps cannot reach Snowflake from here, so it checks against what you export: run this query in Snowsight, download the result (CSV, TSV or JSON) and drop or paste it below. cps then checks that every schema, table and column exists under the name Snowflake resolves, that types fit and that time columns are timestamps; the editor underlines what is wrong and completes table and column names. Without an export these checks are simply not run."}</p>
            <label class="field"><span class="label">{"Database"}</span>
                <input value={(*database).clone()} oninput={text_setter(&database)} placeholder="CDP_PROD" data-testid="sf-catalog-database" />
            </label>
            if other_warehouse && query.is_none() { <p class="note warn" data-testid="sf-catalog-other">{"This config names its tables with connectionId and catalog: Databricks or BigQuery, which the file cannot tell apart. Choose the warehouse in Settings for its own catalog query."}</p> }
            if let Some(q) = &query { <pre class="sql" tabindex="0" data-testid="sf-catalog-query">{q.clone()}</pre> { copy_button(q, "sf-copy-catalog-query") } }
            <textarea rows="5" placeholder="TABLE_SCHEMA,TABLE_NAME,COLUMN_NAME,DATA_TYPE" value={(*export).clone()} oninput={text_setter(&export)}
                ondragover={Callback::from(|e: DragEvent| e.prevent_default())} ondrop={drop_into(&export)} data-testid="sf-catalog-input" spellcheck="false" />
            { match (&*parsed, &*findings) {
                (Some(Err(e)), _) => html! { <p class="note warn" data-testid="sf-catalog-error">{e.clone()}</p> },
                (Some(Ok(cat)), Some((f, _))) => html! { <>
                    <p class={if f.is_empty() { "ok" } else { "note warn" }} data-testid="sf-catalog-summary">{
                        if f.is_empty() { format!("The config matches the catalog ({} columns).", cat.columns.len()) }
                        else { format!("{} finding{} against the catalog ({} columns), underlined in the editor:", f.len(), if f.len() == 1 { "" } else { "s" }, cat.columns.len()) }
                    }</p>
                    { diagnostics_list(&props.current.revision.text, f, "sf-catalog-results") }
                </> },
                _ => html! {},
            } }
        </section>
    }
}

// ---- check pack -------------------------------------------------------------------------------

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

#[derive(Properties, PartialEq)]
struct CheckPackProps {
    current: Current,
    host: web_sys::Element,
}

#[function_component(CheckPack)]
fn check_pack(props: &CheckPackProps) -> Html {
    let database = use_state(String::new);
    let results = use_state(String::new);
    let config = props.current.checked.config.as_ref();
    let sql = config.map(|c| pack::check_pack_sql(c, or_placeholder(&database)));
    let report = config
        .filter(|_| !results.trim().is_empty())
        .map(|c| pack::check_pack_report(c, &results));
    use_report(
        &props.host,
        Stage::Data,
        report.as_ref().map(|r| match r {
            Err(_) => (Standing::Attention, "results not read".to_string()),
            Ok(f) => {
                let bad = f.iter().filter(|f| f.severity != Severity::Info).count();
                if bad > 0 {
                    (Standing::Attention, plural(bad, "finding"))
                } else {
                    (Standing::Done, "data checked".to_string())
                }
            }
        }),
    );
    let text = &props.current.revision.text;
    let index = cps_core::LineIndex::new(text);
    html! {
        <section class="step-section" data-testid="sf-checkpack">
            <h2>{"5. Data checks"}</h2>
            <p class="note">{"One script for Snowsight measures what only the data can tell: duplicate or null customer keys, behavior rows whose key has no customer (the join), and the range and nulls of each time column. Run it, then paste its result below."}</p>
            <label class="field"><span class="label">{"Database"}</span>
                <input value={(*database).clone()} oninput={text_setter(&database)} placeholder="CDP_PROD" data-testid="sf-checkpack-database" />
            </label>
            if let Some(q) = &sql { <pre class="sql" tabindex="0" data-testid="sf-checkpack-sql">{q.clone()}</pre> { copy_button(q, "sf-copy-checkpack") } }
            <textarea rows="5" placeholder="CHECK_NAME,SUBJECT,VALUE" value={(*results).clone()} oninput={text_setter(&results)}
                ondragover={Callback::from(|e: DragEvent| e.prevent_default())} ondrop={drop_into(&results)} data-testid="sf-checkpack-input" spellcheck="false" />
            { match report {
                Some(Err(e)) => html! { <p class="note warn" data-testid="sf-checkpack-error">{e}</p> },
                Some(Ok(findings)) => html! {
                    <ul class="problems compact" data-testid="sf-findings">
                        { for findings.iter().map(|f| {
                            let sev = f.severity.as_str();
                            let pos = f.span.map(|s| index.line_col(text, s.start, cps_core::ColumnUnit::Chars));
                            html! {
                                <li class={classes!("problem", sev)}>
                                    <div class="problem-body">
                                        <div class="problem-head">
                                            if let Some(p) = pos { <span class="pos">{format!("{}:{}", p.line, p.column)}</span> }
                                            <span class="key-path">{f.subject.clone()}</span>
                                        </div>
                                        <div class="message">{words(&f.message)}</div>
                                    </div>
                                </li>
                            }
                        }) }
                    </ul>
                },
                None => html! {},
            } }
        </section>
    }
}

//! A fake Treasure Data CAS API for tests: a real HTTP/1.1 server on 127.0.0.1 (std only, one
//! thread per connection, every response `Connection: close` with a `Content-Length`).
//!
//! # The fake's contract
//!
//! What is TD's documented API and what is our assumption (see `../shared/spec/td-cas.md` §4):
//!
//! - **Documented**: `POST /composable_audiences` with `Authorization: TD1 <key>` and a JSON body
//!   (`name`, `description`, `timezone`, `kind` = `composable`, `isComposable` = `true`, `master`,
//!   `attributes`, `behaviors`), answering with the created segment and its `id`;
//!   `GET /v4/federated_query_configs` listing zero-copy configs (`id`, `type`, `user_id`,
//!   `account_id`, `name`, `connection_id`, `created_at`, `updated_at`, `settings`) — on TD it
//!   lives on the `api.*` host, here every path is on one address.
//! - **Assumed**: the success status (200) and response schema (the request plus string `id`s
//!   and `createdAt`/`updatedAt` on the segment and on every attribute/behavior);
//!   the list schema (`GET /composable_audiences` is only mentioned by TD's skill; here it gives
//!   summaries `id`, `name`, `description`, `createdAt`, `updatedAt` — clients must call show for
//!   the rest); the show and update paths: `GET /composable_audiences/{id}`;
//!   `PUT /composable_audiences/{id}` (update = full replacement, every attribute/behavior gets a
//!   new server id); the error bodies (`{"message": ...}`; 401 is
//!   `{"error":"Unauthorized","message":"Invalid API key","severity":"error"}`, 403
//!   `{"error":"Forbidden",...}`); the type list (`string`, `number`, `timestamp`, `boolean`,
//!   `string_array`); the read-only key getting 403 on writes.
//!
//! Checks, in order: fault rule (below), auth (401), path (404), method (405), permission (403),
//! body (400: `Invalid JSON`, `<field path> is required`, `Type is not included in the list: 'x'`,
//! `Column not found: 'c', Available columns: a, b` when a catalog is set — one reason per
//! missing column —, `Name has already been taken`). Names are quoted in the messages (an
//! assumption: TD's observed "Column not found, Available columns: …" names none, and clients
//! must only match quoted names). No CORS headers. Keys and bodies are never logged; the request log keeps method, path,
//! `auth` (`valid`/`invalid`/`missing`) and status (`null` when the connection was reset).
//!
//! HTTP limits: the head is capped at 16 KiB (431), the body at 32 MiB (413), reads time out after
//! 10 s; a malformed request gets 400 (never a panic), `Transfer-Encoding` gets 501, and
//! `Expect: 100-continue` is honoured. Only the path matters; a query string is ignored.
//!
//! # Fault injection
//!
//! Rules (`POST /_fake/faults` or [`FakeTd::push_faults`]) such as
//! `{"method":"POST","path":"/composable_audiences","times":1,"delay_ms":0,"status":500,
//! "body":"{...}","headers":{"Retry-After":"1"},"reset":false,"truncate":false,"commit":false}`.
//! `method`/`path` absent match anything; a `path` ending in `*` is a prefix. Each API request
//! (not `/_fake/`) consumes one use of the first matching rule. Without `commit` a failing rule
//! (one with `status`/`body`/`headers`, `reset` or `truncate`) skips the real operation and answers
//! `status` (default 500) with `body` (default `{"message":"Injected failure"}`); with `commit` the
//! operation runs first ("the server did it but the client never heard"), and without `status` the
//! real response is the one that gets truncated. `reset` is a real TCP reset on Linux: the server
//! only `peek`s the request's last byte (without `commit` it does not read the body at all), so
//! closing the socket with unread bytes makes the kernel send RST instead of FIN. `truncate`
//! announces the full `Content-Length`, sends half the body and closes. `delay_ms` sleeps before
//! handling and combines with the other effects. Rules with unknown fields are rejected (400).
//!
//! `shape` answers every refusal of the matched requests (real or injected; successes are left
//! alone) in one of TD's published error shapes (spec §9.3) instead of `{"message": …}`:
//! `"code_message"` → `{"code","message"}` (the first reason); `"status_error"` →
//! `{"status","error","details"}` (the first reason); `"json_api"` → `{"errors": [{"code",
//! "status","detail","source":{"pointer"},"meta":{"validationCode"}}]}`, one error per reason
//! (every missing catalog column), with a JSON Pointer into the sent body (`/attributes/0/column`)
//! and `CANNOT_BE_BLANK`, `INVALID_FORMAT_OR_ASSOCIATION` or `VIOLATES_UNIQUENESS_CONSTRAINT`.
//! The `code` values (`BAD_REQUEST`, `FORBIDDEN`, …) are the fake's own: TD publishes the shapes,
//! not the codes. A rule with only `shape` lets the real operation run.
//!
//! # Control API (no auth)
//!
//! `POST`/`DELETE /_fake/faults`, `GET /_fake/state` (`{"segments","requests","faults_left"}`,
//! `faults_left` = remaining uses over all rules), `POST /_fake/reset` (segments, faults,
//! requests, catalog and id counters; keys and configs stay), `POST /_fake/segments` (seed one
//! segment without validation), `POST`/`DELETE /_fake/catalog` (`{"<table>":["col", ...]}`).

use serde_json::{json, Map, Value};
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// The default full-permission key.
pub const VALID_KEY: &str = "1/fake-secret";
/// The default read-only key: reads work, writes get 403.
pub const READ_ONLY_KEY: &str = "2/read-only";

const MAX_HEAD: usize = 16 * 1024;
const MAX_BODY: usize = 32 * 1024 * 1024;
const IO_TIMEOUT: Duration = Duration::from_secs(10);
const MAX_LOG: usize = 10_000;
const TYPES: [&str; 7] = [
    "string",
    "number",
    "timestamp",
    "date",
    "string_array",
    "number_array",
    "boolean",
];

/// What a configured API key may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Full,
    ReadOnly,
}

/// Server settings; `Default` gives port 0, [`VALID_KEY`] + [`READ_ONLY_KEY`] and two Snowflake
/// configs (ids 167 and 168).
#[derive(Clone, Debug)]
pub struct Options {
    pub port: u16,
    pub keys: Vec<(String, Access)>,
    /// The `GET /v4/federated_query_configs` answer.
    pub configs: Vec<Value>,
}

impl Default for Options {
    fn default() -> Self {
        let config = |id: u64, name: &str, connection_id: u64| {
            json!({"id": id, "type": "snowflake", "user_id": 1, "account_id": 1, "name": name,
                "connection_id": connection_id, "created_at": "2024-01-01T00:00:00Z",
                "updated_at": "2024-01-01T00:00:00Z",
                "settings": {"account_name": "myorg-acct", "database": "ANALYTICS", "user": "TD_USER",
                    "warehouse": "WH", "role": "TD_ROLE", "private_key": "***"}})
        };
        Options {
            port: 0,
            keys: vec![
                (VALID_KEY.into(), Access::Full),
                (READ_ONLY_KEY.into(), Access::ReadOnly),
            ],
            configs: vec![
                config(167, "snowflake_conn", 42),
                config(168, "snowflake_conn_new", 43),
            ],
        }
    }
}

/// A running fake; dropping it stops accepting connections.
pub struct FakeTd {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl FakeTd {
    /// Starts on 127.0.0.1 with a free port and the default options. Panics if it cannot bind.
    pub fn start() -> FakeTd {
        Self::start_with(Options::default()).expect("td-fake: cannot bind 127.0.0.1")
    }

    /// Binds 127.0.0.1:`options.port` and spawns the accept thread.
    pub fn start_with(options: Options) -> io::Result<FakeTd> {
        let listener = TcpListener::bind(("127.0.0.1", options.port))?;
        let addr = listener.local_addr()?;
        let state = Arc::new(Mutex::new(State::new(options.keys, options.configs)));
        let stop = Arc::new(AtomicBool::new(false));
        let (st, flag) = (Arc::clone(&state), Arc::clone(&stop));
        let accept = thread::Builder::new()
            .name("td-fake-accept".into())
            .spawn(move || {
                for conn in listener.incoming() {
                    if flag.load(Ordering::SeqCst) {
                        break;
                    }
                    match conn {
                        Ok(stream) => {
                            let st = Arc::clone(&st);
                            // A failed spawn drops the stream: that client sees a closed connection.
                            let _ = thread::Builder::new()
                                .name("td-fake-conn".into())
                                .spawn(move || serve(stream, &st));
                        }
                        // E.g. out of file descriptors: back off instead of spinning.
                        Err(_) => thread::sleep(Duration::from_millis(10)),
                    }
                }
            })?;
        Ok(FakeTd {
            addr,
            state,
            stop,
            accept: Some(accept),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Appends fault rules (an array, or one rule object). Panics on an invalid rule: a test bug.
    pub fn push_faults(&self, rules: Value) {
        let mut faults = parse_faults(&rules).unwrap_or_else(|e| panic!("td-fake: {e}"));
        lock(&self.state).faults.append(&mut faults);
    }

    /// The stored segments, in creation order.
    pub fn segments(&self) -> Vec<Value> {
        lock(&self.state).segments.clone()
    }

    /// Stores a segment without validation (ids and timestamps assigned as for a create).
    /// Panics if it is not an object with a non-empty `name`.
    pub fn seed(&self, segment: Value) -> Value {
        lock(&self.state)
            .seed(segment)
            .unwrap_or_else(|e| panic!("td-fake: {e}"))
    }

    /// Sets the column catalog (`{"<table>": ["col", ...]}`); `null` clears it. Panics if invalid.
    pub fn set_catalog(&self, catalog: Value) {
        lock(&self.state)
            .set_catalog(catalog)
            .unwrap_or_else(|e| panic!("td-fake: {e}"));
    }

    /// The request log: `{"method","path","auth","status"}` per API request.
    pub fn requests(&self) -> Vec<Value> {
        lock(&self.state).requests.clone()
    }
}

impl Drop for FakeTd {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // `accept` blocks; one throwaway connection wakes it up to see the flag.
        if TcpStream::connect_timeout(&self.addr, Duration::from_secs(1)).is_ok() {
            if let Some(accept) = self.accept.take() {
                let _ = accept.join();
            }
        }
    }
}

// A panicking connection thread must not take the whole fake down with a poisoned lock.
fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

// ---------------------------------------------------------------------------------------------
// State and handlers

struct State {
    keys: Vec<(String, Access)>,
    configs: Vec<Value>,
    segments: Vec<Value>,
    faults: Vec<Fault>,
    requests: Vec<Value>,
    catalog: Option<Map<String, Value>>,
    last_segment_id: u64,
    last_item_id: u64,
    clock: u64,
}

impl State {
    fn new(keys: Vec<(String, Access)>, configs: Vec<Value>) -> State {
        let mut st = State {
            keys,
            configs,
            segments: vec![],
            faults: vec![],
            requests: vec![],
            catalog: None,
            last_segment_id: 0,
            last_item_id: 0,
            clock: 0,
        };
        st.reset();
        st
    }

    fn reset(&mut self) {
        self.segments.clear();
        self.faults.clear();
        self.requests.clear();
        self.catalog = None;
        (self.last_segment_id, self.last_item_id, self.clock) = (1000, 5000, 0);
    }

    fn faults_left(&self) -> u64 {
        self.faults.iter().map(|f| f.times).sum()
    }

    fn auth(&self, head: &Head) -> (&'static str, Option<Access>) {
        let values: Vec<&str> = head.header_values("authorization").collect();
        match values.as_slice() {
            [] => ("missing", None),
            [value] => {
                let key = value.strip_prefix("TD1 ").map(str::trim);
                match self.keys.iter().find(|(k, _)| Some(k.as_str()) == key) {
                    Some((_, access)) => ("valid", Some(*access)),
                    None => ("invalid", None),
                }
            }
            _ => ("invalid", None),
        }
    }

    fn api(&mut self, method: &str, path: &str, access: Option<Access>, body: &[u8]) -> Response {
        let Some(access) = access else {
            let body =
                json!({"error": "Unauthorized", "message": "Invalid API key", "severity": "error"});
            return Response::json(401, &body).about(Refusal::new("Invalid API key"));
        };
        let id = path
            .strip_prefix("/composable_audiences/")
            .filter(|id| !id.is_empty() && !id.contains('/'));
        let allowed: &[&str] = match (path, id) {
            ("/composable_audiences", _) => &["GET", "POST"],
            ("/v4/federated_query_configs", _) => &["GET"],
            (_, Some(_)) => &["GET", "PUT"],
            _ => return not_found(),
        };
        if !allowed.contains(&method) {
            return method_not_allowed(allowed);
        }
        if method != "GET" && access == Access::ReadOnly {
            let body = json!({"error": "Forbidden", "message": "The API key lacks permission for this operation"});
            return Response::json(403, &body);
        }
        match (method, id) {
            ("GET", None) if path == "/v4/federated_query_configs" => {
                Response::json(200, &Value::from(self.configs.clone()))
            }
            ("GET", None) => {
                let summary = |s: &Value| {
                    let keys = ["id", "name", "description", "createdAt", "updatedAt"];
                    Value::Object(
                        keys.iter()
                            .map(|k| (k.to_string(), s[*k].clone()))
                            .collect(),
                    )
                };
                Response::json(200, &self.segments.iter().map(summary).collect::<Value>())
            }
            ("POST", None) => match self.check(body, None) {
                Ok(segment) => {
                    let stored = self.stamp(segment, None);
                    self.segments.push(stored.clone());
                    Response::json(200, &stored)
                }
                Err(r) => r,
            },
            (_, Some(id)) => {
                let Some(i) = self.segments.iter().position(|s| s["id"] == id) else {
                    return not_found();
                };
                if method == "GET" {
                    return Response::json(200, &self.segments[i]);
                }
                match self.check(body, Some(id)) {
                    Ok(segment) => {
                        let created = self.segments[i]["createdAt"].clone();
                        let stored = self.stamp(segment, Some((id.to_string(), created)));
                        self.segments[i] = stored.clone();
                        Response::json(200, &stored)
                    }
                    Err(r) => r,
                }
            }
            _ => method_not_allowed(allowed),
        }
    }

    /// Parses and validates a create/update body; `except` is the id being updated.
    fn check(&self, body: &[u8], except: Option<&str>) -> Result<Map<String, Value>, Response> {
        let Ok(Value::Object(segment)) = serde_json::from_slice::<Value>(body) else {
            return Err(Response::message(400, "Invalid JSON"));
        };
        validate(&segment).map_err(|r| Response::refused(400, vec![r]))?;
        if let Some(catalog) = &self.catalog {
            let missing = check_columns(&segment, catalog);
            if !missing.is_empty() {
                return Err(Response::refused(400, missing));
            }
        }
        let taken = self
            .segments
            .iter()
            .any(|s| s.get("name") == segment.get("name") && s["id"].as_str() != except);
        if taken {
            let r = Refusal::at("name", "Name has already been taken", UNIQUE);
            return Err(Response::refused(400, vec![r]));
        }
        Ok(segment)
    }

    /// Assigns server ids and timestamps; `keep` = (id, createdAt) of the segment being replaced.
    fn stamp(&mut self, mut segment: Map<String, Value>, keep: Option<(String, Value)>) -> Value {
        self.clock += 1;
        let now = Value::from(timestamp(self.clock));
        for key in ["attributes", "behaviors"] {
            let Some(Value::Array(items)) = segment.get_mut(key) else {
                continue;
            };
            for item in items {
                if let Value::Object(fields) = item {
                    self.last_item_id += 1;
                    let fields = std::mem::take(fields);
                    *item = with_meta(
                        fields,
                        self.last_item_id.to_string(),
                        now.clone(),
                        now.clone(),
                    );
                }
            }
        }
        let (id, created) = keep.unwrap_or_else(|| {
            self.last_segment_id += 1;
            (self.last_segment_id.to_string(), now.clone())
        });
        with_meta(segment, id, created, now)
    }

    fn seed(&mut self, segment: Value) -> Result<Value, String> {
        match segment {
            Value::Object(s)
                if s.get("name")
                    .and_then(Value::as_str)
                    .is_some_and(|n| !n.is_empty()) =>
            {
                let stored = self.stamp(s, None);
                self.segments.push(stored.clone());
                Ok(stored)
            }
            _ => Err("a seeded segment needs a non-empty name".into()),
        }
    }

    fn set_catalog(&mut self, catalog: Value) -> Result<(), String> {
        let valid = |cols: &Value| {
            cols.as_array()
                .is_some_and(|c| c.iter().all(Value::is_string))
        };
        match catalog {
            Value::Null => self.catalog = None,
            Value::Object(tables) if tables.values().all(valid) => self.catalog = Some(tables),
            _ => return Err("the catalog maps table names to arrays of column names".into()),
        }
        Ok(())
    }

    fn control(&mut self, method: &str, path: &str, body: &[u8]) -> Response {
        let allowed: &[&str] = match path {
            "/_fake/faults" | "/_fake/catalog" => &["POST", "DELETE"],
            "/_fake/state" => &["GET"],
            "/_fake/reset" | "/_fake/segments" => &["POST"],
            _ => return not_found(),
        };
        if !allowed.contains(&method) {
            return method_not_allowed(allowed);
        }
        let parsed =
            || serde_json::from_slice::<Value>(body).map_err(|_| "Invalid JSON".to_string());
        let done = match (method, path) {
            ("POST", "/_fake/faults") => parsed()
                .and_then(|v| parse_faults(&v))
                .map(|mut f| self.faults.append(&mut f)),
            ("DELETE", "/_fake/faults") => {
                self.faults.clear();
                Ok(())
            }
            ("GET", _) => {
                let state = json!({"segments": self.segments, "requests": self.requests, "faults_left": self.faults_left()});
                return Response::json(200, &state);
            }
            ("POST", "/_fake/reset") => {
                self.reset();
                Ok(())
            }
            ("POST", "/_fake/segments") => match parsed().and_then(|v| self.seed(v)) {
                Ok(stored) => return Response::json(200, &stored),
                Err(e) => Err(e),
            },
            ("POST", _) => parsed().and_then(|v| self.set_catalog(v)),
            _ => {
                self.catalog = None;
                Ok(())
            }
        };
        match done {
            Ok(()) => Response::json(200, &json!({"ok": true, "faults_left": self.faults_left()})),
            Err(e) => Response::message(400, &e),
        }
    }

    fn log(&mut self, head: &Head, auth: &str, status: Option<u16>) {
        if self.requests.len() >= MAX_LOG {
            self.requests.remove(0);
        }
        let entry =
            json!({"method": head.method, "path": head.path, "auth": auth, "status": status});
        self.requests.push(entry);
    }
}

/// `id` first, the request's fields, then the timestamps (client-sent values are replaced).
fn with_meta(fields: Map<String, Value>, id: String, created: Value, updated: Value) -> Value {
    let mut out = Map::new();
    out.insert("id".into(), id.into());
    let meta = ["id", "createdAt", "updatedAt"];
    out.extend(
        fields
            .into_iter()
            .filter(|(k, _)| !meta.contains(&k.as_str())),
    );
    out.insert("createdAt".into(), created);
    out.insert("updatedAt".into(), updated);
    out.into()
}

/// 2024-01-01T00:00:00Z plus `tick` seconds: deterministic and increasing.
fn timestamp(tick: u64) -> String {
    let secs = 1_704_067_200 + tick;
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Howard Hinnant's civil_from_days, for days >= 0.
    let z = days + 719_468;
    let (era, doe) = (z / 146_097, z % 146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

// ---------------------------------------------------------------------------------------------
// Validation

type Obj = Map<String, Value>;

/// TD's `validationCode`s (spec §9.3) the fake's refusals carry in the JSON:API shape.
const BLANK: &str = "CANNOT_BE_BLANK";
const INVALID: &str = "INVALID_FORMAT_OR_ASSOCIATION";
const UNIQUE: &str = "VIOLATES_UNIQUENESS_CONSTRAINT";

/// One reason a request is refused: TD's words, and where in the body they apply (a field path
/// such as `attributes[0].type`; empty for the whole request).
#[derive(Clone, Debug, Default, PartialEq)]
struct Refusal {
    path: String,
    message: String,
    validation_code: Option<&'static str>,
}

impl Refusal {
    fn new(message: &str) -> Refusal {
        Refusal {
            message: message.into(),
            ..Refusal::default()
        }
    }

    fn at(path: &str, message: &str, code: &'static str) -> Refusal {
        Refusal {
            path: path.into(),
            message: message.into(),
            validation_code: Some(code),
        }
    }

    /// `attributes[0].type` → `/attributes/0/type`: a JSON Pointer into the body that was sent.
    fn pointer(&self) -> Option<String> {
        (!self.path.is_empty()).then(|| {
            let p = self.path.replace('[', ".").replace(']', "");
            format!("/{}", p.split('.').collect::<Vec<_>>().join("/"))
        })
    }
}

/// The validators' messages name the path they are about (`<path> is required`).
impl From<String> for Refusal {
    fn from(message: String) -> Refusal {
        match message.strip_suffix(" is required") {
            Some(path) if !path.contains(' ') => Refusal::at(path, &message, BLANK),
            _ => Refusal::new(&message),
        }
    }
}

fn at(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn required(path: String) -> String {
    format!("{path} is required")
}

/// A string field; `non_empty` for the ones that name something.
fn string(o: &Obj, path: &str, key: &str, non_empty: bool) -> Result<(), String> {
    match o.get(key).and_then(Value::as_str) {
        Some(s) if !(non_empty && s.is_empty()) => Ok(()),
        _ => Err(required(at(path, key))),
    }
}

fn object(v: Option<&Value>, path: String) -> Result<&Obj, String> {
    v.and_then(Value::as_object).ok_or_else(|| required(path))
}

fn array(v: Option<&Value>, path: String, non_empty: bool) -> Result<&[Value], String> {
    match v.and_then(Value::as_array) {
        Some(a) if !(non_empty && a.is_empty()) => Ok(a),
        _ => Err(required(path)),
    }
}

fn texts(o: &Obj, path: &str, keys: &[&str]) -> Result<(), String> {
    keys.iter().try_for_each(|k| string(o, path, k, true))
}

/// `type` is optional in TD's published schema (S31: "auto-filled from the CDW column's native
/// type"); when present it must be one of `ColumnType`'s values.
fn known_type(o: &Obj) -> Result<(), String> {
    if o.get("type").is_none_or(Value::is_null) {
        return Ok(());
    }
    match o.get("type").and_then(Value::as_str) {
        Some(t) if TYPES.contains(&t) => Ok(()),
        t => Err(format!(
            "Type is not included in the list: '{}'",
            t.unwrap_or_default()
        )),
    }
}

/// A type outside the list, refused at its path.
fn type_at(path: &str) -> impl Fn(String) -> Refusal + '_ {
    move |m| Refusal::at(&format!("{path}.type"), &m, INVALID)
}

fn validate(s: &Obj) -> Result<(), Refusal> {
    string(s, "", "name", true)?;
    // S31: `description` may be absent or null; when given it is a string.
    if s.get("description").is_some_and(|d| !d.is_null()) {
        string(s, "", "description", false)?;
    }
    string(s, "", "timezone", false)?;
    match s.get("kind").and_then(Value::as_str) {
        Some("composable") => {}
        Some(other) => return Err(format!("kind is not included in the list: {other}").into()),
        None => return Err(required("kind".into()).into()),
    }
    match s.get("isComposable") {
        Some(Value::Bool(true)) => {}
        Some(Value::Bool(false)) => return Err(String::from("isComposable must be true").into()),
        _ => return Err(required("isComposable".into()).into()),
    }
    let master = object(s.get("master"), "master".into())?;
    // S31 requires the master's schema and table; cps always sends `name` and `keyColumn` too.
    texts(master, "master", &["name", "schema", "table"])?;
    for (i, a) in array(s.get("attributes"), "attributes".into(), true)?
        .iter()
        .enumerate()
    {
        let path = format!("attributes[{i}]");
        let a = object(Some(a), path.clone())?;
        texts(a, &path, &["name", "table", "column"])?;
        known_type(a).map_err(type_at(&path))?;
    }
    for (i, b) in array(s.get("behaviors"), "behaviors".into(), false)?
        .iter()
        .enumerate()
    {
        let path = format!("behaviors[{i}]");
        let b = object(Some(b), path.clone())?;
        texts(
            b,
            &path,
            // `timeColumn` is optional in S31's ComposableAudienceBehavior.
            &["name", "table", "tableKey", "masterKey"],
        )?;
        for (j, m) in array(b.get("columnMapping"), at(&path, "columnMapping"), true)?
            .iter()
            .enumerate()
        {
            let path = format!("{path}.columnMapping[{j}]");
            let m = object(Some(m), path.clone())?;
            texts(m, &path, &["name", "cdwColumn"])?;
            known_type(m).map_err(type_at(&path))?;
        }
    }
    Ok(())
}

/// Every referenced column must be in the catalog's list for its table (exact comparison); one
/// refusal per column that is not.
fn check_columns(s: &Obj, catalog: &Obj) -> Vec<Refusal> {
    // `validate` ran first, so every field read here exists.
    let text = |v: &Value, k: &str| v[k].as_str().unwrap_or_default().to_string();
    let items = |v: Option<&Value>| v.and_then(Value::as_array).cloned().unwrap_or_default();
    let master = s.get("master").cloned().unwrap_or_default();
    // (table, column, path of the column's value)
    let mut refs = vec![(
        text(&master, "table"),
        text(&master, "keyColumn"),
        "master.keyColumn".to_string(),
    )];
    for (i, a) in items(s.get("attributes")).iter().enumerate() {
        refs.push((
            text(a, "table"),
            text(a, "column"),
            format!("attributes[{i}].column"),
        ));
    }
    for (i, b) in items(s.get("behaviors")).iter().enumerate() {
        let table = text(b, "table");
        for key in ["timeColumn", "tableKey"] {
            refs.push((table.clone(), text(b, key), format!("behaviors[{i}].{key}")));
        }
        for (j, m) in items(b.get("columnMapping")).iter().enumerate() {
            let path = format!("behaviors[{i}].columnMapping[{j}].cdwColumn");
            refs.push((table.clone(), text(m, "cdwColumn"), path));
        }
    }
    let mut missing = Vec::new();
    for (table, column, path) in refs {
        // Optional fields that were left out (`keyColumn`, `timeColumn`) name no column.
        if column.is_empty() {
            continue;
        }
        let columns: Vec<&str> = catalog
            .get(&table)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        if !columns.contains(&column.as_str()) {
            let message = format!(
                "Column not found: '{column}', Available columns: {}",
                columns.join(", ")
            );
            missing.push(Refusal::at(&path, &message, INVALID));
        }
    }
    missing
}

// ---------------------------------------------------------------------------------------------
// Faults

#[derive(Clone, Debug, Default)]
struct Fault {
    method: Option<String>,
    path: Option<String>,
    times: u64,
    delay_ms: u64,
    /// The injected answer, when the rule has `status`, `body` or `headers`.
    respond: Option<Response>,
    reset: bool,
    truncate: bool,
    commit: bool,
    /// Answer refusals in this shape instead of `{"message": …}`.
    shape: Option<ErrorShape>,
}

/// TD's error shapes (spec §9.3), chosen per fault rule with `"shape"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ErrorShape {
    /// `"code_message"`: `{"code", "message"}`.
    CodeMessage,
    /// `"status_error"`: `{"status", "error", "details"}`.
    StatusError,
    /// `"json_api"`: `{"errors": [{"code", "status", "detail", "source": {"pointer"}, "meta":
    /// {"validationCode"}}]}`, one error per reason.
    JsonApi,
}

impl ErrorShape {
    fn parse(s: &str) -> Option<ErrorShape> {
        match s {
            "code_message" => Some(ErrorShape::CodeMessage),
            "status_error" => Some(ErrorShape::StatusError),
            "json_api" => Some(ErrorShape::JsonApi),
            _ => None,
        }
    }
}

impl Fault {
    fn matches(&self, method: &str, path: &str) -> bool {
        let path_ok = match self.path.as_deref() {
            None => true,
            Some(p) => p
                .strip_suffix('*')
                .map_or(p == path, |prefix| path.starts_with(prefix)),
        };
        path_ok && self.method.as_deref().is_none_or(|m| m == method)
    }

    fn fails(&self) -> bool {
        self.respond.is_some() || self.reset || self.truncate
    }
}

fn parse_faults(v: &Value) -> Result<Vec<Fault>, String> {
    let rules = match v {
        Value::Array(rules) => rules.as_slice(),
        Value::Object(_) => std::slice::from_ref(v),
        _ => return Err("faults must be an array of rule objects".into()),
    };
    rules
        .iter()
        .enumerate()
        .map(|(i, r)| parse_fault(r).map_err(|e| format!("faults[{i}]: {e}")))
        .collect()
}

fn parse_fault(rule: &Value) -> Result<Fault, String> {
    const FIELDS: [&str; 11] = [
        "method", "path", "times", "delay_ms", "status", "body", "headers", "reset", "truncate",
        "commit", "shape",
    ];
    let r = rule.as_object().ok_or("a rule must be an object")?;
    if let Some(k) = r.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(format!("unknown field {k}"));
    }
    let get = |k: &str| r.get(k).filter(|v| !v.is_null());
    let text = |k: &str| {
        get(k)
            .map(|v| {
                v.as_str()
                    .map(String::from)
                    .ok_or(format!("{k} must be a string"))
            })
            .transpose()
    };
    let num = |k: &str| {
        get(k)
            .map(|v| {
                v.as_u64()
                    .ok_or(format!("{k} must be a non-negative integer"))
            })
            .transpose()
    };
    let flag = |k: &str| {
        get(k).map_or(Ok(false), |v| {
            v.as_bool().ok_or(format!("{k} must be a boolean"))
        })
    };

    let times = num("times")?.unwrap_or(1);
    if times == 0 {
        return Err("times must be at least 1".into());
    }
    let status = match num("status")? {
        Some(s) if (200..=599).contains(&s) => Some(s as u16),
        Some(s) => return Err(format!("status {s} is not in 200..=599")),
        None => None,
    };
    let body = get("body").map(|b| b.as_str().map_or_else(|| b.to_string(), String::from));
    let mut headers = vec![];
    for (name, value) in get("headers")
        .map(|h| h.as_object().ok_or("headers must be an object"))
        .transpose()?
        .into_iter()
        .flatten()
    {
        let value = value
            .as_str()
            .filter(|v| !v.contains(['\r', '\n']))
            .ok_or(format!("header {name} must be a one-line string"))?;
        // The fake owns framing: these would break the response or the connection handling.
        let framing = ["content-length", "connection", "transfer-encoding"]
            .contains(&name.to_ascii_lowercase().as_str());
        if !is_token(name) || framing {
            return Err(format!("header {name} cannot be injected"));
        }
        headers.push((name.clone(), value.to_string()));
    }
    let respond = (status.is_some() || body.is_some() || !headers.is_empty()).then(|| {
        if !headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("content-type"))
        {
            headers.push(("Content-Type".into(), "application/json".into()));
        }
        let body = body
            .unwrap_or_else(|| r#"{"message":"Injected failure"}"#.into())
            .into_bytes();
        Response {
            status: status.unwrap_or(500),
            headers,
            body,
            refusals: Vec::new(),
        }
    });
    let fault = Fault {
        method: text("method")?.map(|m| m.to_ascii_uppercase()),
        path: text("path")?,
        times,
        delay_ms: num("delay_ms")?.unwrap_or(0),
        respond,
        reset: flag("reset")?,
        truncate: flag("truncate")?,
        commit: flag("commit")?,
        shape: text("shape")?
            .map(|s| {
                ErrorShape::parse(&s).ok_or(format!(
                    "shape {s} is not code_message, status_error or json_api"
                ))
            })
            .transpose()?,
    };
    if fault.reset && fault.truncate {
        return Err("reset and truncate exclude each other".into());
    }
    if !fault.fails() && fault.delay_ms == 0 && fault.shape.is_none() {
        return Err(
            "a rule needs an effect: status, body, headers, reset, truncate, delay_ms or shape"
                .into(),
        );
    }
    Ok(fault)
}

// ---------------------------------------------------------------------------------------------
// HTTP

#[derive(Clone, Debug)]
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// Why a request was refused, for answering in another error shape ([`ErrorShape`]).
    refusals: Vec<Refusal>,
}

impl Response {
    fn json(status: u16, v: &Value) -> Response {
        let headers = vec![("Content-Type".into(), "application/json".into())];
        Response {
            status,
            headers,
            body: v.to_string().into_bytes(),
            refusals: Vec::new(),
        }
    }

    fn message(status: u16, message: &str) -> Response {
        Response::json(status, &json!({ "message": message })).about(Refusal::new(message))
    }

    /// A refusal in the default shape: `{"message": <the first reason>}`, the other reasons
    /// kept for the JSON:API shape.
    fn refused(status: u16, refusals: Vec<Refusal>) -> Response {
        let first = refusals.first().map_or("", |r| r.message.as_str());
        let mut r = Response::json(status, &json!({ "message": first }));
        r.refusals = refusals;
        r
    }

    fn about(mut self, refusal: Refusal) -> Response {
        self.refusals = vec![refusal];
        self
    }

    /// The same refusal in one of TD's error shapes (spec §9.3). The code names are the fake's
    /// assumption (TD publishes the shapes, not the codes); a JSON:API error per reason, with a
    /// pointer and `validationCode` when the reason has them.
    fn reshaped(mut self, shape: ErrorShape) -> Response {
        if self.status < 400 {
            return self;
        }
        let mut refusals = std::mem::take(&mut self.refusals);
        if refusals.is_empty() {
            // An injected body: its `message`, or the text itself.
            let text = String::from_utf8_lossy(&self.body).into_owned();
            let message = serde_json::from_str::<Value>(&text)
                .ok()
                .and_then(|v| v.get("message").and_then(Value::as_str).map(String::from))
                .unwrap_or(text);
            refusals.push(Refusal::new(&message));
        }
        let status = self.status;
        let code = code_of(status);
        let body = match shape {
            ErrorShape::CodeMessage => json!({"code": code, "message": refusals[0].message}),
            ErrorShape::StatusError => {
                json!({"status": status, "error": reason(status), "details": refusals[0].message})
            }
            ErrorShape::JsonApi => {
                let errors: Vec<Value> = refusals
                    .iter()
                    .map(|r| {
                        let mut e = json!({"code": code, "status": status.to_string(), "detail": r.message});
                        if let Some(pointer) = r.pointer() {
                            e["source"] = json!({ "pointer": pointer });
                        }
                        if let Some(v) = r.validation_code {
                            e["meta"] = json!({ "validationCode": v });
                        }
                        e
                    })
                    .collect();
                json!({ "errors": errors })
            }
        };
        self.headers
            .retain(|(n, _)| !n.eq_ignore_ascii_case("content-type"));
        self.headers
            .push(("Content-Type".into(), "application/json".into()));
        self.body = body.to_string().into_bytes();
        self
    }
}

/// The fake's `code` for a status (the REST and JSON:API shapes carry one).
fn code_of(status: u16) -> &'static str {
    match status {
        400 => "BAD_REQUEST",
        401 => "UNAUTHORIZED",
        403 => "FORBIDDEN",
        404 => "NOT_FOUND",
        405 => "METHOD_NOT_ALLOWED",
        409 => "CONFLICT",
        422 => "UNPROCESSABLE_ENTITY",
        s if s >= 500 => "INTERNAL_ERROR",
        _ => "ERROR",
    }
}

fn not_found() -> Response {
    Response::message(404, "Not found")
}

fn method_not_allowed(allowed: &[&str]) -> Response {
    let mut r = Response::message(405, "Method not allowed");
    r.headers.push(("Allow".into(), allowed.join(", ")));
    r
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        413 => "Content Too Large",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

struct Head {
    method: String,
    /// Without the query string.
    path: String,
    /// Lower-case names, trimmed values.
    headers: Vec<(String, String)>,
    content_length: usize,
}

impl Head {
    fn header_values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// How a connection ends.
enum Outcome {
    Send(Response, bool),
    /// Close with request bytes still unread, which makes the kernel send RST.
    Reset,
    /// Close quietly (timeout, client gone).
    Close,
}

fn bad_request(message: &str) -> Outcome {
    Outcome::Send(Response::message(400, message), false)
}

fn serve(mut stream: TcpStream, state: &Mutex<State>) {
    let _ = stream.set_read_timeout(Some(IO_TIMEOUT));
    let _ = stream.set_write_timeout(Some(IO_TIMEOUT));
    let (response, truncate) = match handle(&mut stream, state) {
        Outcome::Send(response, truncate) => (response, truncate),
        Outcome::Reset | Outcome::Close => return,
    };
    let len = response.body.len();
    // Truncation announces at least one byte more than it sends, even for an empty body.
    let (announced, sent) = if truncate {
        (len.max(1), &response.body[..len / 2])
    } else {
        (len, &response.body[..])
    };
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        response.status,
        reason(response.status)
    );
    for (name, value) in &response.headers {
        head += &format!("{name}: {value}\r\n");
    }
    head += &format!("Content-Length: {announced}\r\nConnection: close\r\n\r\n");
    if stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(sent))
        .is_err()
    {
        return;
    }
    // Lingering close: send FIN, then drain what the client may still send (e.g. the rest of an
    // oversized request) so that closing does not turn into an RST that discards our answer.
    let _ = stream.shutdown(Shutdown::Write);
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    let mut scratch = [0u8; 8192];
    let mut drained = 0;
    while drained < 1 << 20 {
        match stream.read(&mut scratch) {
            Ok(0) | Err(_) => break,
            Ok(n) => drained += n,
        }
    }
}

fn handle(stream: &mut TcpStream, state: &Mutex<State>) -> Outcome {
    // `unread`: bytes of this request seen with `peek` but still in the kernel buffer.
    let (head, mut unread) = match read_head(stream) {
        Ok(x) => x,
        Err(outcome) => return outcome,
    };
    let head = match parse_head(&head) {
        Ok(head) => head,
        Err(outcome) => return outcome,
    };
    if head.path.starts_with("/_fake/") {
        return match read_body(stream, &head, &mut unread) {
            Ok(body) => finish(
                stream,
                unread,
                lock(state).control(&head.method, &head.path, &body),
                false,
            ),
            Err(outcome) => outcome,
        };
    }
    let (fault, auth, access) = {
        let mut st = lock(state);
        let fault = st
            .faults
            .iter()
            .position(|f| f.matches(&head.method, &head.path))
            .map(|i| {
                st.faults[i].times -= 1;
                let fault = st.faults[i].clone();
                if st.faults[i].times == 0 {
                    st.faults.remove(i);
                }
                fault
            });
        let (auth, access) = st.auth(&head);
        (fault.unwrap_or_default(), auth, access)
    };
    if fault.delay_ms > 0 {
        thread::sleep(Duration::from_millis(fault.delay_ms));
    }
    if fault.reset && !fault.commit {
        // Before reading the body: at least the head's last byte is still unread.
        lock(state).log(&head, auth, None);
        return Outcome::Reset;
    }
    let body = match read_body(stream, &head, &mut unread) {
        Ok(body) => body,
        Err(outcome) => return outcome,
    };
    let response = {
        let mut st = lock(state);
        let real = (!fault.fails() || fault.commit)
            .then(|| st.api(&head.method, &head.path, access, &body));
        let response = fault
            .respond
            .clone()
            .or(real)
            .unwrap_or_else(|| Response::message(500, "Injected failure"));
        let response = match fault.shape {
            Some(shape) => response.reshaped(shape),
            None => response,
        };
        st.log(&head, auth, (!fault.reset).then_some(response.status));
        response
    };
    if fault.reset {
        return Outcome::Reset; // read_body left the request's last byte unread
    }
    finish(stream, unread, response, fault.truncate)
}

/// Reads the rest of the request so that the answer goes out on a clean connection.
fn finish(stream: &mut TcpStream, unread: usize, response: Response, truncate: bool) -> Outcome {
    match discard(stream, unread) {
        Ok(()) => Outcome::Send(response, truncate),
        Err(_) => Outcome::Close,
    }
}

fn discard(stream: &mut TcpStream, n: usize) -> io::Result<()> {
    io::copy(&mut Read::take(&mut *stream, n as u64), &mut io::sink()).map(drop)
}

/// The head (through the blank line) and how many of its bytes are only peeked (at least 1).
fn read_head(stream: &mut TcpStream) -> Result<(Vec<u8>, usize), Outcome> {
    let too_large = || {
        Outcome::Send(
            Response::message(431, "Request header fields too large"),
            false,
        )
    };
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = stream.peek(&mut buf).map_err(|_| Outcome::Close)?;
        if n == 0 {
            return Err(if head.is_empty() {
                Outcome::Close
            } else {
                bad_request("Incomplete request")
            });
        }
        let (consumed, from) = (head.len(), head.len().saturating_sub(3));
        head.extend_from_slice(&buf[..n]);
        if let Some(pos) = head[from..].windows(4).position(|w| w == b"\r\n\r\n") {
            let end = from + pos + 4;
            if end > MAX_HEAD {
                return Err(too_large());
            }
            head.truncate(end);
            return Ok((head, end - consumed));
        }
        if head.len() > MAX_HEAD {
            return Err(too_large());
        }
        // Peeked bytes are in the kernel buffer, so this read does not block.
        stream
            .read_exact(&mut buf[..n])
            .map_err(|_| Outcome::Close)?;
    }
}

fn parse_head(bytes: &[u8]) -> Result<Head, Outcome> {
    let malformed = || bad_request("Malformed request");
    let text = std::str::from_utf8(bytes).map_err(|_| malformed())?;
    let mut lines = text.trim_end_matches("\r\n").split("\r\n");
    let parts: Vec<&str> = lines.next().unwrap_or_default().split(' ').collect();
    let &[method, target, version] = parts.as_slice() else {
        return Err(malformed());
    };
    let target_ok = target.starts_with('/') && target.bytes().all(|b| b.is_ascii_graphic());
    if !is_token(method) || !target_ok || !matches!(version, "HTTP/1.1" | "HTTP/1.0") {
        return Err(malformed());
    }
    let mut headers = vec![];
    for line in lines {
        let (name, value) = line.split_once(':').ok_or_else(malformed)?;
        // A token name also rules out obsolete line folding (a leading space).
        if !is_token(name) || value.contains(['\r', '\n']) {
            return Err(malformed());
        }
        headers.push((
            name.to_ascii_lowercase(),
            value.trim_matches([' ', '\t']).to_string(),
        ));
    }
    let mut head = Head {
        method: method.to_string(),
        path: target.split('?').next().unwrap_or_default().to_string(),
        headers,
        content_length: 0,
    };
    if head.header_values("transfer-encoding").next().is_some() {
        return Err(Outcome::Send(
            Response::message(501, "Transfer-Encoding is not supported"),
            false,
        ));
    }
    let lengths: Vec<Option<u64>> = head
        .header_values("content-length")
        .map(|v| {
            v.bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| v.parse().ok())
                .flatten()
        })
        .collect();
    if let Some(&first) = lengths.first() {
        let len = first
            .filter(|_| lengths.iter().all(|l| *l == first))
            .ok_or_else(|| bad_request("Invalid Content-Length"))?;
        if len > MAX_BODY as u64 {
            return Err(Outcome::Send(
                Response::message(413, "Request body too large"),
                false,
            ));
        }
        head.content_length = len as usize;
    }
    Ok(head)
}

/// Reads the body but leaves the request's last byte unread (peeked), so that a `reset` can
/// still make the kernel answer with RST; `unread` becomes 1.
fn read_body(stream: &mut TcpStream, head: &Head, unread: &mut usize) -> Result<Vec<u8>, Outcome> {
    let len = head.content_length;
    if len == 0 {
        discard(stream, *unread - 1).map_err(|_| Outcome::Close)?;
        *unread = 1;
        return Ok(vec![]);
    }
    discard(stream, *unread).map_err(|_| Outcome::Close)?;
    *unread = 0;
    if head
        .header_values("expect")
        .any(|v| v.eq_ignore_ascii_case("100-continue"))
    {
        stream
            .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
            .map_err(|_| Outcome::Close)?;
    }
    let mut body = Vec::new();
    Read::take(&mut *stream, len as u64 - 1)
        .read_to_end(&mut body)
        .map_err(|_| Outcome::Close)?;
    let mut last = [0u8];
    if body.len() + 1 != len || stream.peek(&mut last).map_err(|_| Outcome::Close)? == 0 {
        return Err(bad_request("Incomplete request"));
    }
    body.push(last[0]);
    *unread = 1;
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_iso_dates() {
        assert_eq!(timestamp(0), "2024-01-01T00:00:00Z");
        assert_eq!(timestamp(86_400 * 60 + 3661), "2024-03-01T01:01:01Z"); // 2024 is a leap year
    }

    #[test]
    fn fault_rules_parse() {
        let f =
            &parse_faults(&json!([{"method": "post", "path": "/x*", "delay_ms": 5}])).unwrap()[0];
        assert_eq!((f.delay_ms, f.times, f.fails()), (5, 1, false));
        assert!(f.matches("POST", "/xyz") && !f.matches("GET", "/xyz") && !f.matches("POST", "/y"));
        for bad in [
            json!([{}]),
            json!([{"status": 99}]),
            json!([{"reset": true, "truncate": true}]),
            json!([{"bogus": 1, "status": 500}]),
            json!([{"status": 500, "headers": {"Content-Length": "1"}}]),
            json!(3),
        ] {
            assert!(parse_faults(&bad).is_err(), "{bad}");
        }
    }
}

//! The TD client (`client.rs`) over a scripted transport on virtual time: retries and backoff,
//! `Retry-After`, the deadline, the guarded create (recovery by name after a lost answer, never a
//! blind second POST, exactly one segment), redirects refused. No sockets and no real waiting:
//! `sleep` moves a virtual clock, so each test runs in milliseconds while covering minutes.

use cps_td_api::{
    ApiError, ApiKey, Client, Done, Plan, Request, Response, RetryPolicy, Target, Transport,
    TransportError,
};
use serde_json::{json, Value};
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::task::{Context, Poll, Waker};

const BASE: &str = "https://td.test";

/// What the scripted TD does with a request that a step matches.
#[derive(Clone, Debug)]
enum Act {
    /// TD never acts on it.
    Ignore,
    /// TD carries it out (a create stores the segment) before the answer.
    Perform,
    /// TD carries it out only after answering the next request: a create still committing when
    /// its answer was lost.
    Late,
}

/// What the client gets back.
#[derive(Clone, Debug)]
enum Answer {
    /// The model's own answer.
    Model,
    Status(u16, &'static str),
    RetryAfter(u64),
    Fail(TransportError),
}

struct Step {
    method: &'static str,
    path: &'static str,
    act: Act,
    answer: Answer,
}

fn step(method: &'static str, path: &'static str, act: Act, answer: Answer) -> Step {
    Step {
        method,
        path,
        act,
        answer,
    }
}

/// A fault on a request TD does not act on.
fn fault(method: &'static str, path: &'static str, answer: Answer) -> Step {
    step(method, path, Act::Ignore, answer)
}

/// TD as a small in-memory model (segments by name; the list gives summaries, show the whole
/// segment; a second segment with a taken name is refused as TD does), with scripted faults
/// taken in order by the first request each matches, and a virtual clock.
struct Scripted {
    clock: Cell<u64>,
    /// Virtual time each request takes.
    latency: u64,
    script: RefCell<VecDeque<Step>>,
    segments: RefCell<Vec<Value>>,
    late: RefCell<Option<Request>>,
    next_id: Cell<u64>,
    /// What happened, in order: `GET /composable_audiences → 200`, `sleep 300`.
    log: RefCell<Vec<String>>,
}

impl Scripted {
    fn new(script: Vec<Step>) -> Scripted {
        Scripted {
            clock: Cell::new(0),
            latency: 0,
            script: RefCell::new(script.into()),
            segments: RefCell::new(Vec::new()),
            late: RefCell::new(None),
            next_id: Cell::new(1001),
            log: RefCell::new(Vec::new()),
        }
    }

    fn path(request: &Request) -> &str {
        request
            .url
            .strip_prefix(BASE)
            .expect("a request to the target")
    }

    /// TD's own answer to a request, changing its state.
    fn model(&self, request: &Request) -> Response {
        let path = Self::path(request);
        let ok = |status, v: Value| Response {
            status,
            body: v.to_string(),
            retry_after: None,
        };
        let mut segments = self.segments.borrow_mut();
        let body: Value = request
            .body
            .as_deref()
            .map(|b| serde_json::from_str(b).unwrap())
            .unwrap_or(Value::Null);
        match (request.method.as_str(), path) {
            ("GET", "/composable_audiences") => ok(
                200,
                segments
                    .iter()
                    .map(|s| json!({ "id": s["id"], "name": s["name"] }))
                    .collect(),
            ),
            ("GET", "/v4/federated_query_configs") => ok(
                200,
                json!([{ "id": 167, "name": "sf", "type": "snowflake",
                         "settings": { "database": "DB", "warehouse": "WH" } }]),
            ),
            ("POST", "/composable_audiences") => {
                if segments.iter().any(|s| s["name"] == body["name"]) {
                    return ok(400, json!({ "message": "Name has already been taken" }));
                }
                let mut segment = body;
                let id = self.next_id.get();
                self.next_id.set(id + 1);
                segment["id"] = json!(id.to_string());
                segments.push(segment.clone());
                ok(200, segment)
            }
            (method, p) if p.starts_with("/composable_audiences/") => {
                let id = &p["/composable_audiences/".len()..];
                let Some(i) = segments.iter().position(|s| s["id"] == id) else {
                    return ok(404, json!({ "message": "Not Found" }));
                };
                if method == "PUT" {
                    let mut segment = body;
                    segment["id"] = json!(id);
                    segments[i] = segment;
                }
                ok(200, segments[i].clone())
            }
            _ => ok(404, json!({ "message": "Not Found" })),
        }
    }

    fn segments(&self) -> Vec<Value> {
        self.segments.borrow().clone()
    }

    fn log(&self) -> Vec<String> {
        self.log.borrow().clone()
    }

    fn steps_left(&self) -> usize {
        self.script.borrow().len()
    }
}

impl Transport for Scripted {
    async fn send(&self, request: &Request) -> Result<Response, TransportError> {
        // The key travels with every request, in the request, never in the URL.
        assert!(!request.url.contains("secret"));
        assert_eq!(request.authorization(), "TD1 1/secret");
        self.clock.set(self.clock.get() + self.latency);
        let late = self.late.borrow_mut().take();
        let path = Self::path(request).to_string();
        let method = request.method.as_str();
        let found = {
            let mut script = self.script.borrow_mut();
            let i = script
                .iter()
                .position(|s| s.method == method && s.path == path);
            i.and_then(|i| script.remove(i))
        };
        let (act, answer) = found.map_or((Act::Ignore, Answer::Model), |s| (s.act, s.answer));
        let performed = match act {
            Act::Perform => Some(self.model(request)),
            Act::Late => {
                *self.late.borrow_mut() = Some(request.clone());
                None
            }
            Act::Ignore => None,
        };
        let result = match answer {
            Answer::Model => Ok(performed.unwrap_or_else(|| self.model(request))),
            Answer::Status(status, body) => Ok(Response {
                status,
                body: body.into(),
                retry_after: None,
            }),
            Answer::RetryAfter(s) => Ok(Response {
                status: 429,
                body: String::new(),
                retry_after: Some(s),
            }),
            Answer::Fail(e) => Err(e),
        };
        if let Some(late) = late {
            self.model(&late);
        }
        self.log.borrow_mut().push(format!(
            "{method} {path} → {}",
            match &result {
                Ok(r) => r.status.to_string(),
                Err(TransportError::Timeout) => "timeout".into(),
                Err(TransportError::Network(_)) => "network".into(),
                Err(TransportError::Body(_)) => "cut".into(),
            }
        ));
        result
    }

    async fn sleep(&self, ms: u64) {
        self.log.borrow_mut().push(format!("sleep {ms}"));
        self.clock.set(self.clock.get() + ms);
    }

    fn now_ms(&self) -> u64 {
        self.clock.get()
    }
}

/// Runs a future that never waits (the scripted transport is always ready).
fn run<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("the scripted transport never waits"),
    }
}

fn client(script: Vec<Step>) -> Client<Scripted> {
    Client::new(
        Scripted::new(script),
        Target::Custom(format!("{BASE}/")),
        ApiKey::new("1/secret").unwrap(),
    )
}

fn body(name: &str, attributes: &[&str]) -> Value {
    json!({
        "name": name,
        "description": "d",
        "master": { "parentDatabaseName": "db", "parentTableName": "customers" },
        "attributes": attributes.iter().map(|a| json!({ "name": a, "type": "string" })).collect::<Vec<_>>(),
        "behaviors": [],
    })
}

const LIST: &str = "/composable_audiences";

fn timeout() -> Answer {
    Answer::Fail(TransportError::Timeout)
}

fn reset() -> Answer {
    Answer::Fail(TransportError::Network("connection reset".into()))
}

#[test]
fn safe_calls_retry_transient_failures_with_backoff() {
    let c = client(vec![
        fault("GET", LIST, Answer::Status(503, "<html>busy</html>")),
        fault("GET", LIST, timeout()),
        fault("GET", LIST, reset()),
    ]);
    c.transport
        .segments
        .borrow_mut()
        .push(json!({ "id": "7", "name": "a" }));
    let segments = run(c.list_segments()).unwrap();
    assert_eq!(segments.len(), 1);
    assert_eq!(
        c.transport.log(),
        [
            "GET /composable_audiences → 503",
            "sleep 300",
            "GET /composable_audiences → timeout",
            "sleep 600",
            "GET /composable_audiences → network",
            "sleep 1200",
            "GET /composable_audiences → 200",
        ]
    );
    assert_eq!(c.transport.now_ms(), 2100);
    let notes = c.take_notes();
    assert_eq!(notes.len(), 3, "{notes:?}");
    assert!(notes[2].contains("try 4 of 4"), "{notes:?}");
}

#[test]
fn retries_stop_after_the_last_attempt() {
    let c = client(
        (0..5)
            .map(|_| fault("GET", LIST, Answer::Status(500, "{}")))
            .collect(),
    );
    let e = run(c.list_segments()).unwrap_err();
    assert!(matches!(e, ApiError::Server { status: 500, .. }), "{e:?}");
    assert_eq!(
        c.transport
            .log()
            .iter()
            .filter(|l| l.starts_with("GET"))
            .count(),
        4
    );
    assert_eq!(c.transport.steps_left(), 1);
    // The backoff doubles up to its cap.
    let mut c = client((0..6).map(|_| fault("GET", LIST, reset())).collect());
    c.policy = RetryPolicy {
        attempts: 6,
        base_delay_ms: 300,
        max_delay_ms: 1000,
        deadline_ms: 60_000,
    };
    assert!(run(c.list_segments()).is_err());
    let sleeps: Vec<String> = c
        .transport
        .log()
        .into_iter()
        .filter(|l| l.starts_with("sleep"))
        .collect();
    assert_eq!(
        sleeps,
        [
            "sleep 300",
            "sleep 600",
            "sleep 1000",
            "sleep 1000",
            "sleep 1000"
        ]
    );
}

#[test]
fn retry_after_wins_over_the_backoff() {
    let c = client(vec![
        fault("GET", "/v4/federated_query_configs", Answer::RetryAfter(7)),
        fault(
            "GET",
            "/v4/federated_query_configs",
            Answer::Status(429, ""),
        ),
    ]);
    let configs = run(c.list_zero_copy_configs()).unwrap();
    assert_eq!(configs[0].id, "167");
    assert_eq!(
        c.transport.log(),
        [
            "GET /v4/federated_query_configs → 429",
            "sleep 7000",
            "GET /v4/federated_query_configs → 429",
            "sleep 600",
            "GET /v4/federated_query_configs → 200",
        ]
    );
}

#[test]
fn no_retry_starts_after_the_deadline() {
    // A Retry-After beyond the deadline: the error now, not a wait past it.
    let c = client(vec![fault("GET", LIST, Answer::RetryAfter(120))]);
    let e = run(c.list_segments()).unwrap_err();
    assert_eq!(
        e,
        ApiError::RateLimited {
            retry_after: Some(120)
        }
    );
    assert_eq!(c.transport.log(), ["GET /composable_audiences → 429"]);

    // Slow answers count too: the deadline runs from the start of the call.
    let mut c = client((0..4).map(|_| fault("GET", LIST, timeout())).collect());
    c.transport.latency = 2000;
    c.policy.deadline_ms = 5000;
    let e = run(c.list_segments()).unwrap_err();
    assert_eq!(e, ApiError::Timeout);
    // 2000: timeout, wait 300 (2300 ≤ 5000); 4300: timeout, wait 600 (4900 ≤ 5000);
    // 6900: timeout, and a wait of 1200 would pass the deadline.
    assert_eq!(
        c.transport.log(),
        [
            "GET /composable_audiences → timeout",
            "sleep 300",
            "GET /composable_audiences → timeout",
            "sleep 600",
            "GET /composable_audiences → timeout",
        ]
    );
    assert_eq!(c.transport.now_ms(), 6900);
}

#[test]
fn refusals_are_not_retried() {
    for (status, kind) in [
        (400, "Rejected"),
        (401, "Unauthorized"),
        (403, "Forbidden"),
        (404, "NotFound"),
        (422, "Rejected"),
    ] {
        let c = client(vec![fault(
            "GET",
            LIST,
            Answer::Status(status, "{\"message\":\"no\"}"),
        )]);
        let e = run(c.list_segments()).unwrap_err();
        assert!(format!("{e:?}").starts_with(kind), "{status}: {e:?}");
        assert_eq!(c.transport.log().len(), 1, "{status}");
    }
}

#[test]
fn redirects_are_refused_not_followed() {
    for status in [301, 302, 303, 307, 308] {
        // A safe call: not retried, and nothing is sent anywhere else.
        let c = client(vec![fault("GET", LIST, Answer::Status(status, ""))]);
        let e = run(c.list_segments()).unwrap_err();
        assert!(
            matches!(e, ApiError::Redirect { status: s } if s == status),
            "{e:?}"
        );
        assert!(e.explain().contains("redirect"), "{}", e.explain());
        assert_eq!(c.transport.log().len(), 1);
        // A create: TD did not take it, so no lookup and no second POST.
        let c = client(vec![fault("POST", LIST, Answer::Status(status, ""))]);
        let e = run(c.create(&body("s", &["a"]))).unwrap_err();
        assert!(matches!(e, ApiError::Redirect { .. }), "{e:?}");
        assert_eq!(c.transport.log(), [format!("POST {LIST} → {status}")]);
        assert!(c.transport.segments().is_empty());
    }
}

#[test]
fn a_create_whose_answer_was_lost_is_found_by_name() {
    for (what, lost) in [
        (
            "500 after the commit",
            Answer::Status(500, "{\"message\":\"Internal failure\"}"),
        ),
        ("timeout", timeout()),
        ("reset", reset()),
        (
            "cut short",
            Answer::Fail(TransportError::Body("eof".into())),
        ),
        (
            "a success that is not JSON",
            Answer::Status(200, "<html>ok</html>"),
        ),
        (
            "a success without an id",
            Answer::Status(201, "{\"name\":\"s\"}"),
        ),
    ] {
        let c = client(vec![step("POST", LIST, Act::Perform, lost)]);
        let (segment, recovered) = run(c.create(&body("s", &["a"]))).unwrap();
        assert!(recovered, "{what}");
        assert_eq!(segment.name, "s", "{what}");
        assert_eq!(
            c.transport.segments().len(),
            1,
            "{what}: exactly one segment"
        );
        assert_eq!(
            segment.value,
            c.transport.segments()[0],
            "{what}: read in full"
        );
        let log = c.transport.log();
        assert_eq!(
            log.iter().filter(|l| l.starts_with("POST")).count(),
            1,
            "{what}: {log:?}"
        );
        assert_eq!(
            log[1], "GET /composable_audiences → 200",
            "{what}: looked by name"
        );
        assert_eq!(
            log[2], "GET /composable_audiences/1001 → 200",
            "{what}: {log:?}"
        );
        let notes = c.take_notes().join("\n");
        assert!(
            notes.contains("the create had succeeded"),
            "{what}: {notes}"
        );
    }
}

#[test]
fn a_create_is_sent_again_only_after_the_list_shows_it_did_not_happen() {
    let c = client(vec![fault("POST", LIST, Answer::Status(503, ""))]);
    let (segment, recovered) = run(c.create(&body("s", &["a"]))).unwrap();
    assert!(!recovered);
    assert_eq!(segment.id, "1001");
    assert_eq!(
        c.transport.log(),
        [
            "POST /composable_audiences → 503",
            "GET /composable_audiences → 200",
            "sleep 300",
            "POST /composable_audiences → 200",
        ]
    );
    assert_eq!(c.transport.segments().len(), 1);
}

#[test]
fn a_create_is_never_sent_again_when_the_lookup_fails() {
    let c = client(vec![
        fault("POST", LIST, timeout()),
        fault(
            "GET",
            LIST,
            Answer::Status(403, "{\"message\":\"Forbidden\"}"),
        ),
    ]);
    let e = run(c.create(&body("s", &["a"]))).unwrap_err();
    assert_eq!(e, ApiError::Timeout, "the create's own failure is reported");
    assert_eq!(
        c.transport.log(),
        [
            "POST /composable_audiences → timeout",
            "GET /composable_audiences → 403"
        ]
    );
    assert!(c.take_notes().join("\n").contains("not trying again"));
}

#[test]
fn a_name_clash_after_a_lost_answer_is_our_own_create() {
    // The first POST commits only after the list was read: the second POST then clashes with
    // it, and the client looks again instead of reporting a taken name.
    let c = client(vec![step("POST", LIST, Act::Late, timeout())]);
    let (segment, recovered) = run(c.create(&body("s", &["a"]))).unwrap();
    assert!(recovered);
    assert_eq!(segment.id, "1001");
    assert_eq!(
        c.transport.log(),
        [
            "POST /composable_audiences → timeout",
            "GET /composable_audiences → 200",
            "sleep 300",
            "POST /composable_audiences → 400",
            "GET /composable_audiences → 200",
            "GET /composable_audiences/1001 → 200",
        ]
    );
    assert_eq!(c.transport.segments().len(), 1);

    // Without a lost answer before it, a taken name is the user's to resolve.
    let c = client(vec![]);
    c.transport
        .segments
        .borrow_mut()
        .push(json!({ "id": "9", "name": "s" }));
    let e = run(c.create(&body("s", &["a"]))).unwrap_err();
    assert!(matches!(e, ApiError::NameTaken { .. }), "{e:?}");
    assert_eq!(c.transport.log(), ["POST /composable_audiences → 400"]);
}

#[test]
fn a_rate_limited_create_waits_without_looking() {
    // 429: TD refused before acting, so the same POST is sent again after the wait.
    let c = client(vec![fault("POST", LIST, Answer::RetryAfter(2))]);
    let (_, recovered) = run(c.create(&body("s", &["a"]))).unwrap();
    assert!(!recovered);
    assert_eq!(
        c.transport.log(),
        [
            "POST /composable_audiences → 429",
            "sleep 2000",
            "POST /composable_audiences → 200"
        ]
    );
    // A refusal of the config itself is final.
    let c = client(vec![fault(
        "POST",
        LIST,
        Answer::Status(400, "{\"message\":\"Type is not included in the list\"}"),
    )]);
    let e = run(c.create(&body("s", &["a"]))).unwrap_err();
    assert!(matches!(e, ApiError::Rejected { status: 400, .. }), "{e:?}");
    assert_eq!(c.transport.log().len(), 1);
    assert!(c.transport.segments().is_empty());
}

#[test]
fn every_create_attempt_gone_leaves_no_segment_and_at_most_four_posts() {
    // TD never acts and never answers: each POST is preceded by a lookup, and the tries end.
    let c = client((0..8).map(|_| fault("POST", LIST, reset())).collect());
    let e = run(c.create(&body("s", &["a"]))).unwrap_err();
    assert!(matches!(e, ApiError::Network { .. }), "{e:?}");
    let log = c.transport.log();
    let posts: Vec<usize> = (0..log.len())
        .filter(|&i| log[i].starts_with("POST"))
        .collect();
    assert_eq!(posts.len(), 4, "{log:?}");
    for &i in &posts[1..] {
        assert_eq!(log[i - 2], "GET /composable_audiences → 200", "{log:?}");
    }
    assert!(c.transport.segments().is_empty());
}

#[test]
fn an_update_is_retried_and_removals_need_confirmation() {
    let c = client(vec![fault(
        "PUT",
        "/composable_audiences/1001",
        Answer::Status(502, ""),
    )]);
    // Nothing there yet: the plan is a create.
    let new = body("s", &["a", "b"]);
    assert_eq!(run(c.plan(&new)).unwrap(), Plan::Create);
    let outcome = run(c.apply(&Plan::Create, &new, false)).unwrap();
    assert_eq!((outcome.done, outcome.recovered), (Done::Created, false));
    assert_eq!(outcome.console, None, "a custom base has no console");

    // Dropping "b" is a removal: refused unless allowed, and nothing is sent.
    let smaller = body("s", &["a"]);
    let plan = run(c.plan(&smaller)).unwrap();
    let Plan::Update { existing, diff } = &plan else {
        panic!("{plan:?}")
    };
    assert_eq!(existing.id, "1001");
    assert_eq!(diff.attributes.removed, ["b"]);
    let before = c.transport.log().len();
    let e = run(c.apply(&plan, &smaller, false)).unwrap_err();
    assert!(
        matches!(&e, ApiError::NeedsConfirmation { removals } if removals.len() == 1),
        "{e:?}"
    );
    assert_eq!(c.transport.log().len(), before);

    // Allowed: the PUT is safe to repeat, so a 502 is retried.
    let outcome = run(c.apply(&plan, &smaller, true)).unwrap();
    assert_eq!(outcome.done, Done::Updated);
    assert_eq!(
        c.transport.log()[before..],
        [
            "PUT /composable_audiences/1001 → 502",
            "sleep 300",
            "PUT /composable_audiences/1001 → 200",
        ]
    );
    assert_eq!(c.transport.segments().len(), 1);
    assert_eq!(
        c.transport.segments()[0]["attributes"],
        smaller["attributes"]
    );
}

#[test]
fn an_upload_reports_its_retries_how_many_and_why() {
    // Rate limited twice, then a 503: three retries, each with its reason and wait.
    let c = client(vec![
        fault("POST", LIST, Answer::RetryAfter(2)),
        fault("POST", LIST, Answer::Status(429, "")),
        fault("POST", LIST, Answer::Status(503, "<html>busy</html>")),
    ]);
    let new = body("s", &["a"]);
    let outcome = run(c.apply(&Plan::Create, &new, false)).unwrap();
    assert_eq!(outcome.done, Done::Created);
    let reasons: Vec<(&str, u64)> = outcome
        .retries
        .iter()
        .map(|r| (r.reason.as_str(), r.waited_ms))
        .collect();
    assert_eq!(
        reasons,
        [
            ("429: too many requests", 2000),
            ("429: too many requests", 600),
            ("503: TD had an internal error", 1200),
        ],
        "{:?}",
        c.transport.log()
    );
    assert_eq!(
        cps_td_api::retry_summary(&outcome.retries).as_deref(),
        Some("cps tried again 3 times (waiting 3.8 s in all), after “429: too many requests” twice, then “503: TD had an internal error” once.")
    );
    // Only that upload's: the client starts the next one with none.
    assert!(c.take_retries().is_empty());
    let c = client(Vec::new());
    let outcome = run(c.apply(&Plan::Create, &new, false)).unwrap();
    assert!(outcome.retries.is_empty());
    assert_eq!(cps_td_api::retry_summary(&outcome.retries), None);
}

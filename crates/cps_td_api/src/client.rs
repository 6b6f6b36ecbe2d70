//! The calls, over a [`Transport`]: retries with backoff and a deadline for calls that are safe
//! to repeat, and a create that is never blindly repeated.
//!
//! **Invariant:** a create is sent again only after a list by name shows that the previous try
//! did not create the segment. An ambiguous failure (timeout, broken connection, unreadable
//! answer, 5xx) may hide a success, so repeating the POST could make a duplicate.

use crate::diff::Diff;
use crate::endpoints::{Call, Method, Target, PROXY_HEADER};
use crate::error::ApiError;
use crate::request::{ApiKey, Request, Response, TransportError};
use serde_json::Value;
use std::cell::RefCell;

/// How requests leave the process: `fetch` in the browser, a blocking HTTP client natively, and
/// whatever a test wants. Time comes from here too, so the retry logic stays platform-free.
// Callers are single-threaded (wasm, and the CLI's `block_on`), so the futures need no `Send`.
#[allow(async_fn_in_trait)]
pub trait Transport {
    async fn send(&self, request: &Request) -> Result<Response, TransportError>;
    async fn sleep(&self, ms: u64);
    fn now_ms(&self) -> u64;
    /// A browser's fetch: a failure without a response may be a CORS refusal.
    fn is_browser(&self) -> bool {
        false
    }
}

#[derive(Clone, Copy, Debug)]
pub struct RetryPolicy {
    /// Tries per call, the first included.
    pub attempts: u32,
    /// First wait; doubles per retry up to `max_delay_ms`. A server's `Retry-After` wins.
    pub base_delay_ms: u64,
    pub max_delay_ms: u64,
    /// No retry starts after this long since the call began.
    pub deadline_ms: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 4,
            base_delay_ms: 300,
            max_delay_ms: 5_000,
            deadline_ms: 45_000,
        }
    }
}

impl RetryPolicy {
    fn delay(&self, retry: u32, error: &ApiError) -> u64 {
        if let ApiError::RateLimited {
            retry_after: Some(s),
        } = error
        {
            return s.saturating_mul(1000);
        }
        (self.base_delay_ms << retry.min(16)).min(self.max_delay_ms)
    }
}

/// A parent segment as TD returned it.
#[derive(Clone, Debug, PartialEq)]
pub struct Segment {
    pub id: String,
    pub name: String,
    /// The whole object (attributes and behaviors only when TD sent them).
    pub value: Value,
}

impl Segment {
    fn from_value(value: Value) -> Option<Segment> {
        let o = value.as_object()?;
        Some(Segment {
            id: id_string(o.get("id")?)?,
            name: o.get("name")?.as_str()?.to_string(),
            value,
        })
    }

    fn is_full(&self) -> bool {
        self.value.get("attributes").is_some()
    }
}

fn id_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A zero-copy (federated query) config, from `GET /v4/federated_query_configs`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZeroCopyConfig {
    /// The id a parent segment's `federatedQueryConfigId` takes (not `connection_id`).
    pub id: String,
    pub name: String,
    pub kind: String,
    pub database: Option<String>,
    pub warehouse: Option<String>,
    pub role: Option<String>,
}

/// What an upload will do.
// One plan per upload: the size difference costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum Plan {
    Create,
    Update { existing: Segment, diff: Diff },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Done {
    Created,
    Updated,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    pub done: Done,
    pub segment: Segment,
    /// The create's answer was lost, and the segment was found by name afterwards.
    pub recovered: bool,
    pub console: Option<String>,
    /// The tries that failed before this outcome, each retried (429, 5XX, a lost answer).
    pub retries: Vec<Retry>,
}

/// A try that failed and was made again: why, and how long the client waited first.
#[derive(Clone, Debug, PartialEq)]
pub struct Retry {
    /// The failure's one-line title (`ApiError::title`), e.g. "429: too many requests".
    pub reason: String,
    pub waited_ms: u64,
}

/// The retries in words, for the user ("cps tried again 2 times: …"); `None` without any.
pub fn retry_summary(retries: &[Retry]) -> Option<String> {
    if retries.is_empty() {
        return None;
    }
    // The reasons in the order first met, each with how often.
    let mut reasons: Vec<(&str, usize)> = Vec::new();
    for r in retries {
        match reasons.iter_mut().find(|(why, _)| *why == r.reason) {
            Some((_, n)) => *n += 1,
            None => reasons.push((&r.reason, 1)),
        }
    }
    let why: Vec<String> = reasons
        .iter()
        .map(|(why, n)| match n {
            1 => format!("“{why}” once"),
            2 => format!("“{why}” twice"),
            n => format!("“{why}” {n} times"),
        })
        .collect();
    let waited: u64 = retries.iter().map(|r| r.waited_ms).sum();
    let n = retries.len();
    Some(format!(
        "cps tried again {n} time{} (waiting {:.1} s in all), after {}.",
        if n == 1 { "" } else { "s" },
        waited as f64 / 1000.0,
        why.join(", then ")
    ))
}

pub struct Client<T> {
    pub transport: T,
    pub target: Target,
    key: ApiKey,
    pub policy: RetryPolicy,
    /// What happened along the way (retries, lookups), for the user. Never keys or bodies.
    notes: RefCell<Vec<String>>,
    /// Every retry since the last [`Client::take_retries`].
    retries: RefCell<Vec<Retry>>,
}

impl<T: Transport> Client<T> {
    pub fn new(transport: T, target: Target, key: ApiKey) -> Client<T> {
        Client {
            transport,
            target,
            key,
            policy: RetryPolicy::default(),
            notes: RefCell::new(Vec::new()),
            retries: RefCell::new(Vec::new()),
        }
    }

    pub fn take_notes(&self) -> Vec<String> {
        std::mem::take(&mut self.notes.borrow_mut())
    }

    /// The retries made since the last call of this (or since the client was made).
    pub fn take_retries(&self) -> Vec<Retry> {
        std::mem::take(&mut self.retries.borrow_mut())
    }

    fn note(&self, s: String) {
        self.notes.borrow_mut().push(s);
    }

    /// The request for a call, exactly as it will be sent (the key is added by the transport).
    pub fn request(
        &self,
        call: Call,
        id: Option<&str>,
        body: Option<String>,
    ) -> Result<Request, ApiError> {
        let e = crate::endpoints::endpoint(call);
        let url = self
            .target
            .url(call, id)
            .map_err(|detail| ApiError::Unsupported { detail })?;
        let mut headers = vec![("Accept".to_string(), "application/json".to_string())];
        if body.is_some() {
            headers.push(("Content-Type".into(), "application/json".into()));
        }
        if matches!(self.target, Target::Proxy { .. }) {
            headers.push((PROXY_HEADER.0.into(), PROXY_HEADER.1.into()));
        }
        Ok(Request {
            method: e.method,
            url,
            headers,
            key: self.key.clone(),
            body,
        })
    }

    async fn send_once(&self, request: &Request) -> Result<Response, ApiError> {
        match self.transport.send(request).await {
            Ok(r) if (200..300).contains(&r.status) => Ok(r),
            Ok(r) => Err(ApiError::from_response(&r)),
            Err(e) => Err(ApiError::from_transport(&e, self.transport.is_browser())),
        }
    }

    /// Sends a request that is safe to repeat, retrying transient failures.
    async fn send_idempotent(&self, request: &Request) -> Result<Response, ApiError> {
        debug_assert!(request.method.idempotent());
        let start = self.transport.now_ms();
        let mut retry = 0;
        loop {
            let error = match self.send_once(request).await {
                Ok(r) => return Ok(r),
                Err(e) => e,
            };
            if !error.transient() || !self.wait_before_retry(start, retry, &error).await {
                return Err(error);
            }
            retry += 1;
        }
    }

    /// Waits before retry number `retry + 1`, or says there is no time or try left.
    async fn wait_before_retry(&self, start: u64, retry: u32, error: &ApiError) -> bool {
        if retry + 1 >= self.policy.attempts {
            return false;
        }
        let wait = self.policy.delay(retry, error);
        let elapsed = self.transport.now_ms().saturating_sub(start);
        if elapsed.saturating_add(wait) > self.policy.deadline_ms {
            return false;
        }
        self.note(format!(
            "{}; trying again in {:.1} s (try {} of {})",
            error.title(),
            wait as f64 / 1000.0,
            retry + 2,
            self.policy.attempts
        ));
        self.retries.borrow_mut().push(Retry {
            reason: error.title(),
            waited_ms: wait,
        });
        self.transport.sleep(wait).await;
        true
    }

    fn json(r: &Response) -> Result<Value, ApiError> {
        serde_json::from_str(&r.body).map_err(|e| ApiError::BadResponse {
            status: r.status,
            detail: format!("not JSON: {e}"),
        })
    }

    pub async fn list_zero_copy_configs(&self) -> Result<Vec<ZeroCopyConfig>, ApiError> {
        let r = self
            .send_idempotent(&self.request(Call::ListZeroCopyConfigs, None, None)?)
            .await?;
        let v = Self::json(&r)?;
        Ok(array_in(&v)
            .iter()
            .filter_map(|c| {
                let s = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_string);
                let settings = c.get("settings");
                Some(ZeroCopyConfig {
                    id: id_string(c.get("id")?)?,
                    name: s(c.get("name")).unwrap_or_default(),
                    kind: s(c.get("type")).unwrap_or_default(),
                    database: s(settings.and_then(|x| x.get("database"))),
                    warehouse: s(settings.and_then(|x| x.get("warehouse"))),
                    role: s(settings.and_then(|x| x.get("role"))),
                })
            })
            .collect())
    }

    pub async fn list_segments(&self) -> Result<Vec<Segment>, ApiError> {
        let r = self
            .send_idempotent(&self.request(Call::ListSegments, None, None)?)
            .await?;
        let v = Self::json(&r)?;
        Ok(array_in(&v)
            .iter()
            .cloned()
            .filter_map(Segment::from_value)
            .collect())
    }

    pub async fn show_segment(&self, id: &str) -> Result<Segment, ApiError> {
        let r = self
            .send_idempotent(&self.request(Call::ShowSegment, Some(id), None)?)
            .await?;
        Segment::from_value(Self::json(&r)?).ok_or_else(|| ApiError::BadResponse {
            status: r.status,
            detail: "the segment has no id or name".into(),
        })
    }

    /// The segment with exactly this name, in full, if there is one.
    pub async fn find_by_name(&self, name: &str) -> Result<Option<Segment>, ApiError> {
        let Some(found) = self
            .list_segments()
            .await?
            .into_iter()
            .find(|s| s.name == name)
        else {
            return Ok(None);
        };
        if found.is_full() {
            return Ok(Some(found));
        }
        self.show_segment(&found.id).await.map(Some)
    }

    /// Create, or update the segment that already has this name, with the difference.
    pub async fn plan(&self, body: &Value) -> Result<Plan, ApiError> {
        let name = body_name(body)?;
        Ok(match self.find_by_name(&name).await? {
            None => Plan::Create,
            Some(existing) => Plan::Update {
                diff: Diff::between(&existing.value, body),
                existing,
            },
        })
    }

    /// Carries out a plan. An update that removes attributes or behaviors needs
    /// `allow_removals`: TD replaces the lists, so segment rules using a removed entry break.
    pub async fn apply(
        &self,
        plan: &Plan,
        body: &Value,
        allow_removals: bool,
    ) -> Result<Outcome, ApiError> {
        // Only this upload's retries (the review's lookups had their own).
        drop(self.take_retries());
        let (done, segment, recovered) = match plan {
            Plan::Create => {
                let (s, recovered) = self.create(body).await?;
                (Done::Created, s, recovered)
            }
            Plan::Update { existing, diff } => {
                let removals = diff.removals();
                if !removals.is_empty() && !allow_removals {
                    return Err(ApiError::NeedsConfirmation { removals });
                }
                (Done::Updated, self.update(&existing.id, body).await?, false)
            }
        };
        let console = self.target.console_link(&segment.id);
        Ok(Outcome {
            done,
            segment,
            recovered,
            console,
            retries: self.take_retries(),
        })
    }

    /// PUT replaces the segment: repeating it has the same effect, so it is retried.
    pub async fn update(&self, id: &str, body: &Value) -> Result<Segment, ApiError> {
        let request = self.request(Call::UpdateSegment, Some(id), Some(body.to_string()))?;
        let r = self.send_idempotent(&request).await?;
        Self::segment_from(&r)
    }

    fn segment_from(r: &Response) -> Result<Segment, ApiError> {
        Segment::from_value(Self::json(r)?).ok_or_else(|| ApiError::BadResponse {
            status: r.status,
            detail: "the answer has no segment id".into(),
        })
    }

    /// The guarded create: one POST; after an ambiguous failure, a list by name decides whether
    /// it happened; only if not is the POST sent again. Returns the segment and whether it was
    /// found by name after a lost answer.
    pub async fn create(&self, body: &Value) -> Result<(Segment, bool), ApiError> {
        let name = body_name(body)?;
        let request = self.request(Call::CreateSegment, None, Some(body.to_string()))?;
        debug_assert_eq!(request.method, Method::Post);
        let start = self.transport.now_ms();
        let mut retry = 0;
        let mut maybe_created = false;
        loop {
            // A success whose answer cannot be read (not JSON, no id) is an unreadable answer
            // like any other: the segment was most likely created, so it is looked up by name.
            let error = match self
                .send_once(&request)
                .await
                .and_then(|r| Self::segment_from(&r))
            {
                Ok(s) => return Ok((s, false)),
                Err(e) => e,
            };
            // A name clash right after a lost answer is most likely our own first try.
            let look =
                error.ambiguous() || (maybe_created && matches!(error, ApiError::NameTaken { .. }));
            if look {
                maybe_created = true;
                self.note(format!(
                    "{}; checking by name whether the segment was created before trying again",
                    error.title()
                ));
                match self.find_by_name(&name).await {
                    Ok(Some(found)) => {
                        self.note(format!(
                            "found “{name}” (id {}): the create had succeeded",
                            found.id
                        ));
                        return Ok((found, true));
                    }
                    Ok(None) => {}
                    Err(e) => {
                        self.note(format!(
                            "could not check by name ({}); not trying again, so no duplicate can be made: look in the TD console before uploading again",
                            e.title()
                        ));
                        return Err(error);
                    }
                }
            } else if !matches!(error, ApiError::RateLimited { .. }) {
                return Err(error);
            }
            if !self.wait_before_retry(start, retry, &error).await {
                return Err(error);
            }
            retry += 1;
        }
    }
}

fn body_name(body: &Value) -> Result<String, ApiError> {
    body.get("name")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .ok_or_else(|| ApiError::Unsupported {
            detail: "The config has no name: TD finds and creates segments by name.".into(),
        })
}

/// The list in a response: the body itself, or the first array inside an object (the list's
/// shape is undocumented; known wrappers are tried first).
fn array_in(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a.clone(),
        Value::Object(o) => [
            "composableAudiences",
            "composable_audiences",
            "audiences",
            "data",
            "items",
            "results",
            "configs",
        ]
        .iter()
        .find_map(|k| o.get(*k).and_then(Value::as_array))
        .or_else(|| o.values().find_map(Value::as_array))
        .cloned()
        .unwrap_or_default(),
        _ => Vec::new(),
    }
}

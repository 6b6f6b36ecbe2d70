//! The Upload step's state as a reducer (the yew todomvc pattern, like the studio's `state.rs`):
//! every change is an [`Act`], every transition a plain function tested natively. The panel
//! (`panel.rs`) renders it and runs the TD calls it asks for ([`Op`]); their results come back
//! as [`Act::Finished`].
//!
//! **Invariant:** the key lives in this state (and in sessionStorage only while "Remember for
//! this tab" is ticked, which the panel does); nothing here prints, stores or sends it.

use cps_bridge::{Body, Revision};
use cps_td_api::record::dry_run_summary;
use cps_td_api::{ApiError, ApiKey, Outcome, Plan, ZeroCopyConfig};
use std::rc::Rc;
use yew::Reducible;

/// How calls reach TD.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// Straight from the browser: works only if TD's hosts allow it (CORS, unknown).
    Direct,
    /// Through `cps serve` on this machine (same origin, no CORS).
    Proxy,
}

/// `cps serve`'s proxy answered its probe.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProxyInfo {
    /// It forwards a custom endpoint (`--td-endpoint`): the "custom" region exists.
    pub custom: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Status {
    Idle,
    Busy(&'static str),
    Configs(Vec<ZeroCopyConfig>),
    /// `revision`: the studio's check the plan was made from; `sent`: what the review read from
    /// TD (for the dry run to say).
    Planned {
        plan: Rc<Plan>,
        revision: u64,
        sent: Rc<String>,
    },
    Done(Rc<Outcome>),
    Failed(Rc<ApiError>),
}

/// One TD operation the panel runs for the state.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    ListConfigs,
    /// Look for a segment with this body's name (of the studio's check `revision`): create or
    /// update.
    Review {
        body: Rc<serde_json::Value>,
        revision: u64,
    },
    /// Carry out `plan` for the revision it was made from.
    Apply {
        plan: Rc<Plan>,
        body: Rc<serde_json::Value>,
        confirm_removals: bool,
        revision: Rc<Revision>,
    },
}

impl Op {
    pub fn label(&self) -> &'static str {
        match self {
            Op::ListConfigs => "Listing zero-copy configs…",
            Op::Review { .. } => "Looking for a segment with this name…",
            Op::Apply { .. } => "Uploading…",
        }
    }
}

pub enum Act {
    /// A check from the studio.
    Revision(Revision),
    Key(String),
    Remember(bool),
    Region(String),
    Route(Route),
    /// `cps serve`'s proxy is there: it becomes the route (TD's CORS is unknown).
    ProxyFound(ProxyInfo),
    ConfirmRemovals(bool),
    /// Job number `job` started `op` (the panel numbers its jobs).
    Started {
        job: u64,
        op: Op,
    },
    /// Job `job` ended; ignored unless it is the newest job still wanted.
    Finished {
        job: u64,
        status: Status,
        notes: Vec<String>,
    },
}

pub struct Panel {
    /// The newest check from the studio, and its body read once.
    pub revision: Rc<Revision>,
    pub body: Rc<Result<serde_json::Value, String>>,
    pub key: String,
    pub remembered: bool,
    pub region: String,
    pub route: Route,
    pub proxy: Option<ProxyInfo>,
    pub status: Status,
    /// What happened along the way (retries, lookups), for the user.
    pub notes: Vec<String>,
    pub confirm_removals: bool,
    /// The job whose result is wanted: a newer job, or a change of region or route, drops the
    /// result of an older one.
    job: Option<u64>,
}

/// The body of a revision, read once per revision.
fn read_body(r: &Revision) -> Result<serde_json::Value, String> {
    match &r.body {
        Some(Body::Ready(b)) => serde_json::from_str(b).map_err(|e| e.to_string()),
        Some(Body::Blocked(why)) => Err(why.clone()),
        None => Err("The config is not checked yet.".into()),
    }
}

impl Panel {
    pub fn new(revision: Revision, key: Option<String>, region: String) -> Panel {
        Panel {
            body: Rc::new(read_body(&revision)),
            revision: Rc::new(revision),
            remembered: key.is_some(),
            key: key.unwrap_or_default(),
            region,
            route: Route::Direct,
            proxy: None,
            status: Status::Idle,
            notes: Vec::new(),
            confirm_removals: false,
            job: None,
        }
    }

    pub fn busy(&self) -> bool {
        matches!(self.status, Status::Busy(_))
    }

    pub fn api_key(&self) -> Result<ApiKey, String> {
        ApiKey::new(&self.key)
    }

    /// The segment name in the body (for the buttons and messages).
    pub fn name(&self) -> String {
        (*self.body)
            .as_ref()
            .ok()
            .and_then(|b| b["name"].as_str().map(str::to_string))
            .unwrap_or_default()
    }

    /// The operation a button would start, if it may start now.
    pub fn op(&self, which: Which) -> Option<Op> {
        if self.busy() || self.api_key().is_err() {
            return None;
        }
        match which {
            Which::ListConfigs => Some(Op::ListConfigs),
            Which::Review => Some(Op::Review {
                body: Rc::new(self.body.as_ref().as_ref().ok()?.clone()),
                revision: self.revision.revision,
            }),
            Which::Apply => {
                let plan = self.current_plan()?;
                let removals = match &*plan {
                    Plan::Update { diff, .. } => !diff.removals().is_empty(),
                    Plan::Create => false,
                };
                if removals && !self.confirm_removals {
                    return None;
                }
                Some(Op::Apply {
                    plan,
                    body: Rc::new(self.body.as_ref().as_ref().ok()?.clone()),
                    confirm_removals: self.confirm_removals,
                    revision: self.revision.clone(),
                })
            }
        }
    }

    /// The plan, if one was made from the studio's current check.
    pub fn current_plan(&self) -> Option<Rc<Plan>> {
        match &self.status {
            Status::Planned { plan, revision, .. } if *revision == self.revision.revision => {
                Some(plan.clone())
            }
            _ => None,
        }
    }

    /// A plan made from an older check: the user must review again.
    pub fn plan_is_stale(&self) -> bool {
        matches!(&self.status, Status::Planned { revision, .. } if *revision != self.revision.revision)
    }

    /// What the dry run says was sent to TD to get here.
    pub fn sent_note(&self) -> String {
        match &self.status {
            Status::Planned { sent, .. } => sent.to_string(),
            _ => "Dry run: nothing is sent to TD to show this request.".to_string(),
        }
    }
}

/// The panel's buttons that start a TD operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Which {
    ListConfigs,
    Review,
    Apply,
}

/// The status a review ends in (the plan, for this revision, with what it read).
pub fn planned(
    plan: Plan,
    revision: u64,
    sent: &[(cps_td_api::endpoints::Method, String)],
) -> Status {
    Status::Planned {
        plan: Rc::new(plan),
        revision,
        sent: Rc::new(dry_run_summary(sent)),
    }
}

impl Reducible for Panel {
    type Action = Act;

    fn reduce(self: Rc<Self>, act: Act) -> Rc<Self> {
        let mut next = Panel {
            revision: self.revision.clone(),
            body: self.body.clone(),
            key: self.key.clone(),
            remembered: self.remembered,
            region: self.region.clone(),
            route: self.route,
            proxy: self.proxy,
            status: self.status.clone(),
            notes: self.notes.clone(),
            confirm_removals: self.confirm_removals,
            job: self.job,
        };
        match act {
            Act::Revision(r) => {
                if r == *self.revision {
                    return self;
                }
                // Read once per check; a plan of an older check stays, shown as stale.
                next.body = Rc::new(read_body(&r));
                next.revision = Rc::new(r);
            }
            Act::Key(k) => next.key = k,
            Act::Remember(on) => next.remembered = on,
            Act::Region(r) => {
                next.region = r;
                next.idle();
            }
            Act::Route(r) => {
                next.route = r;
                next.idle();
            }
            Act::ProxyFound(p) => {
                next.proxy = Some(p);
                next.route = Route::Proxy;
            }
            Act::ConfirmRemovals(on) => next.confirm_removals = on,
            Act::Started { job, op } => {
                if self.busy() {
                    return self;
                }
                if matches!(op, Op::Review { .. }) {
                    // A new plan needs its own confirmation.
                    next.confirm_removals = false;
                }
                next.job = Some(job);
                next.status = Status::Busy(op.label());
                next.notes.clear();
            }
            Act::Finished { job, status, notes } => {
                if self.job != Some(job) {
                    return self;
                }
                next.status = status;
                next.notes = notes;
            }
        }
        Rc::new(next)
    }
}

impl Panel {
    /// Another region or route: what was shown was for the old one, and a job still running
    /// for it is no longer wanted.
    fn idle(&mut self) {
        self.status = Status::Idle;
        self.job = None;
        self.notes.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cps_td_api::{Diff, Done, Segment};

    const BODY: &str = r#"{"name": "Retail", "attributes": []}"#;

    fn revision(n: u64, body: Option<Body>) -> Revision {
        Revision {
            revision: n,
            text: "name: Retail\n".into(),
            options: String::new(),
            body,
        }
    }

    fn ready(n: u64) -> Revision {
        revision(n, Some(Body::Ready(BODY.into())))
    }

    fn panel() -> Rc<Panel> {
        Rc::new(Panel::new(ready(1), None, "us".into())).reduce(Act::Key("1/secret".into()))
    }

    fn segment() -> Segment {
        Segment {
            id: "7".into(),
            name: "Retail".into(),
            value: serde_json::json!({}),
        }
    }

    /// Starts `which` as job `job`, and returns the op it ran.
    fn start(p: Rc<Panel>, which: Which, job: u64) -> (Rc<Panel>, Op) {
        let op = p.op(which).expect("the button is enabled");
        (
            p.reduce(Act::Started {
                job,
                op: op.clone(),
            }),
            op,
        )
    }

    fn finish(p: Rc<Panel>, job: u64, status: Status) -> Rc<Panel> {
        p.reduce(Act::Finished {
            job,
            status,
            notes: vec!["a note".into()],
        })
    }

    #[test]
    fn the_body_is_read_once_per_check_and_says_why_it_is_missing() {
        let p = panel();
        assert_eq!(p.name(), "Retail");
        let body = p.body.clone();
        let p = p.reduce(Act::Revision(ready(1)));
        assert!(Rc::ptr_eq(&body, &p.body), "the same check: not read again");
        let p = p.reduce(Act::Revision(revision(
            2,
            Some(Body::Blocked(
                "The config has 1 error: fix it before uploading.".into(),
            )),
        )));
        assert_eq!(
            p.body.as_ref().as_ref().unwrap_err(),
            "The config has 1 error: fix it before uploading."
        );
        assert_eq!(p.op(Which::Review), None, "nothing to review");
        assert!(
            p.op(Which::ListConfigs).is_some(),
            "the connection can still be checked"
        );
        let p = p.reduce(Act::Revision(revision(3, None)));
        assert!(p.body.is_err());
    }

    #[test]
    fn buttons_need_a_key_and_no_running_job() {
        let p = Rc::new(Panel::new(ready(1), None, "us".into()));
        assert_eq!(p.op(Which::ListConfigs), None, "no key");
        let p = p.reduce(Act::Key("1/secret".into()));
        let (p, op) = start(p, Which::ListConfigs, 1);
        assert_eq!(op, Op::ListConfigs);
        assert_eq!(p.status, Status::Busy("Listing zero-copy configs…"));
        assert!(p.busy());
        assert_eq!(p.op(Which::Review), None, "busy");
        // A second start while busy changes nothing.
        let again = p.clone().reduce(Act::Started {
            job: 2,
            op: Op::ListConfigs,
        });
        assert!(Rc::ptr_eq(&p, &again));
        let p = finish(p, 1, Status::Configs(vec![]));
        assert_eq!(p.status, Status::Configs(vec![]));
        assert_eq!(p.notes, ["a note"]);
        assert!(!p.busy());
    }

    #[test]
    fn a_result_counts_only_for_the_job_still_wanted() {
        let (p, _) = start(panel(), Which::Review, 1);
        // The user picks another region while the review runs: its result is not for this one.
        let p = p.reduce(Act::Region("eu01".into()));
        assert_eq!(
            (p.status.clone(), p.region.as_str()),
            (Status::Idle, "eu01")
        );
        let p = finish(p, 1, planned(Plan::Create, 1, &[]));
        assert_eq!(p.status, Status::Idle);
        // Likewise for the route; and a late result of an older job never replaces a newer one.
        let (p, _) = start(p, Which::Review, 2);
        let p = p.reduce(Act::Route(Route::Direct));
        let (p, _) = start(p, Which::ListConfigs, 3);
        let p = finish(p, 2, planned(Plan::Create, 1, &[]));
        assert!(p.busy());
        let p = finish(p, 3, Status::Configs(vec![]));
        assert_eq!(p.status, Status::Configs(vec![]));
    }

    #[test]
    fn a_plan_is_for_the_check_it_was_made_from() {
        let (p, _) = start(panel(), Which::Review, 1);
        let p = finish(p, 1, planned(Plan::Create, 1, &[]));
        let apply = p.op(Which::Apply).expect("apply is enabled");
        let Op::Apply { revision, .. } = &apply else {
            panic!("{apply:?}")
        };
        assert_eq!(revision.revision, 1);
        // The text changed: the plan is stale, apply is off until a new review.
        let p = p.reduce(Act::Revision(ready(2)));
        assert!(p.plan_is_stale());
        assert_eq!(p.op(Which::Apply), None);
        let (p, _) = start(p, Which::Review, 2);
        let p = finish(p, 2, planned(Plan::Create, 2, &[]));
        assert!(!p.plan_is_stale());
        assert!(p.op(Which::Apply).is_some());
    }

    #[test]
    fn removals_need_confirmation_and_a_new_review_asks_again() {
        let existing = serde_json::json!({"name": "Retail", "attributes": [{"name": "old"}]});
        let new = serde_json::json!({"name": "Retail", "attributes": []});
        let diff = Diff::between(&existing, &new);
        assert!(!diff.removals().is_empty());
        let update = || Plan::Update {
            existing: segment(),
            diff: diff.clone(),
        };
        let (p, _) = start(panel(), Which::Review, 1);
        let p = finish(p, 1, planned(update(), 1, &[]));
        assert_eq!(p.op(Which::Apply), None, "not confirmed");
        let p = p.reduce(Act::ConfirmRemovals(true));
        let Some(Op::Apply {
            confirm_removals, ..
        }) = p.op(Which::Apply)
        else {
            panic!("apply is enabled once confirmed")
        };
        assert!(confirm_removals);
        let (p, _) = start(p, Which::Review, 2);
        assert!(!p.confirm_removals);
        let p = finish(p, 2, planned(update(), 1, &[]));
        assert_eq!(p.op(Which::Apply), None);
    }

    #[test]
    fn the_proxy_becomes_the_route_and_the_dry_run_says_what_was_read() {
        let p = panel();
        assert_eq!(p.route, Route::Direct);
        let p = p.reduce(Act::ProxyFound(ProxyInfo { custom: true }));
        assert_eq!(
            (p.route, p.proxy),
            (Route::Proxy, Some(ProxyInfo { custom: true }))
        );
        assert_eq!(
            p.sent_note(),
            "Dry run: nothing is sent to TD to show this request."
        );
        let (p, _) = start(p, Which::Review, 1);
        let sent = [(
            cps_td_api::endpoints::Method::Get,
            "http://127.0.0.1/td/us/cas/composable_audiences".to_string(),
        )];
        let p = finish(p, 1, planned(Plan::Create, 1, &sent));
        assert!(p
            .sent_note()
            .contains("GET http://127.0.0.1/td/us/cas/composable_audiences"));
        let (p, _) = start(p, Which::Apply, 2);
        assert_eq!(p.status, Status::Busy("Uploading…"));
        let done = Outcome {
            done: Done::Created,
            segment: segment(),
            recovered: false,
            console: None,
            retries: Vec::new(),
        };
        let p = finish(p, 2, Status::Done(Rc::new(done)));
        assert!(matches!(p.status, Status::Done(_)));
    }
}

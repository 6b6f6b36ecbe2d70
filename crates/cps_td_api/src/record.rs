//! A transport that remembers which calls it sent (method and URL; never headers, keys or
//! bodies), so a dry run can say exactly what went over the wire instead of "nothing was sent"
//! after it read the segment list to build its plan.

use crate::endpoints::Method;
use crate::request::{Request, Response, TransportError};
use crate::Transport;
use std::cell::RefCell;

pub struct Recording<T> {
    pub inner: T,
    sent: RefCell<Vec<(Method, String)>>,
}

impl<T> Recording<T> {
    pub fn new(inner: T) -> Recording<T> {
        Recording {
            inner,
            sent: RefCell::new(Vec::new()),
        }
    }

    /// Every call sent so far (a retry counts again), in order.
    pub fn sent(&self) -> Vec<(Method, String)> {
        self.sent.borrow().clone()
    }
}

impl<T: Transport> Transport for Recording<T> {
    async fn send(&self, request: &Request) -> Result<Response, TransportError> {
        self.sent
            .borrow_mut()
            .push((request.method, request.url.clone()));
        self.inner.send(request).await
    }

    async fn sleep(&self, ms: u64) {
        self.inner.sleep(ms).await
    }

    fn now_ms(&self) -> u64 {
        self.inner.now_ms()
    }

    fn is_browser(&self) -> bool {
        self.inner.is_browser()
    }
}

/// What a dry run sent, in one sentence: "nothing was sent", or "read the existing segments
/// (GET …); wrote nothing". A write in a dry run would be a bug, and is said plainly if it ever
/// happens.
pub fn dry_run_summary(sent: &[(Method, String)]) -> String {
    if sent.is_empty() {
        return "Dry run: nothing was sent to TD.".into();
    }
    // Each distinct call once, with how often it went (retries).
    let mut calls: Vec<(String, usize)> = Vec::new();
    for (m, url) in sent {
        let call = format!("{} {url}", m.as_str());
        match calls.iter_mut().find(|(c, _)| *c == call) {
            Some((_, n)) => *n += 1,
            None => calls.push((call, 1)),
        }
    }
    let list = calls
        .iter()
        .map(|(c, n)| {
            if *n > 1 {
                format!("{c} ×{n}")
            } else {
                c.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    if sent.iter().all(|(m, _)| *m == Method::Get) {
        format!("Dry run: read the existing segments to make the plan ({list}); wrote nothing.")
    } else {
        format!("Dry run: sent {list}.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_say_what_went() {
        assert_eq!(dry_run_summary(&[]), "Dry run: nothing was sent to TD.");
        let list = (Method::Get, "https://h/composable_audiences".to_string());
        let show = (Method::Get, "https://h/composable_audiences/7".to_string());
        assert_eq!(
            dry_run_summary(&[list.clone(), list.clone(), show]),
            "Dry run: read the existing segments to make the plan (GET https://h/composable_audiences ×2, GET https://h/composable_audiences/7); wrote nothing."
        );
        assert!(dry_run_summary(&[(Method::Post, "u".into())]).contains("sent POST u"));
    }
}

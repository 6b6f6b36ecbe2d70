//! Keeps typing smooth on large files. A keystroke re-checks the text inside the editor's input
//! handler, so the typed character is painted together with its diagnostics, in the next frame:
//! right for a check that fits the 50 ms a page has to answer input (the RAIL model's budget).
//! When the last check took longer, edits are not checked one by one: the newest text is
//! checked once typing pauses, so keys never wait behind a check.
//!
//! Chosen over a Web Worker (measured in BENCHMARKS.md): a worker would keep the checker off the
//! main thread but needs a second copy of the core in the page's first load, copies the text
//! each way per keystroke, and does not make diagnostics come sooner.

use crate::editor::Doc;
use crate::state::{Action, State};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// A check up to this long runs on every keystroke (RAIL: input handled within 50 ms).
pub const INPUT_BUDGET_MS: f64 = 50.0;

/// How long typing must pause before a slow check runs.
pub const PAUSE_MS: i32 = 150;

/// When to check an edit, given how long the last check took.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pace {
    /// Now, in the input handler.
    Now,
    /// Once typing pauses for [`PAUSE_MS`] (the newest text only).
    AfterPause,
}

pub fn pace(last_check_ms: f64) -> Pace {
    if last_check_ms > INPUT_BUDGET_MS {
        Pace::AfterPause
    } else {
        Pace::Now
    }
}

fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or(0.0)
}

/// The pacing of edits for one page.
pub struct Typing {
    dispatch: UseReducerDispatcher<State>,
    last_check_ms: Cell<f64>,
    /// The editor whose newest text is not checked yet (read when it is checked).
    pending: Cell<Option<Doc>>,
    timer: Cell<Option<i32>>,
    on_pause: RefCell<Option<Closure<dyn Fn()>>>,
}

impl Typing {
    pub fn new(dispatch: UseReducerDispatcher<State>, first_check_ms: f64) -> Rc<Typing> {
        let typing = Rc::new(Typing {
            dispatch,
            last_check_ms: Cell::new(first_check_ms),
            pending: Cell::new(None),
            timer: Cell::new(None),
            on_pause: RefCell::new(None),
        });
        let weak = Rc::downgrade(&typing);
        *typing.on_pause.borrow_mut() = Some(Closure::new(move || {
            if let Some(t) = weak.upgrade() {
                t.timer.set(None);
                t.flush();
            }
        }));
        typing
    }

    /// The editor's text changed.
    pub fn edited(&self, doc: Doc) {
        match pace(self.last_check_ms.get()) {
            Pace::Now => {
                self.cancel_timer();
                self.pending.take();
                self.check(doc.text());
            }
            Pace::AfterPause => {
                self.pending.set(Some(doc));
                self.cancel_timer();
                let window = web_sys::window();
                let on_pause = self.on_pause.borrow();
                if let (Some(w), Some(f)) = (window, on_pause.as_ref()) {
                    let id = w.set_timeout_with_callback_and_timeout_and_arguments_0(
                        f.as_ref().unchecked_ref(),
                        PAUSE_MS,
                    );
                    self.timer.set(id.ok());
                }
            }
        }
    }

    /// Checks a waiting edit now: before anything else acts on the text (a form edit, a file,
    /// a share link), so it acts on what the editor shows.
    pub fn flush(&self) {
        self.cancel_timer();
        if let Some(doc) = self.pending.take() {
            self.check(doc.text());
        }
    }

    /// The editor's text when it is newer than the last check's.
    pub fn newest(&self) -> Option<String> {
        self.pending.get().map(Doc::text)
    }

    fn check(&self, text: String) {
        let start = now_ms();
        self.dispatch.dispatch(Action::Edited(text));
        self.last_check_ms.set(now_ms() - start);
    }

    fn cancel_timer(&self) {
        if let (Some(id), Some(w)) = (self.timer.take(), web_sys::window()) {
            w.clear_timeout_with_handle(id);
        }
    }
}

impl Drop for Typing {
    fn drop(&mut self) {
        self.cancel_timer();
    }
}

/// Times `f` (the first check, made when the page opens).
pub fn timed<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let start = now_ms();
    let out = f();
    (out, now_ms() - start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_that_fit_the_input_budget_run_on_every_keystroke() {
        assert_eq!(pace(0.0), Pace::Now);
        assert_eq!(pace(INPUT_BUDGET_MS), Pace::Now);
        assert_eq!(pace(INPUT_BUDGET_MS + 0.1), Pace::AfterPause);
        assert_eq!(pace(400.0), Pace::AfterPause);
    }
}

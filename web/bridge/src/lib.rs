//! cps_bridge: the seam between the studio (`web/`, crate `cps_web`) and its lazily loaded steps
//! module (`web/steps`, crate `cps_steps`), two wasm modules that share no memory.
//!
//! - [`message`]: what crosses, as serde enums both ways ([`ToStep`], [`ToStudio`]), one DOM
//!   event per direction on the step's host element, postcard bytes in its `detail`.
//! - [`browser`]: the services both modules need: sending and listening for those messages,
//!   Blob downloads, the clipboard, reading a picked or dropped file.
//! - [`utf16`]: byte offsets to the editor's UTF-16 offsets, one pass for all of them.
//! - [`base64url`]: share links' encoding, through `base64ct`.
//! - [`words`]: messages' `` `names` `` as code parts, and drawn so (one Yew view for both sides).
//!
//! Both sides depend on this crate, so the two cannot drift apart. The pure parts ([`message`],
//! [`utf16`], [`base64url`], [`words`]) are tested natively.

pub mod base64url;
pub mod browser;
pub mod message;
pub mod utf16;
pub mod words;

pub use message::{
    Body, Finding, Findings, Level, Mark, Message, Outcome, Progress, Revision, Source, Stage,
    Standing, ToStep, ToStudio, UploadResult, PROTOCOL,
};

//! Tree → model: what the file is ([`kind`]: a parent segment, a segment or a look-alike), which
//! dialect it speaks (the key tables of [`fields`]), and the dialect-independent
//! [`model::Config`] ([`decode`]); a segment file's model ([`segment`]). [`options`] holds the
//! settings where TD's sources disagree.
//!
//! `kind` sits here rather than in `syntax`: it reads the tree's keys, as the decoder does, and
//! decides whether the decoder runs at all.

pub mod decode;
pub mod fields;
pub mod kind;
pub mod model;
pub mod options;
pub mod segment;

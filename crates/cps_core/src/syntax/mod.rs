//! Text → spanned tree: the first stage. Both readers give the same [`tree::Node`], every key
//! and value with its byte range ([`span::Span`]); JSON (`{`/`[` first) is read strictly by our
//! own reader, anything else as YAML.

pub mod json;
pub mod span;
pub mod tree;
#[cfg(feature = "yaml")]
pub mod yaml;

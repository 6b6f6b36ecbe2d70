//! Model → files: the exact API body and tdx YAML ([`convert`]), structural edits spliced into
//! the file's own text ([`edit`]: the form's add, remove and reorder, comments and layout kept),
//! and the JSON Schema generated from the key tables ([`schema`]).
//!
//! `edit` sits here rather than in `syntax`: like `convert` it writes a config, from the checked
//! text and its model, and it verifies each result by checking it again.

pub mod convert;
pub mod edit;
pub mod schema;

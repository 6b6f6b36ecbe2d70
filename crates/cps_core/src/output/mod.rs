//! Model → files: the exact API body and tdx YAML ([`convert`]), and the JSON Schema generated
//! from the key tables ([`schema`]).

pub mod convert;
pub mod schema;

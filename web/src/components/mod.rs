//! The page's panels. Each takes the derived state it shows and callbacks for what it changes.

pub mod diagram;
pub mod files;
pub mod form;
pub mod output;
pub mod path;
pub mod problems;
pub mod settings;

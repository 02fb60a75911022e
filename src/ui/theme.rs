//! The colours the drawing code uses. The theme's data (its colours, the parsing of
//! `themes/*.toml`) lives in [`crate::config::theme`], below the app that holds it.

pub use crate::config::theme::Theme;

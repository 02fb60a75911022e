//! ssm-cockpit: a terminal cockpit for AWS Systems Manager.
//!
//! Layers, lowest first (a module imports only lower ones; docs/architecture.md, "Layers",
//! and tests/layers.rs keep it so):
//! `model` ← `config` ← `aws` ← {`poll`, `session`, `actions`, `export`} ← `app` ← `ui` ←
//! {`tui`, `main`}. `sim` is a world of its own that shares only the session wire codec.

pub mod actions;
pub mod app;
pub mod aws;
pub mod config;
pub mod export;
pub mod model;
pub mod poll;
pub mod session;
pub mod sim;
pub mod tui;
pub mod ui;

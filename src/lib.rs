//! ssm-cockpit: a terminal cockpit for AWS Systems Manager.
//!
//! Layers (arrows point down): `ui` reads `app`; `app` reads `model`; `poll` calls `aws`;
//! `aws` returns `model` types. `model` imports nothing of ours. `sim` is a world of its own.

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

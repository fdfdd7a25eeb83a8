//! The one integration test binary: every test goes through HTTP against the
//! application the library builds.

mod helpers;

mod action_log;
mod actions;
mod auth;
mod committees_meetings;
mod conventions;
mod events;
mod extractions;
mod health_and_docs;
mod lifecycle;

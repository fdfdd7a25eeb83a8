//! The one integration test binary: every test goes through HTTP against the
//! application the library builds.

mod helpers;
mod process;

mod action_log;
mod actions;
mod auth;
mod bad_rows;
mod changes;
mod committees_meetings;
mod concurrency;
mod conventions;
mod events;
mod extractions;
mod faults;
mod health_and_docs;
mod hostile;
mod lifecycle;
mod limits;
mod owners;
mod public;
mod reminders;
mod search;
mod security;
mod statutory;
mod web;
mod webhooks;

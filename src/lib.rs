//! panel-tracker: records the commitments made at Police and Crime Panel
//! meetings and tracks each one until it is done.

pub mod api;
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod extract;
pub mod http;
pub mod logging;
pub mod openapi;
pub mod ops;
pub mod reminders;
pub mod schema;
pub mod startup;
pub mod store;
pub mod web;
pub mod webhooks;

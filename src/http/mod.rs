//! The HTTP conventions of design.md, apart from any one resource: ETags and
//! `If-Match`, cursor pagination, idempotent creates, and problem+json for
//! the errors actix itself raises.

pub mod body;
pub mod cache;
pub mod caller;
pub mod client_address;
pub mod etag;
pub mod idempotency;
pub mod pagination;
pub mod rate_limit;
pub mod routes;

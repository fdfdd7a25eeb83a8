//! Keyset (cursor) pagination. A cursor is the sort key of the last item on
//! the page, handed back to the client as `next_cursor`, so a page costs the same however deep it is
//! and items added meanwhile are neither lost nor repeated.

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::ApiError;

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

/// Checks `limit` against the documented bounds.
pub fn limit(requested: Option<i64>) -> Result<i64, ApiError> {
    limit_within(requested, DEFAULT_LIMIT, MAX_LIMIT)
}

/// Checks `limit` against a list's own bounds (1 to `max`, `default` when absent).
pub fn limit_within(requested: Option<i64>, default: i64, max: i64) -> Result<i64, ApiError> {
    match requested {
        None => Ok(default),
        Some(n) if (1..=max).contains(&n) => Ok(n),
        Some(n) => Err(ApiError::BadRequest(format!("limit must be between 1 and {max} (got {n})"))),
    }
}

/// Encodes a sort key (one or more integers) as a cursor: the integers
/// joined with dots (`42`, or `1517911200000000.7` for time and id). Clients
/// pass back what they were given; any cursor of the documented shape is a
/// position in the list, so a stale or hand-made one is still a valid page.
pub fn encode(key: &[i64]) -> String {
    key.iter().map(i64::to_string).collect::<Vec<_>>().join(".")
}

/// The documented shape of a cursor with `parts` integers (empty means the first page).
pub fn cursor_pattern(parts: usize) -> String {
    let number = "-?[0-9]{1,18}";
    let key = vec![number; parts].join("\\.");
    format!("^({key})?$")
}

/// Decodes a cursor made by [`encode`] with `parts` integers.
pub fn decode(cursor: &str, parts: usize) -> Result<Vec<i64>, ApiError> {
    let invalid = || {
        ApiError::BadRequest(format!("cursor must be {parts} whole number(s) joined by dots, as next_cursor gave it"))
    };
    let key: Vec<i64> = cursor
        .split('.')
        .map(|part| {
            let digits = part.strip_prefix('-').unwrap_or(part);
            if (1..=18).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) {
                part.parse::<i64>().ok()
            } else {
                None
            }
        })
        .collect::<Option<_>>()
        .ok_or_else(invalid)?;
    if key.len() == parts {
        Ok(key)
    } else {
        Err(invalid())
    }
}

/// The sort key a `cursor` query parameter names; absent or empty means the first page.
pub fn after(cursor: Option<&str>, parts: usize) -> Result<Option<Vec<i64>>, ApiError> {
    cursor.filter(|c| !c.is_empty()).map(|c| decode(c, parts)).transpose()
}

/// For lists ordered by id alone: the id the page starts after.
pub fn after_id(cursor: Option<&str>) -> Result<Option<i64>, ApiError> {
    Ok(after(cursor, 1)?.map(|key| key[0]))
}

/// One page of a list.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Page<T> {
    /// The items, in the list's stable order.
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// The page a list request asks for: the two query parameters every list
/// takes. A list without filters reads it alone (`web::Query<PageQuery>`);
/// one with filters reads it beside them with [`ListQuery`]. Either way an
/// unknown parameter is refused with 400.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}

/// The query string of a list with filters: its [`PageQuery`] and its
/// filters `F`, each read with `deny_unknown_fields`. (`#[serde(flatten)]`
/// would lose that, and read numbers in the flattened part as strings.) The
/// query parameters are split by name, then each part is read as a query
/// string of its own, so errors read as `web::Query`'s do.
#[derive(Debug)]
pub struct ListQuery<F> {
    pub page: PageQuery,
    pub filter: F,
}

impl<F: DeserializeOwned> ListQuery<F> {
    /// Reads a raw (still percent-encoded) query string.
    pub fn from_query(query: &str) -> Result<Self, actix_web::error::QueryPayloadError> {
        let pairs = web::Query::<Vec<(String, String)>>::from_query(query)?.into_inner();
        let (page, filter): (Vec<_>, Vec<_>) = pairs.into_iter().partition(|(name, _)| PageQuery::reads(name));
        let encode = |pairs: Vec<(String, String)>| serde_urlencoded::to_string(pairs).unwrap_or_default();
        Ok(ListQuery {
            page: web::Query::<PageQuery>::from_query(&encode(page))?.into_inner(),
            filter: web::Query::<F>::from_query(&encode(filter))?.into_inner(),
        })
    }
}

impl PageQuery {
    /// For lists in id order: the id to start after and the page size, checked.
    pub fn by_id(&self) -> Result<(Option<i64>, i64), ApiError> {
        let limit = limit(self.limit)?;
        Ok((after_id(self.cursor.as_deref())?, limit))
    }

    /// Whether a query parameter is one of the page's.
    fn reads(name: &str) -> bool {
        name == "limit" || name == "cursor"
    }
}

impl<F: DeserializeOwned> FromRequest for ListQuery<F> {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(
            ListQuery::from_query(req.query_string()).map_err(|e| crate::http::body::query_error(e, req)),
        )
    }
}

/// Splits off the probe row fetched beyond `limit` and makes the next cursor from the last item kept.
pub fn page<R, T>(mut rows: Vec<R>, limit: i64, key: impl Fn(&R) -> Vec<i64>, map: impl FnMut(R) -> T) -> Page<T> {
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = if more { rows.last().map(|r| encode(&key(r))) } else { None };
    Page { items: rows.into_iter().map(map).collect(), next_cursor }
}

/// The `Link` header for the next page: the request's own path and query
/// with `cursor` replaced, so every filter carries over.
pub fn next_link(path: &str, query: &str, next_cursor: &str) -> String {
    next_link_by(path, query, "cursor", next_cursor)
}

/// As [`next_link`], for a list whose position parameter is `name` (the
/// change feed's `after`).
pub fn next_link_by(path: &str, query: &str, name: &str, value: &str) -> String {
    let mut pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    pairs.retain(|(k, _)| k != name);
    pairs.push((name.into(), value.into()));
    let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    format!("<{path}?{query}>; rel=\"next\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_forgeries() {
        let c = encode(&[1_514_800_000_000_000, 42]);
        assert_eq!(decode(&c, 2).unwrap(), vec![1_514_800_000_000_000, 42]);
        assert!(decode(&c, 1).is_err());
        assert_eq!(c, "1514800000000000.42");
        assert_eq!(decode("-5.3", 2).unwrap(), vec![-5, 3]);
        for bad in ["x", "1.", ".1", "1..2", "+1", "1 ", "1e3", "9999999999999999999", "0x1", "１"] {
            assert!(decode(bad, 1).is_err() || decode(bad, 2).is_err(), "{bad}");
            assert!(decode(bad, 1).is_err(), "{bad}");
        }
        assert_eq!(cursor_pattern(1), "^(-?[0-9]{1,18})?$");
        assert_eq!(cursor_pattern(2), "^(-?[0-9]{1,18}\\.-?[0-9]{1,18})?$");
        assert_eq!(after_id(None).unwrap(), None);
        assert_eq!(after_id(Some("")).unwrap(), None, "an empty cursor is the first page");
        assert_eq!(after_id(Some(&encode(&[7]))).unwrap(), Some(7));
    }

    #[test]
    fn limits_are_capped() {
        assert_eq!(limit(None).unwrap(), DEFAULT_LIMIT);
        assert_eq!(limit(Some(200)).unwrap(), 200);
        assert!(limit(Some(201)).is_err());
        assert!(limit(Some(0)).is_err());
    }

    #[test]
    fn page_keeps_limit_and_points_past_the_last_item() {
        let p = page(vec![1i64, 2, 3], 2, |r| vec![*r], |r| r);
        assert_eq!(p.items, vec![1, 2]);
        assert_eq!(decode(p.next_cursor.as_deref().unwrap(), 1).unwrap(), vec![2]);
        let last = page(vec![1i64, 2], 2, |r| vec![*r], |r| r);
        assert!(last.next_cursor.is_none());
    }

    #[test]
    fn a_list_query_reads_page_and_filters_and_refuses_the_unknown() {
        #[derive(Debug, Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Filter {
            status: Option<String>,
            committee_id: Option<i64>,
        }
        let q = ListQuery::<Filter>::from_query("status=open&limit=3&committee_id=7&cursor=9").unwrap();
        assert_eq!((q.page.limit, q.page.cursor.as_deref()), (Some(3), Some("9")));
        assert_eq!((q.filter.status.as_deref(), q.filter.committee_id), (Some("open"), Some(7)));
        assert!(ListQuery::<Filter>::from_query("").is_ok());
        for bad in ["colour=red", "limit=abc", "committee_id=x", "limit=1&limit=2", "status=a&status=b"] {
            assert!(ListQuery::<Filter>::from_query(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn link_keeps_filters_and_replaces_cursor() {
        let link = next_link("/api/v1/actions", "status=open&cursor=old&limit=2", "NEW");
        assert_eq!(link, "</api/v1/actions?status=open&limit=2&cursor=NEW>; rel=\"next\"");
    }
}

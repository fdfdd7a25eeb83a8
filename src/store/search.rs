//! Full-text search over actions: SQLite's FTS5 index (`actions_fts`, kept
//! by triggers) or PostgreSQL's generated `search_vector`, each ranked by
//! its own measure (BM25 with the reference and description weighted above
//! the response and the minutes' sentence; `ts_rank_cd` with the same
//! weights set in the column). Only the ranking happens here: the caller
//! applies the usual list filters to the ids, in this order.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Nullable, Text};

use crate::db::AnyConnection;
use crate::domain::search::SearchTerms;
use crate::domain::Error;
use crate::schema::actions as actions_table;
use crate::store::actions::{self, ActionFilter, ActionView};

/// The best this many matches are ranked and can be paged through; a
/// search is for finding, and a search matching more is asked to narrow.
pub const MAX_MATCHES: i64 = 1000;

#[derive(QueryableByName)]
struct Match {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

// The committee, when given, is also in the MATCH expression (a token of
// the index's `committee` column), so FTS5 finds only that committee's
// matches; the join's condition on it stays as a guard.
const SQLITE: &str = "SELECT a.id AS id FROM actions_fts JOIN actions a ON a.id = actions_fts.rowid \
    WHERE actions_fts MATCH ?1 AND (?2 IS NULL OR a.committee_id = ?2) AND (?3 OR a.exempt_paragraph IS NULL) \
    ORDER BY bm25(actions_fts, 10.0, 5.0, 2.0, 1.0, 0.0), a.id LIMIT ?4";

/// The FTS5 expression: the words in the text columns, and the committee.
fn fts5_expression(terms: &SearchTerms, committee_id: Option<i64>) -> String {
    let words = format!("{{reference description response source_sentence}} : ({})", terms.fts5());
    match committee_id {
        Some(id) => format!("committee : \"c{id}\" AND {words}"),
        None => words,
    }
}

const POSTGRES: &str = "SELECT a.id AS id FROM actions a, plainto_tsquery('english', $1) query \
    WHERE a.search_vector @@ query AND ($2::bigint IS NULL OR a.committee_id = $2) \
    AND ($3 OR a.exempt_paragraph IS NULL) \
    ORDER BY ts_rank_cd(a.search_vector, query) DESC, a.id LIMIT $4";

/// The ids of the actions matching every word, best first, at most
/// [`MAX_MATCHES`]; an action whose reference is the text searched for
/// comes first. `with_exempt_text` false (the public) matches exempt
/// actions by their reference only, never by their words.
pub fn ranked_ids(
    conn: &mut AnyConnection,
    terms: &SearchTerms,
    committee_id: Option<i64>,
    with_exempt_text: bool,
) -> Result<Vec<i64>, Error> {
    let mut ids: Vec<i64> = Vec::new();
    if let Some(reference) = terms.as_reference() {
        let mut query =
            actions_table::table.filter(actions_table::reference.eq(reference)).select(actions_table::id).into_boxed();
        if let Some(committee_id) = committee_id {
            query = query.filter(actions_table::committee_id.eq(committee_id));
        }
        ids.extend(query.load::<i64>(conn)?);
    }
    if terms.is_empty() {
        return Ok(ids);
    }
    macro_rules! run {
        ($conn:expr, $sql:expr, $text:expr) => {
            diesel::sql_query($sql)
                .bind::<Text, _>($text)
                .bind::<Nullable<BigInt>, _>(committee_id)
                .bind::<Bool, _>(with_exempt_text)
                .bind::<BigInt, _>(MAX_MATCHES)
                .load::<Match>($conn)?
        };
    }
    let matches = match conn {
        AnyConnection::Sqlite(c) => run!(c, SQLITE, fts5_expression(terms, committee_id)),
        AnyConnection::Postgresql(c) => run!(c, POSTGRES, terms.plain()),
    };
    for m in matches {
        if !ids.contains(&m.id) {
            ids.push(m.id);
        }
    }
    ids.truncate(MAX_MATCHES as usize);
    Ok(ids)
}

/// One page of a search: the actions matching `terms` and `filter`, best
/// first, from position `offset`, with their positions (the next page's
/// cursor); `limit + 1` at most, the extra one saying there is a next page.
/// Paging is by position in the ranking, so a page is stable only while
/// nothing matching changes: a search is for reading, the feed for syncing.
#[allow(clippy::too_many_arguments)]
pub fn page(
    conn: &mut AnyConnection,
    terms: &SearchTerms,
    filter: &ActionFilter,
    with_exempt_text: bool,
    offset: i64,
    limit: i64,
    now: NaiveDateTime,
) -> Result<Vec<(i64, ActionView)>, Error> {
    let ranked = ranked_ids(conn, terms, filter.committee_id, with_exempt_text)?;
    if ranked.is_empty() {
        return Ok(vec![]);
    }
    // The matches that pass the other filters, in rank order. With none but
    // the committee (which the ranking already applied) that is every match,
    // and only the page's actions are read; otherwise the filters decide.
    let mut others = filter.clone();
    others.committee_id = None;
    others.ids = None;
    let passing: Vec<i64> = if others == ActionFilter::default() {
        ranked
    } else {
        let mut filter = filter.clone();
        filter.ids = Some(ranked.clone());
        let kept: std::collections::HashSet<i64> =
            actions::list(conn, &filter, None, MAX_MATCHES, now)?.into_iter().map(|v| v.row.id).collect();
        ranked.into_iter().filter(|id| kept.contains(id)).collect()
    };
    let start = offset.max(0) as usize;
    let wanted: Vec<i64> = passing.iter().skip(start).take(limit as usize + 1).copied().collect();
    if wanted.is_empty() {
        return Ok(vec![]);
    }
    let filter = ActionFilter { ids: Some(wanted.clone()), ..Default::default() };
    let mut views: HashMap<i64, ActionView> =
        actions::list(conn, &filter, None, wanted.len() as i64, now)?.into_iter().map(|v| (v.row.id, v)).collect();
    Ok(wanted
        .into_iter()
        .enumerate()
        .filter_map(|(i, id)| views.remove(&id).map(|v| ((start + i) as i64 + 1, v)))
        .collect())
}

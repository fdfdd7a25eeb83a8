//! Enums in TEXT columns (`domain::sql_text`) on a real connection of
//! each backend: written and read back by name, and an unknown name refused.

use diesel::connection::SimpleConnection;
use diesel::dsl::select;
use diesel::prelude::*;
use diesel::sql_types::Text;
use diesel::IntoSql;

use crate::db::AnyConnection;
use crate::domain::Error;
use crate::domain::{ActionKind, ActionStatus, MeetingStatus, Role};

diesel::table! {
    typed (id) {
        id -> Integer,
        value -> Text,
        maybe -> Nullable<Text>,
    }
}

/// SQLite in memory, and PostgreSQL too when `TEST_DATABASE_URL` names one
/// (a temporary table: nothing is left behind).
fn connections() -> Vec<AnyConnection> {
    let mut all = vec![AnyConnection::Sqlite(SqliteConnection::establish(":memory:").unwrap())];
    if let Ok(url) = std::env::var("TEST_DATABASE_URL") {
        all.push(AnyConnection::Postgresql(PgConnection::establish(&url).expect("TEST_DATABASE_URL is reachable")));
    }
    for conn in &mut all {
        let temporary = if matches!(conn, AnyConnection::Postgresql(_)) { "TEMPORARY" } else { "" };
        conn.batch_execute(&format!(
            "CREATE {temporary} TABLE typed (id INTEGER PRIMARY KEY, value TEXT NOT NULL, maybe TEXT)"
        ))
        .unwrap();
    }
    all
}

/// Writes every variant through the enum (a bound parameter, as an
/// insert and as a filter), reads it back as the enum and as the text
/// the CHECK constraints name.
macro_rules! round_trip {
    ($conn:expr, $ty:ident, $first_id:expr) => {{
        for (offset, variant) in $ty::ALL.into_iter().enumerate() {
            let id = $first_id + offset as i32;
            diesel::insert_into(typed::table)
                .values((typed::id.eq(id), typed::value.eq(variant), typed::maybe.eq(Some(variant))))
                .execute($conn)
                .unwrap();
            let (value, maybe): ($ty, Option<$ty>) =
                typed::table.find(id).select((typed::value, typed::maybe)).first($conn).unwrap();
            assert_eq!((value, maybe), (variant, Some(variant)));
            let stored: String = typed::table.find(id).select(typed::value).first($conn).unwrap();
            assert_eq!(stored, variant.as_str());
            let found: i32 = typed::table.filter(typed::value.eq(variant)).select(typed::id).first($conn).unwrap();
            assert_eq!(found, id);
            assert_eq!(select(variant.into_sql::<Text>()).get_result::<$ty>($conn).unwrap(), variant);
        }
        diesel::update(typed::table.find($first_id)).set(typed::maybe.eq(None::<$ty>)).execute($conn).unwrap();
        let none: Option<$ty> = typed::table.find($first_id).select(typed::maybe).first($conn).unwrap();
        assert_eq!(none, None);
    }};
}

#[test]
fn every_variant_round_trips_through_the_database() {
    for mut conn in connections() {
        let conn = &mut conn;
        round_trip!(conn, ActionStatus, 100);
        round_trip!(conn, ActionKind, 200);
        round_trip!(conn, MeetingStatus, 300);
        round_trip!(conn, Role, 400);
        let rows: i64 = typed::table.count().get_result(conn).unwrap();
        let expected = ActionStatus::ALL.len() + ActionKind::ALL.len() + MeetingStatus::ALL.len() + Role::ALL.len();
        assert_eq!(rows, expected as i64);
    }
}

/// An unknown name is a deserialization error whose cause names the type
/// and the value: an internal error, which the API answers with a generic 500.
#[test]
fn an_unknown_name_is_an_error_not_a_default() {
    macro_rules! refused {
        ($conn:expr, $ty:ident, $bad:expr) => {{
            let error = select($bad.into_sql::<Text>()).get_result::<$ty>($conn).unwrap_err();
            assert!(matches!(error, diesel::result::Error::DeserializationError(_)), "{error:?}");
            // diesel names the field; the cause, below it, names the type and value.
            let cause = std::error::Error::source(&error).map(ToString::to_string).unwrap_or_default();
            assert!(cause.contains(stringify!($ty)) && cause.contains($bad), "{error}: {cause}");
            // Internal: the API answers it with a generic 500 (`error::tests`).
            let refusal = Error::from(error);
            assert!(matches!(refusal, Error::Internal(_)), "{refusal:?}");
        }};
    }
    for mut conn in connections() {
        let conn = &mut conn;
        refused!(conn, ActionStatus, "closed");
        refused!(conn, ActionStatus, "Open");
        refused!(conn, ActionKind, "chase_up");
        refused!(conn, MeetingStatus, "postponed");
        refused!(conn, Role, "superuser");
        refused!(conn, Role, "");
        // Read from a row as well as from a bare expression.
        conn.batch_execute("INSERT INTO typed (id, value) VALUES (1, 'root')").unwrap();
        let error = typed::table.find(1).select(typed::value).first::<Role>(conn).unwrap_err();
        assert!(matches!(error, diesel::result::Error::DeserializationError(_)), "{error:?}");
    }
}

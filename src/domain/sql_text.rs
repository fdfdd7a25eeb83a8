//! Enums stored as TEXT columns: written with their `as_str()` name and read
//! back through `FromStr`. A name the enum does not know is a
//! deserialization error (logged and answered 500 by `error::ApiError`),
//! never a default: a bad row must not pass for a good one.
//!
//! One generic impl per direction serves every backend: PostgreSQL, SQLite
//! and the `MultiBackend` of `db::AnyConnection`. For the multi backend,
//! `str`'s own `ToSql` hands the string to the bind collector of whichever
//! backend the connection is, and `String`'s `FromSql` reads from either, so
//! nothing needs to be written per backend. (`as_str()` gives a
//! `&'static str`, so the multi backend's bind collector, which keeps the
//! `&str` it is handed until the statement runs, borrows nothing short-lived.)
//!
//! diesel wraps the error as "Error deserializing field '<column>'"; the
//! message below, naming the type and the value, is its `source()`.

/// Implements diesel's `ToSql<Text, _>` and `FromSql<Text, _>` for an enum
/// with `fn as_str(self) -> &'static str` and `FromStr`. The enum itself
/// derives `diesel::AsExpression` and `diesel::FromSqlRow` with
/// `#[diesel(sql_type = diesel::sql_types::Text)]`.
macro_rules! text_enum {
    ($($ty:ident),+ $(,)?) => {$(
        impl<DB> diesel::serialize::ToSql<diesel::sql_types::Text, DB> for $ty
        where
            DB: diesel::backend::Backend,
            str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut diesel::serialize::Output<'b, '_, DB>) -> diesel::serialize::Result {
                <str as diesel::serialize::ToSql<diesel::sql_types::Text, DB>>::to_sql(self.as_str(), out)
            }
        }

        impl<DB> diesel::deserialize::FromSql<diesel::sql_types::Text, DB> for $ty
        where
            DB: diesel::backend::Backend,
            String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                let text = <String as diesel::deserialize::FromSql<diesel::sql_types::Text, DB>>::from_sql(bytes)?;
                text.parse::<$ty>()
                    .map_err(|e| format!("{} column holds an unknown value: {e}", stringify!($ty)).into())
            }
        }
    )+};
}

pub(crate) use text_enum;

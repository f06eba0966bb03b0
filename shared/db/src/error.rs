//! Database errors, and turning constraint violations into domain answers.

/// What a query can fail with, beyond "the database said no".
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
    #[error("{0}")]
    Invalid(String),
}

/// Lets a caller name the constraint whose violation means something to its user.
pub trait ResultExt<T> {
    /// Maps a violation of `constraint` (unique, check or foreign key) to `f()`.
    fn on_constraint<E>(self, constraint: &str, f: impl FnOnce() -> E) -> Result<T, E>
    where
        E: From<sqlx::Error>;
}

impl<T> ResultExt<T> for Result<T, sqlx::Error> {
    fn on_constraint<E>(self, constraint: &str, f: impl FnOnce() -> E) -> Result<T, E>
    where
        E: From<sqlx::Error>,
    {
        self.map_err(|err| match &err {
            sqlx::Error::Database(db) if db.constraint() == Some(constraint) => f(),
            _ => E::from(err),
        })
    }
}

/// Whether `err` is a unique violation of `constraint`.
pub fn is_unique_violation(err: &sqlx::Error, constraint: &str) -> bool {
    matches!(err, sqlx::Error::Database(db)
        if db.is_unique_violation() && db.constraint() == Some(constraint))
}

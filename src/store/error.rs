//! The store errors a caller branches on. Everything else is an `anyhow` error with context.

use thiserror::Error;

/// Find it with `error.downcast_ref::<StoreError>()`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StoreError {
    /// A request with this id, or with this idempotency key in its workflow, already exists. The
    /// transaction is still usable (nothing was written), e.g. to look the existing one up.
    #[error("request {id} already exists (same id or same idempotency key)")]
    Conflict { id: String },
    /// The stored request is missing or already at (or past) the version being written: someone
    /// else moved it.
    #[error("request {id} changed underneath (writing version {version})")]
    Stale { id: String, version: i64 },
}

//! MySQL and MariaDB: sqlparser's tree turned into the neutral [`Change`]s (so the contract gate,
//! phases and idempotency rules work unchanged) plus the online-DDL operations (`Op`) that decide
//! the algorithm and lock of every `ALTER TABLE` (`online`).

pub mod classify;
pub mod online;
pub mod replay;

pub use online::{Algorithm, DdlLock, Need, NeedKind, OnlineDdl, Op};

pub use crate::parse::mysql::unquote;

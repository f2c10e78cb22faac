//! Which statements PostgreSQL refuses to run inside a transaction block, by version.

use crate::analyze::change::*;

/// Why a change cannot run inside a transaction block on `pg_version`, if it cannot.
pub fn non_transactional_reason(change: &Change, pg_version: u32) -> Option<&'static str> {
    use Change as C;
    match change {
        C::CreateIndex {
            concurrently: true, ..
        } => Some("CREATE INDEX CONCURRENTLY cannot run inside a transaction block"),
        C::Drop {
            concurrently: true, ..
        } => Some("DROP INDEX CONCURRENTLY cannot run inside a transaction block"),
        C::Reindex {
            concurrently: true, ..
        } => Some("REINDEX CONCURRENTLY cannot run inside a transaction block"),
        C::Reindex {
            whole_database: true,
            ..
        } => Some("REINDEX SCHEMA/DATABASE/SYSTEM cannot run inside a transaction block"),
        C::Vacuum {
            analyze_only: false,
            ..
        } => Some("VACUUM cannot run inside a transaction block"),
        C::Cluster { table: None } => {
            Some("CLUSTER without a table name cannot run inside a transaction block")
        }
        C::AddEnumValue { .. } if pg_version < 12 => Some(
            "ALTER TYPE ... ADD VALUE cannot run inside a transaction block before PostgreSQL 12",
        ),
        C::AlterTable {
            cmd: TableCmd::DetachPartition {
                concurrently: true, ..
            },
            ..
        } => Some("DETACH PARTITION CONCURRENTLY cannot run inside a transaction block"),
        C::Create {
            object: ObjectKind::Database,
            ..
        } => Some("CREATE DATABASE cannot run inside a transaction block"),
        C::Drop {
            object: ObjectKind::Database,
            ..
        } => Some("DROP DATABASE cannot run inside a transaction block"),
        C::AlterSystem => Some("ALTER SYSTEM cannot run inside a transaction block"),
        C::Transaction(TxControl::CommitPrepared | TxControl::RollbackPrepared) => {
            Some("COMMIT/ROLLBACK PREPARED cannot run inside a transaction block")
        }
        _ => None,
    }
}

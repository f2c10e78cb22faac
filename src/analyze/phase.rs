//! Phase (expand / migrate / contract / neutral), destructiveness, idempotency and whether a
//! statement may run inside a transaction block: pure functions of its changes.

use super::change::*;
use super::facts::Phase;

/// The phase of one change, and whether it can destroy data a down migration cannot restore.
pub fn change_phase(change: &Change) -> (Phase, bool) {
    use Change as C;
    match change {
        C::CreateTable { .. }
        | C::CreateIndex { .. }
        | C::Create { .. }
        | C::AddEnumValue { .. } => (Phase::Expand, false),
        C::Drop { object, .. } => {
            // Dropping an index, trigger, policy or rule loses no data (it can be rebuilt),
            // but it still breaks whatever relied on it: contract.
            let data = matches!(
                object,
                ObjectKind::Table
                    | ObjectKind::Column
                    | ObjectKind::MaterializedView
                    | ObjectKind::Sequence
                    | ObjectKind::Type
                    | ObjectKind::Domain
                    | ObjectKind::Schema
                    | ObjectKind::Extension
                    | ObjectKind::ForeignTable
                    | ObjectKind::Database
                    | ObjectKind::Other
            );
            (Phase::Contract, data)
        }
        C::Rename { object, .. } => match object {
            // Renaming an index, constraint, trigger, policy or rule does not change what the
            // application sees.
            ObjectKind::Index
            | ObjectKind::Constraint
            | ObjectKind::Trigger
            | ObjectKind::Policy
            | ObjectKind::Rule => (Phase::Neutral, false),
            _ => (Phase::Contract, false),
        },
        C::RenameEnumValue { .. } => (Phase::Contract, false),
        C::SetSchema { .. } => (Phase::Contract, false),
        C::AlterTable { cmd, .. } => table_cmd_phase(cmd),
        C::Truncate { .. } => (Phase::Contract, true),
        C::Insert { .. } | C::Update { .. } | C::Merge { .. } => (Phase::Migrate, false),
        C::Delete { has_where, .. } => {
            if *has_where {
                (Phase::Migrate, false)
            } else {
                (Phase::Contract, true)
            }
        }
        C::Copy { from, .. } => (
            if *from {
                Phase::Migrate
            } else {
                Phase::Neutral
            },
            false,
        ),
        C::Grant { revoke, .. } => (
            if *revoke {
                Phase::Contract
            } else {
                Phase::Neutral
            },
            false,
        ),
        // Opaque code may do anything; "migrate" is the honest middle ground, and a separate
        // diagnostic says that rollsafe cannot see inside it.
        C::Opaque => (Phase::Migrate, false),
        C::Reindex { .. }
        | C::Vacuum { .. }
        | C::Cluster { .. }
        | C::RefreshMaterializedView { .. }
        | C::Transaction(_)
        | C::Set { .. }
        | C::Reset { .. }
        | C::LockTable { .. }
        | C::Comment { .. }
        | C::AlterSequence { .. }
        | C::AlterSystem
        | C::Other => (Phase::Neutral, false),
    }
}

fn table_cmd_phase(cmd: &TableCmd) -> (Phase, bool) {
    use TableCmd as T;
    match cmd {
        T::AddColumn { .. }
        | T::AddConstraint(_)
        | T::ValidateConstraint { .. }
        | T::DropNotNull { .. } => (Phase::Expand, false),
        T::AttachPartition { .. } | T::AddIdentity { .. } | T::SetDefault { .. } => {
            (Phase::Expand, false)
        }
        T::DropColumn { .. } => (Phase::Contract, true),
        // Refined by the schema replay: a widening change (varchar(100) → varchar(200), → text)
        // is expand. Anything else can fail on or truncate existing data.
        T::AlterColumnType { .. } => (Phase::Contract, true),
        // The old application may still write NULL or rely on the default.
        T::SetNotNull { .. } | T::DropDefault { .. } => (Phase::Contract, false),
        T::DropConstraint { .. } | T::DropIdentity { .. } | T::NoInherit => {
            (Phase::Contract, false)
        }
        T::DetachPartition { .. } => (Phase::Contract, false),
        T::SetLogged
        | T::SetUnlogged
        | T::SetTablespace
        | T::SetAccessMethod
        | T::EnableRowSecurity
        | T::DisableRowSecurity
        | T::DropExpression { .. }
        | T::ColumnSetting { .. }
        | T::Maintenance(_)
        | T::TriggerState
        | T::Other(_) => (Phase::Neutral, false),
    }
}

/// Whether re-running the change after it already succeeded would succeed again.
pub fn change_idempotent(change: &Change) -> bool {
    use Change as C;
    match change {
        C::CreateTable { if_not_exists, .. } | C::CreateIndex { if_not_exists, .. } => {
            *if_not_exists
        }
        C::Create {
            if_not_exists,
            or_replace,
            ..
        } => *if_not_exists || *or_replace,
        C::Drop { if_exists, .. } => *if_exists,
        C::Rename { .. } | C::RenameEnumValue { .. } | C::SetSchema { .. } => false,
        C::AddEnumValue { if_not_exists, .. } => *if_not_exists,
        C::AlterTable { cmd, .. } => match cmd {
            TableCmd::AddColumn { if_not_exists, .. } => *if_not_exists,
            TableCmd::DropColumn { if_exists, .. } | TableCmd::DropConstraint { if_exists, .. } => {
                *if_exists
            }
            TableCmd::AddConstraint(_)
            | TableCmd::AttachPartition { .. }
            | TableCmd::DetachPartition { .. } => false,
            TableCmd::AddIdentity { .. } | TableCmd::DropIdentity { .. } => false,
            _ => true,
        },
        C::Insert { on_conflict, .. } => *on_conflict,
        // COPY FROM appends the same rows again.
        C::Copy { from, .. } => !from,
        C::Opaque => false,
        C::Truncate { .. }
        | C::Update { .. }
        | C::Delete { .. }
        | C::Merge { .. }
        | C::Reindex { .. }
        | C::Vacuum { .. }
        | C::Cluster { .. }
        | C::RefreshMaterializedView { .. }
        | C::Transaction(_)
        | C::Set { .. }
        | C::Reset { .. }
        | C::LockTable { .. }
        | C::Grant { .. }
        | C::Comment { .. }
        | C::AlterSequence { .. }
        | C::AlterSystem
        | C::Other => true,
    }
}

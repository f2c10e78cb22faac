//! Output: human (miette), compact, JSON — and the exit code. Every format reads the same
//! [`Report`](crate::lint::Report); none of them re-analyses anything.

pub mod compact;
pub mod human;
pub mod json;

use crate::analyze::TableCmd;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Compact,
    Json,
}

/// Short description of an ALTER TABLE subcommand for messages.
pub fn describe_cmd(cmd: &TableCmd) -> String {
    match cmd {
        TableCmd::AddColumn { column, .. } => format!("ADD COLUMN {}", column.name),
        TableCmd::DropColumn { column, .. } => format!("DROP COLUMN {column}"),
        TableCmd::AlterColumnType { column, type_name, .. } => format!("ALTER COLUMN {column} TYPE {type_name}"),
        TableCmd::SetNotNull { column } => format!("ALTER COLUMN {column} SET NOT NULL"),
        TableCmd::DropNotNull { column } => format!("ALTER COLUMN {column} DROP NOT NULL"),
        TableCmd::SetDefault { column } => format!("ALTER COLUMN {column} SET DEFAULT"),
        TableCmd::DropDefault { column } => format!("ALTER COLUMN {column} DROP DEFAULT"),
        TableCmd::AddConstraint(c) => format!(
            "ADD {}{}",
            c.name.as_ref().map(|n| format!("CONSTRAINT {n} ")).unwrap_or_default(),
            c.kind.name()
        ),
        TableCmd::ValidateConstraint { name } => format!("VALIDATE CONSTRAINT {name}"),
        TableCmd::DropConstraint { name, .. } => format!("DROP CONSTRAINT {name}"),
        TableCmd::SetLogged => "SET LOGGED".into(),
        TableCmd::SetUnlogged => "SET UNLOGGED".into(),
        TableCmd::SetTablespace => "SET TABLESPACE".into(),
        TableCmd::SetAccessMethod => "SET ACCESS METHOD".into(),
        TableCmd::AttachPartition { partition } => format!("ATTACH PARTITION {partition}"),
        TableCmd::DetachPartition { partition, .. } => format!("DETACH PARTITION {partition}"),
        TableCmd::EnableRowSecurity => "ENABLE ROW LEVEL SECURITY".into(),
        TableCmd::DisableRowSecurity => "DISABLE ROW LEVEL SECURITY".into(),
        TableCmd::AddIdentity { column } => format!("ALTER COLUMN {column} ADD IDENTITY"),
        TableCmd::DropIdentity { column } => format!("ALTER COLUMN {column} DROP IDENTITY"),
        TableCmd::DropExpression { column } => format!("ALTER COLUMN {column} DROP EXPRESSION"),
        TableCmd::NoInherit => "NO INHERIT".into(),
        TableCmd::Maintenance(what) | TableCmd::Other(what) => (*what).to_string(),
        TableCmd::TriggerState => "ENABLE/DISABLE TRIGGER".into(),
    }
}

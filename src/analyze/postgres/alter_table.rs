//! `ALTER TABLE` subcommands, column definitions and constraints, read from the parse tree.

use pg_query::NodeEnum;
use pg_query::protobuf::{self as pb, AlterTableType, ConstrType};

use super::expr::*;
use super::names::*;
use crate::analyze::change::*;

pub(crate) fn table_cmd(cmd: &pb::AlterTableCmd) -> TableCmd {
    use AlterTableType as A;
    let column = cmd.name.clone();
    let subtype = A::try_from(cmd.subtype).unwrap_or(A::Undefined);
    match subtype {
        A::AtAddColumn | A::AtAddColumnToView => {
            match cmd.def.as_deref().and_then(|d| d.node.as_ref()) {
                Some(NodeEnum::ColumnDef(c)) => TableCmd::AddColumn {
                    column: Box::new(column_spec(c)),
                    if_not_exists: cmd.missing_ok,
                },
                _ => TableCmd::Other("ADD COLUMN"),
            }
        }
        A::AtDropColumn => TableCmd::DropColumn {
            column,
            if_exists: cmd.missing_ok,
        },
        A::AtAlterColumnType => {
            let (type_name, using) = match cmd.def.as_deref().and_then(|d| d.node.as_ref()) {
                Some(NodeEnum::ColumnDef(c)) => {
                    let to = c.type_name.as_ref().map(type_name).unwrap_or_default();
                    let computes = c
                        .raw_default
                        .as_deref()
                        .is_some_and(|e| !is_column_cast(e, &column, &to));
                    (to, computes)
                }
                _ => (TypeName::default(), false),
            };
            TableCmd::AlterColumnType {
                column,
                type_name,
                using,
            }
        }
        A::AtSetNotNull => TableCmd::SetNotNull { column },
        A::AtDropNotNull => TableCmd::DropNotNull { column },
        A::AtColumnDefault | A::AtCookedColumnDefault => {
            if let Some(def) = cmd.def.as_deref() {
                TableCmd::SetDefault {
                    column,
                    expr: Some(default_expr(def)),
                }
            } else {
                TableCmd::DropDefault { column }
            }
        }
        A::AtAddConstraint | A::AtReAddConstraint | A::AtAddIndexConstraint => {
            match cmd.def.as_deref().and_then(|d| d.node.as_ref()) {
                Some(NodeEnum::Constraint(c)) => match constraint_spec(c) {
                    Some(spec) => TableCmd::AddConstraint(spec),
                    None => TableCmd::Other("ADD CONSTRAINT"),
                },
                _ => TableCmd::Other("ADD CONSTRAINT"),
            }
        }
        A::AtValidateConstraint => TableCmd::ValidateConstraint { name: column },
        A::AtDropConstraint => TableCmd::DropConstraint {
            name: column,
            if_exists: cmd.missing_ok,
        },
        A::AtSetLogged => TableCmd::SetLogged,
        A::AtSetUnLogged => TableCmd::SetUnlogged,
        A::AtSetTableSpace => TableCmd::SetTablespace,
        A::AtSetAccessMethod => TableCmd::SetAccessMethod,
        A::AtAttachPartition | A::AtDetachPartition | A::AtDetachPartitionFinalize => {
            let (partition, concurrently) = match cmd.def.as_deref().and_then(|d| d.node.as_ref()) {
                Some(NodeEnum::PartitionCmd(p)) => (range_var(p.name.as_ref()), p.concurrent),
                _ => (String::new(), false),
            };
            match subtype {
                A::AtAttachPartition => TableCmd::AttachPartition { partition },
                A::AtDetachPartition => TableCmd::DetachPartition {
                    partition,
                    concurrently,
                },
                _ => TableCmd::Other("DETACH PARTITION FINALIZE"),
            }
        }
        A::AtEnableRowSecurity | A::AtForceRowSecurity => TableCmd::EnableRowSecurity,
        A::AtDisableRowSecurity | A::AtNoForceRowSecurity => TableCmd::DisableRowSecurity,
        A::AtAddIdentity => TableCmd::AddIdentity { column },
        A::AtDropIdentity => TableCmd::DropIdentity { column },
        A::AtDropExpression => TableCmd::DropExpression { column },
        A::AtDropInherit => TableCmd::NoInherit,
        A::AtSetStatistics => TableCmd::ColumnSetting {
            column,
            setting: ColumnSetting::Statistics,
        },
        A::AtClusterOn => TableCmd::Maintenance("CLUSTER ON"),
        A::AtDropCluster => TableCmd::Maintenance("SET WITHOUT CLUSTER"),
        A::AtSetRelOptions | A::AtResetRelOptions | A::AtReplaceRelOptions => {
            // PostgreSQL takes only SHARE UPDATE EXCLUSIVE when every option changed is one of
            // the vacuum/planner parameters; anything else takes ACCESS EXCLUSIVE.
            let options = match cmd.def.as_deref().and_then(|d| d.node.as_ref()) {
                Some(NodeEnum::List(l)) => l.items.as_slice(),
                _ => &[],
            };
            let light = !options.is_empty()
                && options.iter().all(|o| match o.node.as_ref() {
                    Some(NodeEnum::DefElem(d)) => {
                        light_storage_parameter(&d.defnamespace, &d.defname)
                    }
                    _ => false,
                });
            if light {
                TableCmd::Maintenance("SET (storage parameters)")
            } else {
                TableCmd::Other("SET (storage parameters)")
            }
        }
        // A trigger or rule set to fire only under `session_replication_role = replica` stops
        // firing for the application's writes, as a disabled one does.
        A::AtEnableReplicaTrig => trigger_state(true, "ENABLE REPLICA TRIGGER"),
        A::AtDisableTrig => trigger_state(true, "DISABLE TRIGGER"),
        A::AtDisableTrigAll => trigger_state(true, "DISABLE TRIGGER ALL"),
        A::AtDisableTrigUser => trigger_state(true, "DISABLE TRIGGER USER"),
        A::AtEnableReplicaRule => trigger_state(true, "ENABLE REPLICA RULE"),
        A::AtDisableRule => trigger_state(true, "DISABLE RULE"),
        A::AtEnableTrig => trigger_state(false, "ENABLE TRIGGER"),
        A::AtEnableAlwaysTrig => trigger_state(false, "ENABLE ALWAYS TRIGGER"),
        A::AtEnableTrigAll => trigger_state(false, "ENABLE TRIGGER ALL"),
        A::AtEnableTrigUser => trigger_state(false, "ENABLE TRIGGER USER"),
        A::AtEnableRule => trigger_state(false, "ENABLE RULE"),
        A::AtEnableAlwaysRule => trigger_state(false, "ENABLE ALWAYS RULE"),
        A::AtSetOptions | A::AtResetOptions => TableCmd::ColumnSetting {
            column,
            setting: ColumnSetting::Options,
        },
        A::AtSetStorage => TableCmd::ColumnSetting {
            column,
            setting: ColumnSetting::Storage,
        },
        A::AtSetCompression => TableCmd::ColumnSetting {
            column,
            setting: ColumnSetting::Compression,
        },
        A::AtSetExpression => TableCmd::ColumnSetting {
            column,
            setting: ColumnSetting::Expression,
        },
        // `ALTER COLUMN id RESTART [WITH n]` moves the identity's sequence, like `ALTER SEQUENCE
        // ... RESTART`.
        A::AtSetIdentity => match cmd.def.as_deref().and_then(|d| d.node.as_ref()) {
            Some(NodeEnum::List(l)) if l.items.iter().any(|o| def_name(o) == Some("restart")) => {
                TableCmd::RestartIdentity { column }
            }
            _ => TableCmd::Other("SET IDENTITY"),
        },
        A::AtChangeOwner => TableCmd::OwnerTo,
        A::AtReplicaIdentity => TableCmd::Other("REPLICA IDENTITY"),
        A::AtAddInherit => TableCmd::Other("INHERIT"),
        A::AtAddOf => TableCmd::Other("OF"),
        A::AtDropOf => TableCmd::Other("NOT OF"),
        A::AtGenericOptions | A::AtAlterColumnGenericOptions => TableCmd::Other("OPTIONS"),
        A::AtAlterConstraint => TableCmd::Other("ALTER CONSTRAINT"),
        A::AtAddIndex
        | A::AtReAddIndex
        | A::AtReAddDomainConstraint
        | A::AtReAddComment
        | A::AtDropOids
        | A::AtReAddStatistics
        | A::Undefined => TableCmd::Other("ALTER TABLE"),
    }
}

/// A trigger or rule enabled or disabled; one set to fire only under `session_replication_role
/// = replica` stops firing for the application's writes, as a disabled one does (`stops`).
fn trigger_state(stops: bool, label: &'static str) -> TableCmd {
    TableCmd::TriggerState { stops, label }
}

/// Storage parameters that `ALTER TABLE ... SET (...)` changes under SHARE UPDATE EXCLUSIVE
/// (PostgreSQL's reloptions table gives each its lock level).
pub(crate) fn light_storage_parameter(namespace: &str, name: &str) -> bool {
    (namespace.is_empty() || namespace == "toast")
        && (name.starts_with("autovacuum_")
            || matches!(
                name,
                "fillfactor"
                    | "parallel_workers"
                    | "vacuum_index_cleanup"
                    | "vacuum_truncate"
                    | "log_autovacuum_min_duration"
            ))
}

pub(crate) fn column_spec(c: &pb::ColumnDef) -> ColumnSpec {
    let mut spec = ColumnSpec {
        name: c.colname.clone(),
        type_name: c.type_name.as_ref().map(type_name).unwrap_or_default(),
        not_null: c.is_not_null,
        default: c.raw_default.as_deref().map(default_expr),
        generated: Generated::No,
        constraints: Vec::new(),
    };
    if !c.identity.is_empty() {
        spec.generated = Generated::Identity;
    }
    for node in &c.constraints {
        let Some(NodeEnum::Constraint(con)) = node.node.as_ref() else {
            continue;
        };
        match ConstrType::try_from(con.contype).unwrap_or(ConstrType::Undefined) {
            ConstrType::ConstrNotnull => spec.not_null = true,
            ConstrType::ConstrDefault => spec.default = con.raw_expr.as_deref().map(default_expr),
            ConstrType::ConstrIdentity => spec.generated = Generated::Identity,
            ConstrType::ConstrGenerated => {
                // PostgreSQL 18 has VIRTUAL generated columns; STORED is the only kind before.
                spec.generated = if con.generated_kind == "v" {
                    Generated::Virtual
                } else {
                    Generated::Stored
                }
            }
            ConstrType::ConstrPrimary => {
                spec.not_null = true;
                spec.constraints.extend(constraint_spec(con).map(|mut s| {
                    s.columns = vec![c.colname.clone()];
                    s
                }));
            }
            _ => spec.constraints.extend(constraint_spec(con).map(|mut s| {
                if s.columns.is_empty() {
                    s.columns = vec![c.colname.clone()];
                }
                s
            })),
        }
    }
    if spec.is_serial() {
        spec.default = Some(DefaultExpr {
            volatility: Volatility::Volatile,
            function: Some("nextval".into()),
            is_null: false,
            // Named by the schema replay, which knows the table (`<table>_<column>_seq`).
            sequence: None,
        });
    }
    spec
}

/// `USING col` or `USING col::type` (the target type): the same conversion as no `USING`.
fn is_column_cast(expr: &pb::Node, column: &str, to: &TypeName) -> bool {
    match expr.node.as_ref() {
        Some(NodeEnum::ColumnRef(r)) => {
            r.fields.len() == 1 && r.fields.first().is_some_and(|f| node_name(f) == column)
        }
        Some(NodeEnum::TypeCast(c)) => {
            c.type_name.as_ref().is_some_and(|t| type_name(t) == *to)
                && c.arg
                    .as_deref()
                    .is_some_and(|a| is_column_cast(a, column, to))
        }
        _ => false,
    }
}

pub(crate) fn constraint_spec(c: &pb::Constraint) -> Option<ConstraintSpec> {
    let kind = match ConstrType::try_from(c.contype).ok()? {
        ConstrType::ConstrPrimary => ConstraintKind::PrimaryKey,
        ConstrType::ConstrUnique => ConstraintKind::Unique,
        ConstrType::ConstrCheck => ConstraintKind::Check,
        ConstrType::ConstrForeign => ConstraintKind::ForeignKey,
        ConstrType::ConstrExclusion => ConstraintKind::Exclusion,
        ConstrType::ConstrNotnull => ConstraintKind::NotNull,
        _ => return None,
    };
    let mut columns: Vec<String> = c.keys.iter().map(node_name).collect();
    if kind == ConstraintKind::ForeignKey {
        columns = c.fk_attrs.iter().map(node_name).collect();
    }
    // A CHECK's columns are the ones its expression reads (none when it cannot tell).
    if kind == ConstraintKind::Check && columns.is_empty() {
        columns = c
            .raw_expr
            .as_deref()
            .and_then(check_columns)
            .unwrap_or_default();
    }
    Some(ConstraintSpec {
        kind,
        name: non_empty(&c.conname),
        not_valid: c.skip_validation,
        always_false: kind == ConstraintKind::Check
            && c.raw_expr.as_deref().and_then(constant_truth) == Some(false),
        using_index: non_empty(&c.indexname),
        references: c.pktable.as_ref().map(rv_name),
        columns,
        proves_not_null: if kind == ConstraintKind::Check {
            c.raw_expr.as_deref().and_then(is_not_null_test)
        } else {
            None
        },
    })
}

//! From a pg_query parse tree to the statement's kind label and its [`Change`]s. The match over
//! statement nodes is exhaustive over the kinds PostgreSQL has; a node this code does not know
//! is reported as unknown, never silently called safe.

use pg_query::NodeEnum;
use pg_query::protobuf::{
    self as pb, AlterTableType, ConstrType, DropBehavior, ObjectType, ReindexObjectType,
    TransactionStmtKind, VariableSetKind,
};

use super::change::*;
use super::facts::LockLevel;

pub struct Classified {
    /// Human label such as `CREATE INDEX` or `ALTER TABLE`.
    pub kind: String,
    /// False when rollsafe does not know what the statement does.
    pub known: bool,
    pub changes: Vec<Change>,
}

fn known(kind: impl Into<String>, changes: Vec<Change>) -> Classified {
    Classified {
        kind: kind.into(),
        known: true,
        changes,
    }
}

pub fn classify(node: &NodeEnum) -> Classified {
    use NodeEnum as N;
    match node {
        N::CreateStmt(s) => {
            let table = range_var(s.relation.as_ref());
            let mut columns = Vec::new();
            let mut constraints = Vec::new();
            for elt in &s.table_elts {
                match elt.node.as_ref() {
                    Some(N::ColumnDef(c)) => columns.push(column_spec(c)),
                    Some(N::Constraint(c)) => constraints.extend(constraint_spec(c)),
                    _ => {}
                }
            }
            let partition_of = s
                .partbound
                .as_ref()
                .and_then(|_| s.inh_relations.first())
                .and_then(|n| match n.node.as_ref() {
                    Some(N::RangeVar(r)) => Some(rv_name(r)),
                    _ => None,
                });
            known(
                "CREATE TABLE",
                vec![Change::CreateTable {
                    table,
                    if_not_exists: s.if_not_exists,
                    columns,
                    constraints,
                    partition_of,
                    as_select: false,
                }],
            )
        }
        N::CreateTableAsStmt(s) => {
            let into = s.into.as_ref();
            let name = range_var(into.and_then(|i| i.rel.as_ref()));
            if s.objtype == ObjectType::ObjectMatview as i32 {
                known(
                    "CREATE MATERIALIZED VIEW",
                    vec![Change::Create {
                        object: ObjectKind::MaterializedView,
                        name,
                        on_table: None,
                        if_not_exists: s.if_not_exists,
                        or_replace: false,
                    }],
                )
            } else {
                known(
                    "CREATE TABLE AS",
                    vec![Change::CreateTable {
                        table: name,
                        if_not_exists: s.if_not_exists,
                        columns: Vec::new(),
                        constraints: Vec::new(),
                        partition_of: None,
                        as_select: true,
                    }],
                )
            }
        }
        N::IndexStmt(s) => known(
            "CREATE INDEX",
            vec![Change::CreateIndex {
                index: non_empty(&s.idxname),
                table: range_var(s.relation.as_ref()),
                concurrently: s.concurrent,
                unique: s.unique,
                if_not_exists: s.if_not_exists,
                columns: s
                    .index_params
                    .iter()
                    .map(|p| match p.node.as_ref() {
                        Some(NodeEnum::IndexElem(e)) if !e.name.is_empty() => e.name.clone(),
                        _ => "(expr)".to_string(),
                    })
                    .collect(),
                method: non_empty(&s.access_method).unwrap_or_else(|| "btree".into()),
            }],
        ),
        N::ViewStmt(s) => known(
            "CREATE VIEW",
            vec![create(
                ObjectKind::View,
                range_var(s.view.as_ref()),
                false,
                s.replace,
            )],
        ),
        N::CreateFunctionStmt(s) => {
            let (kind, object) = if s.is_procedure {
                ("CREATE PROCEDURE", ObjectKind::Procedure)
            } else {
                ("CREATE FUNCTION", ObjectKind::Function)
            };
            known(
                kind,
                vec![create(object, names(&s.funcname), false, s.replace)],
            )
        }
        N::CreateSeqStmt(s) => known(
            "CREATE SEQUENCE",
            vec![create(
                ObjectKind::Sequence,
                range_var(s.sequence.as_ref()),
                s.if_not_exists,
                false,
            )],
        ),
        N::CreateEnumStmt(s) => known(
            "CREATE TYPE",
            vec![create(ObjectKind::Type, names(&s.type_name), false, false)],
        ),
        N::CompositeTypeStmt(s) => known(
            "CREATE TYPE",
            vec![create(
                ObjectKind::Type,
                range_var(s.typevar.as_ref()),
                false,
                false,
            )],
        ),
        N::CreateRangeStmt(s) => known(
            "CREATE TYPE",
            vec![create(ObjectKind::Type, names(&s.type_name), false, false)],
        ),
        N::CreateDomainStmt(s) => known(
            "CREATE DOMAIN",
            vec![create(
                ObjectKind::Domain,
                names(&s.domainname),
                false,
                false,
            )],
        ),
        N::DefineStmt(s) => {
            let object = match ObjectType::try_from(s.kind) {
                Ok(ObjectType::ObjectAggregate) => ObjectKind::Aggregate,
                Ok(ObjectType::ObjectType) => ObjectKind::Type,
                _ => ObjectKind::Other,
            };
            known(
                format!("CREATE {}", object_type_label(s.kind)),
                vec![create(
                    object,
                    names(&s.defnames),
                    s.if_not_exists,
                    s.replace,
                )],
            )
        }
        N::CreateSchemaStmt(s) => known(
            "CREATE SCHEMA",
            vec![create(
                ObjectKind::Schema,
                s.schemaname.clone(),
                s.if_not_exists,
                false,
            )],
        ),
        N::CreateExtensionStmt(s) => known(
            "CREATE EXTENSION",
            vec![create(
                ObjectKind::Extension,
                s.extname.clone(),
                s.if_not_exists,
                false,
            )],
        ),
        N::CreateTrigStmt(s) => known(
            "CREATE TRIGGER",
            vec![Change::Create {
                object: ObjectKind::Trigger,
                name: s.trigname.clone(),
                on_table: Some(range_var(s.relation.as_ref())),
                if_not_exists: false,
                or_replace: s.replace,
            }],
        ),
        N::CreatePolicyStmt(s) => known(
            "CREATE POLICY",
            vec![Change::Create {
                object: ObjectKind::Policy,
                name: s.policy_name.clone(),
                on_table: Some(range_var(s.table.as_ref())),
                if_not_exists: false,
                or_replace: false,
            }],
        ),
        N::RuleStmt(s) => known(
            "CREATE RULE",
            vec![Change::Create {
                object: ObjectKind::Rule,
                name: s.rulename.clone(),
                on_table: Some(range_var(s.relation.as_ref())),
                if_not_exists: false,
                or_replace: s.replace,
            }],
        ),
        N::CreateForeignTableStmt(s) => known(
            "CREATE FOREIGN TABLE",
            vec![create(
                ObjectKind::ForeignTable,
                range_var(s.base_stmt.as_ref().and_then(|b| b.relation.as_ref())),
                s.base_stmt.as_ref().is_some_and(|b| b.if_not_exists),
                false,
            )],
        ),
        N::CreatedbStmt(s) => known(
            "CREATE DATABASE",
            vec![create(ObjectKind::Database, s.dbname.clone(), false, false)],
        ),
        N::CreateRoleStmt(s) => known(
            "CREATE ROLE",
            vec![create(ObjectKind::Role, s.role.clone(), false, false)],
        ),
        N::CreateStatsStmt(s) => known(
            "CREATE STATISTICS",
            vec![create(
                ObjectKind::Other,
                names(&s.defnames),
                s.if_not_exists,
                false,
            )],
        ),
        N::CreateAmStmt(_)
        | N::CreateCastStmt(_)
        | N::CreateConversionStmt(_)
        | N::CreateEventTrigStmt(_)
        | N::CreateFdwStmt(_)
        | N::CreateForeignServerStmt(_)
        | N::CreateOpClassStmt(_)
        | N::CreateOpFamilyStmt(_)
        | N::CreatePlangStmt(_)
        | N::CreatePublicationStmt(_)
        | N::CreateSubscriptionStmt(_)
        | N::CreateTableSpaceStmt(_)
        | N::CreateTransformStmt(_)
        | N::CreateUserMappingStmt(_)
        | N::ImportForeignSchemaStmt(_) => {
            let label = create_label(node);
            let if_not_exists = create_if_not_exists(node);
            known(
                label,
                vec![create(
                    ObjectKind::Other,
                    String::new(),
                    if_not_exists,
                    false,
                )],
            )
        }

        N::DropStmt(s) => {
            let object = object_kind(s.remove_type);
            let (names, on_table) = drop_names(s);
            known(
                format!("DROP {}", object_type_label(s.remove_type)),
                vec![Change::Drop {
                    object,
                    names,
                    if_exists: s.missing_ok,
                    cascade: s.behavior == DropBehavior::DropCascade as i32,
                    concurrently: s.concurrent,
                    on_table,
                }],
            )
        }
        N::DropdbStmt(s) => known(
            "DROP DATABASE",
            vec![drop(ObjectKind::Database, s.dbname.clone(), s.missing_ok)],
        ),
        N::DropRoleStmt(s) => known(
            "DROP ROLE",
            vec![drop(ObjectKind::Role, String::new(), s.missing_ok)],
        ),
        N::DropOwnedStmt(_) => known(
            "DROP OWNED",
            vec![drop(ObjectKind::Other, String::new(), false)],
        ),
        N::DropSubscriptionStmt(s) => known(
            "DROP SUBSCRIPTION",
            vec![drop(ObjectKind::Other, s.subname.clone(), s.missing_ok)],
        ),
        N::DropTableSpaceStmt(s) => known(
            "DROP TABLESPACE",
            vec![drop(
                ObjectKind::Other,
                s.tablespacename.clone(),
                s.missing_ok,
            )],
        ),
        N::DropUserMappingStmt(s) => known(
            "DROP USER MAPPING",
            vec![drop(ObjectKind::Other, String::new(), s.missing_ok)],
        ),
        N::TruncateStmt(s) => known(
            "TRUNCATE",
            vec![Change::Truncate {
                tables: s.relations.iter().filter_map(node_range_var).collect(),
            }],
        ),

        N::RenameStmt(s) => classify_rename(s),
        N::AlterObjectSchemaStmt(s) => known(
            format!("ALTER {} SET SCHEMA", object_type_label(s.object_type)),
            vec![Change::SetSchema {
                object: object_kind(s.object_type),
                name: s
                    .relation
                    .as_ref()
                    .map(rv_name)
                    .unwrap_or_else(|| s.object.as_deref().map(node_name).unwrap_or_default()),
            }],
        ),
        N::AlterTableStmt(s) => {
            let table = range_var(s.relation.as_ref());
            let changes = s
                .cmds
                .iter()
                .filter_map(|c| match c.node.as_ref() {
                    Some(N::AlterTableCmd(cmd)) => Some(Change::AlterTable {
                        table: table.clone(),
                        cmd: table_cmd(cmd),
                    }),
                    _ => None,
                })
                .collect();
            known(format!("ALTER {}", object_type_label(s.objtype)), changes)
        }
        N::AlterEnumStmt(s) => {
            let type_name = names(&s.type_name);
            if s.old_val.is_empty() {
                known(
                    "ALTER TYPE ADD VALUE",
                    vec![Change::AddEnumValue {
                        type_name,
                        value: s.new_val.clone(),
                        if_not_exists: s.skip_if_new_val_exists,
                    }],
                )
            } else {
                known(
                    "ALTER TYPE RENAME VALUE",
                    vec![Change::RenameEnumValue {
                        type_name,
                        from: s.old_val.clone(),
                        to: s.new_val.clone(),
                    }],
                )
            }
        }

        N::InsertStmt(s) => known(
            "INSERT",
            vec![Change::Insert {
                table: range_var(s.relation.as_ref()),
                on_conflict: s.on_conflict_clause.is_some(),
                from_query: !matches!(
                    s.select_stmt.as_deref().and_then(|n| n.node.as_ref()),
                    Some(N::SelectStmt(sel)) if !sel.values_lists.is_empty()
                ),
            }],
        ),
        N::UpdateStmt(s) => known(
            "UPDATE",
            vec![Change::Update {
                table: range_var(s.relation.as_ref()),
                has_where: s.where_clause.is_some(),
            }],
        ),
        N::DeleteStmt(s) => known(
            "DELETE",
            vec![Change::Delete {
                table: range_var(s.relation.as_ref()),
                has_where: s.where_clause.is_some(),
            }],
        ),
        N::MergeStmt(s) => known(
            "MERGE",
            vec![Change::Merge {
                table: range_var(s.relation.as_ref()),
            }],
        ),
        N::CopyStmt(s) => known(
            if s.is_from { "COPY FROM" } else { "COPY TO" },
            vec![Change::Copy {
                table: s.relation.as_ref().map(rv_name),
                from: s.is_from,
            }],
        ),
        N::SelectStmt(s) => {
            if let Some(into) = &s.into_clause {
                known(
                    "SELECT INTO",
                    vec![Change::CreateTable {
                        table: range_var(into.rel.as_ref()),
                        if_not_exists: false,
                        columns: Vec::new(),
                        constraints: Vec::new(),
                        partition_of: None,
                        as_select: true,
                    }],
                )
            } else {
                known("SELECT", vec![Change::Other])
            }
        }

        N::ReindexStmt(s) => {
            let kind = ReindexObjectType::try_from(s.kind).unwrap_or(ReindexObjectType::Undefined);
            let concurrently = s.params.iter().any(|p| def_name(p) == Some("concurrently"));
            let target = s
                .relation
                .as_ref()
                .map(rv_name)
                .unwrap_or_else(|| s.name.clone());
            known(
                "REINDEX",
                vec![Change::Reindex {
                    target,
                    table: kind != ReindexObjectType::ReindexObjectIndex,
                    whole_database: matches!(
                        kind,
                        ReindexObjectType::ReindexObjectSchema
                            | ReindexObjectType::ReindexObjectSystem
                            | ReindexObjectType::ReindexObjectDatabase
                    ),
                    concurrently,
                }],
            )
        }
        N::VacuumStmt(s) => {
            let full = s.options.iter().any(|o| def_name(o) == Some("full"));
            let tables = s
                .rels
                .iter()
                .filter_map(|r| match r.node.as_ref() {
                    Some(N::VacuumRelation(v)) => v.relation.as_ref().map(rv_name),
                    _ => None,
                })
                .collect();
            known(
                if s.is_vacuumcmd { "VACUUM" } else { "ANALYZE" },
                vec![Change::Vacuum {
                    tables,
                    full,
                    analyze_only: !s.is_vacuumcmd,
                }],
            )
        }
        N::ClusterStmt(s) => known(
            "CLUSTER",
            vec![Change::Cluster {
                table: s.relation.as_ref().map(rv_name),
            }],
        ),
        N::RefreshMatViewStmt(s) => known(
            "REFRESH MATERIALIZED VIEW",
            vec![Change::RefreshMaterializedView {
                name: range_var(s.relation.as_ref()),
                concurrently: s.concurrent,
            }],
        ),
        N::TransactionStmt(s) => {
            use TransactionStmtKind as K;
            let (label, tx) = match K::try_from(s.kind).unwrap_or(K::Undefined) {
                K::TransStmtBegin | K::TransStmtStart | K::Undefined => ("BEGIN", TxControl::Begin),
                K::TransStmtCommit => ("COMMIT", TxControl::Commit),
                K::TransStmtRollback => ("ROLLBACK", TxControl::Rollback),
                K::TransStmtSavepoint => ("SAVEPOINT", TxControl::Savepoint),
                K::TransStmtRelease => ("RELEASE SAVEPOINT", TxControl::Release),
                K::TransStmtRollbackTo => ("ROLLBACK TO SAVEPOINT", TxControl::RollbackTo),
                K::TransStmtPrepare => ("PREPARE TRANSACTION", TxControl::PrepareTransaction),
                K::TransStmtCommitPrepared => ("COMMIT PREPARED", TxControl::CommitPrepared),
                K::TransStmtRollbackPrepared => ("ROLLBACK PREPARED", TxControl::RollbackPrepared),
            };
            known(label, vec![Change::Transaction(tx)])
        }
        N::VariableSetStmt(s) => {
            let kind = VariableSetKind::try_from(s.kind).unwrap_or(VariableSetKind::Undefined);
            match kind {
                VariableSetKind::VarReset | VariableSetKind::VarResetAll => known(
                    "RESET",
                    vec![Change::Reset {
                        name: s.name.to_ascii_lowercase(),
                    }],
                ),
                _ => known(
                    "SET",
                    vec![Change::Set {
                        name: s.name.to_ascii_lowercase(),
                        value: s.args.iter().map(const_text).collect::<Vec<_>>().join(", "),
                        local: s.is_local,
                    }],
                ),
            }
        }
        N::LockStmt(s) => known(
            "LOCK",
            vec![Change::LockTable {
                tables: s.relations.iter().filter_map(node_range_var).collect(),
                mode: lock_mode(s.mode),
            }],
        ),
        N::GrantStmt(s) => known(
            if s.is_grant { "GRANT" } else { "REVOKE" },
            vec![Change::Grant {
                revoke: !s.is_grant,
                tables: if s.objtype == ObjectType::ObjectTable as i32 {
                    s.objects.iter().filter_map(node_range_var).collect()
                } else {
                    Vec::new()
                },
            }],
        ),
        N::GrantRoleStmt(s) => known(
            if s.is_grant {
                "GRANT ROLE"
            } else {
                "REVOKE ROLE"
            },
            vec![Change::Grant {
                revoke: !s.is_grant,
                tables: Vec::new(),
            }],
        ),
        N::CommentStmt(s) => known(
            "COMMENT",
            vec![Change::Comment {
                relation: comment_relation(s),
            }],
        ),
        N::SecLabelStmt(_) => known("SECURITY LABEL", vec![Change::Comment { relation: None }]),
        N::AlterSeqStmt(s) => known(
            "ALTER SEQUENCE",
            vec![Change::AlterSequence {
                name: range_var(s.sequence.as_ref()),
            }],
        ),
        N::AlterSystemStmt(_) => known("ALTER SYSTEM", vec![Change::AlterSystem]),
        N::DoStmt(_) => known("DO", vec![Change::Opaque]),
        N::CallStmt(_) => known("CALL", vec![Change::Opaque]),

        // Statements whose schema effect is neutral for compatibility: settings, ownership,
        // session and maintenance commands, and ALTERs of non-table objects.
        N::AlterCollationStmt(_)
        | N::AlterDatabaseRefreshCollStmt(_)
        | N::AlterDatabaseSetStmt(_)
        | N::AlterDatabaseStmt(_)
        | N::AlterDefaultPrivilegesStmt(_)
        | N::AlterDomainStmt(_)
        | N::AlterEventTrigStmt(_)
        | N::AlterExtensionContentsStmt(_)
        | N::AlterExtensionStmt(_)
        | N::AlterFdwStmt(_)
        | N::AlterForeignServerStmt(_)
        | N::AlterFunctionStmt(_)
        | N::AlterObjectDependsStmt(_)
        | N::AlterOpFamilyStmt(_)
        | N::AlterOperatorStmt(_)
        | N::AlterOwnerStmt(_)
        | N::AlterPolicyStmt(_)
        | N::AlterPublicationStmt(_)
        | N::AlterRoleSetStmt(_)
        | N::AlterRoleStmt(_)
        | N::AlterStatsStmt(_)
        | N::AlterSubscriptionStmt(_)
        | N::AlterTableMoveAllStmt(_)
        | N::AlterTableSpaceOptionsStmt(_)
        | N::AlterTsconfigurationStmt(_)
        | N::AlterTsdictionaryStmt(_)
        | N::AlterTypeStmt(_)
        | N::AlterUserMappingStmt(_)
        | N::CheckPointStmt(_)
        | N::ClosePortalStmt(_)
        | N::ConstraintsSetStmt(_)
        | N::DeallocateStmt(_)
        | N::DeclareCursorStmt(_)
        | N::DiscardStmt(_)
        | N::ExecuteStmt(_)
        | N::ExplainStmt(_)
        | N::FetchStmt(_)
        | N::ListenStmt(_)
        | N::LoadStmt(_)
        | N::NotifyStmt(_)
        | N::PrepareStmt(_)
        | N::ReassignOwnedStmt(_)
        | N::ReplicaIdentityStmt(_)
        | N::UnlistenStmt(_)
        | N::VariableShowStmt(_) => known(neutral_label(node), vec![Change::Other]),

        other => Classified {
            kind: node_type_name(other),
            known: false,
            changes: Vec::new(),
        },
    }
}

fn classify_rename(s: &pb::RenameStmt) -> Classified {
    let object = object_kind(s.rename_type);
    let relation = s.relation.as_ref().map(rv_name);
    let from = match object {
        ObjectKind::Column
        | ObjectKind::Constraint
        | ObjectKind::Trigger
        | ObjectKind::Policy
        | ObjectKind::Rule => s.subname.clone(),
        _ => relation
            .clone()
            .unwrap_or_else(|| s.object.as_deref().map(node_name).unwrap_or_default()),
    };
    let object = if s.rename_type == ObjectType::ObjectTabconstraint as i32
        || s.rename_type == ObjectType::ObjectDomconstraint as i32
    {
        ObjectKind::Constraint
    } else {
        object
    };
    known(
        format!(
            "ALTER {} RENAME",
            object_type_label(if object == ObjectKind::Column {
                s.relation_type
            } else {
                s.rename_type
            })
        ),
        vec![Change::Rename {
            object,
            relation,
            from,
            to: s.newname.clone(),
        }],
    )
}

fn table_cmd(cmd: &pb::AlterTableCmd) -> TableCmd {
    use AlterTableType as A;
    let column = cmd.name.clone();
    let subtype = A::try_from(cmd.subtype).unwrap_or(A::Undefined);
    match subtype {
        A::AtAddColumn | A::AtAddColumnToView => {
            match cmd.def.as_deref().and_then(|d| d.node.as_ref()) {
                Some(NodeEnum::ColumnDef(c)) => TableCmd::AddColumn {
                    column: column_spec(c),
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
                Some(NodeEnum::ColumnDef(c)) => (
                    c.type_name.as_ref().map(type_name).unwrap_or_default(),
                    c.raw_default.is_some(),
                ),
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
            if cmd.def.is_some() {
                TableCmd::SetDefault { column }
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
        A::AtEnableTrig
        | A::AtEnableAlwaysTrig
        | A::AtEnableReplicaTrig
        | A::AtDisableTrig
        | A::AtEnableTrigAll
        | A::AtDisableTrigAll
        | A::AtEnableTrigUser
        | A::AtDisableTrigUser
        | A::AtEnableRule
        | A::AtEnableAlwaysRule
        | A::AtEnableReplicaRule
        | A::AtDisableRule => TableCmd::TriggerState,
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
        A::AtSetIdentity => TableCmd::Other("SET IDENTITY"),
        A::AtChangeOwner => TableCmd::Other("OWNER TO"),
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

/// Storage parameters that `ALTER TABLE ... SET (...)` changes under SHARE UPDATE EXCLUSIVE
/// (PostgreSQL's reloptions table gives each its lock level).
fn light_storage_parameter(namespace: &str, name: &str) -> bool {
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

/// The relation a `COMMENT ON` statement locks: the table, view or sequence itself, or a
/// column's table.
fn comment_relation(s: &pb::CommentStmt) -> Option<String> {
    let parts: Vec<String> = match s.object.as_deref()?.node.as_ref()? {
        NodeEnum::List(l) => l.items.iter().map(node_name).collect(),
        NodeEnum::String(v) => vec![v.sval.clone()],
        _ => return None,
    };
    match ObjectType::try_from(s.objtype).ok()? {
        ObjectType::ObjectTable
        | ObjectType::ObjectView
        | ObjectType::ObjectMatview
        | ObjectType::ObjectForeignTable
        | ObjectType::ObjectSequence
        | ObjectType::ObjectIndex => Some(parts.join(".")),
        ObjectType::ObjectColumn => parts.split_last().map(|(_, table)| table.join(".")),
        _ => None,
    }
}

fn column_spec(c: &pb::ColumnDef) -> ColumnSpec {
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
        });
    }
    spec
}

fn constraint_spec(c: &pb::Constraint) -> Option<ConstraintSpec> {
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
    Some(ConstraintSpec {
        kind,
        name: non_empty(&c.conname),
        not_valid: c.skip_validation,
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

/// `col IS NOT NULL` → `col`.
fn is_not_null_test(expr: &pb::Node) -> Option<String> {
    match expr.node.as_ref()? {
        NodeEnum::NullTest(t) if t.nulltesttype == pb::NullTestType::IsNotNull as i32 => {
            match t.arg.as_deref()?.node.as_ref()? {
                NodeEnum::ColumnRef(c) => c.fields.last().map(node_name),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Built-in functions that return a different value per row. Anything else that is not a
/// constant or a known stable/immutable function is `Unknown`.
const VOLATILE_FUNCTIONS: &[&str] = &[
    "random",
    "gen_random_uuid",
    "uuid_generate_v1",
    "uuid_generate_v1mc",
    "uuid_generate_v4",
    "uuidv4",
    "uuidv7",
    "clock_timestamp",
    "timeofday",
    "nextval",
    "setseed",
    "random_normal",
    "txid_current",
];
const NON_VOLATILE_FUNCTIONS: &[&str] = &[
    "now",
    "current_timestamp",
    "transaction_timestamp",
    "statement_timestamp",
    "current_date",
    "localtimestamp",
    "lower",
    "upper",
    "to_timestamp",
    "to_jsonb",
    "jsonb_build_object",
    "json_build_object",
    "array",
    "coalesce",
    "concat",
    "make_interval",
    "interval",
    "timezone",
    "date_trunc",
    "abs",
    "md5",
];

fn default_expr(node: &pb::Node) -> DefaultExpr {
    let mut found: Option<(Volatility, String)> = None;
    visit_funcs(node, &mut |name| {
        let v = if VOLATILE_FUNCTIONS.contains(&name) {
            Volatility::Volatile
        } else if NON_VOLATILE_FUNCTIONS.contains(&name) {
            Volatility::NonVolatile
        } else {
            Volatility::Unknown
        };
        let rank = |v: Volatility| match v {
            Volatility::NonVolatile => 0,
            Volatility::Unknown => 1,
            Volatility::Volatile => 2,
        };
        if found.as_ref().is_none_or(|(f, _)| rank(v) > rank(*f)) {
            found = Some((v, name.to_string()));
        }
    });
    let is_null = matches!(node.node.as_ref(), Some(NodeEnum::AConst(c)) if c.isnull);
    match found {
        Some((volatility, function)) => DefaultExpr {
            volatility,
            function: Some(function),
            is_null,
        },
        None => DefaultExpr {
            volatility: Volatility::NonVolatile,
            function: None,
            is_null,
        },
    }
}

/// Calls `f` with the unqualified name of every function called in `node`.
fn visit_funcs(node: &pb::Node, f: &mut dyn FnMut(&str)) {
    let Some(inner) = node.node.as_ref() else {
        return;
    };
    match inner {
        NodeEnum::FuncCall(call) => {
            if let Some(name) = call.funcname.last().map(node_name) {
                f(&name);
            }
            for a in &call.args {
                visit_funcs(a, f);
            }
        }
        NodeEnum::TypeCast(c) => {
            if let Some(arg) = c.arg.as_deref() {
                visit_funcs(arg, f);
            }
        }
        NodeEnum::AExpr(e) => {
            for side in [e.lexpr.as_deref(), e.rexpr.as_deref()]
                .into_iter()
                .flatten()
            {
                visit_funcs(side, f);
            }
        }
        NodeEnum::CoalesceExpr(c) => c.args.iter().for_each(|a| visit_funcs(a, f)),
        NodeEnum::List(l) => l.items.iter().for_each(|a| visit_funcs(a, f)),
        // CURRENT_TIMESTAMP and friends are stable; constants are immutable.
        NodeEnum::SqlvalueFunction(_) | NodeEnum::AConst(_) => {}
        // Sub-selects and anything unusual: cannot tell.
        _ => f("(expression)"),
    }
}

pub fn type_name(t: &pb::TypeName) -> TypeName {
    let parts: Vec<String> = t.names.iter().map(node_name).collect();
    let name = match parts.as_slice() {
        [schema, name] if schema == "pg_catalog" => name.clone(),
        _ => parts.join("."),
    };
    let name = match name.as_str() {
        "integer" | "int" => "int4".to_string(),
        "smallint" => "int2".to_string(),
        "bigint" => "int8".to_string(),
        "character varying" => "varchar".to_string(),
        "timestamp with time zone" => "timestamptz".to_string(),
        "decimal" => "numeric".to_string(),
        _ => name,
    };
    let modifiers = t
        .typmods
        .iter()
        .filter_map(|m| match m.node.as_ref() {
            Some(NodeEnum::AConst(c)) => match c.val.as_ref() {
                Some(pb::a_const::Val::Ival(i)) => Some(i64::from(i.ival)),
                _ => None,
            },
            _ => None,
        })
        .collect();
    TypeName {
        name,
        modifiers,
        array: !t.array_bounds.is_empty(),
    }
}

fn create(object: ObjectKind, name: String, if_not_exists: bool, or_replace: bool) -> Change {
    Change::Create {
        object,
        name,
        on_table: None,
        if_not_exists,
        or_replace,
    }
}

fn drop(object: ObjectKind, name: String, if_exists: bool) -> Change {
    Change::Drop {
        object,
        names: vec![name],
        if_exists,
        cascade: false,
        concurrently: false,
        on_table: None,
    }
}

fn drop_names(s: &pb::DropStmt) -> (Vec<String>, Option<String>) {
    let object = object_kind(s.remove_type);
    let mut on_table = None;
    let names = s
        .objects
        .iter()
        .map(|o| match o.node.as_ref() {
            // DROP TRIGGER t ON tbl / DROP POLICY p ON tbl: the list is [schema.]table + name.
            Some(NodeEnum::List(l))
                if matches!(
                    object,
                    ObjectKind::Trigger | ObjectKind::Policy | ObjectKind::Rule
                ) =>
            {
                let parts: Vec<String> = l.items.iter().map(node_name).collect();
                if let Some((last, table)) = parts.split_last() {
                    on_table = Some(table.join("."));
                    last.clone()
                } else {
                    String::new()
                }
            }
            _ => node_name(o),
        })
        .collect();
    (names, on_table)
}

fn object_kind(t: i32) -> ObjectKind {
    use ObjectType as O;
    match O::try_from(t).unwrap_or(O::Undefined) {
        O::ObjectTable => ObjectKind::Table,
        O::ObjectColumn | O::ObjectAttribute => ObjectKind::Column,
        O::ObjectIndex => ObjectKind::Index,
        O::ObjectView => ObjectKind::View,
        O::ObjectMatview => ObjectKind::MaterializedView,
        O::ObjectSequence => ObjectKind::Sequence,
        O::ObjectType => ObjectKind::Type,
        O::ObjectDomain => ObjectKind::Domain,
        O::ObjectFunction | O::ObjectRoutine => ObjectKind::Function,
        O::ObjectProcedure => ObjectKind::Procedure,
        O::ObjectAggregate => ObjectKind::Aggregate,
        O::ObjectTrigger => ObjectKind::Trigger,
        O::ObjectSchema => ObjectKind::Schema,
        O::ObjectExtension => ObjectKind::Extension,
        O::ObjectTabconstraint | O::ObjectDomconstraint => ObjectKind::Constraint,
        O::ObjectPolicy => ObjectKind::Policy,
        O::ObjectRule => ObjectKind::Rule,
        O::ObjectForeignTable => ObjectKind::ForeignTable,
        O::ObjectDatabase => ObjectKind::Database,
        O::ObjectRole => ObjectKind::Role,
        _ => ObjectKind::Other,
    }
}

fn object_type_label(t: i32) -> String {
    match ObjectType::try_from(t) {
        Ok(ObjectType::Undefined) | Err(_) => "OBJECT".into(),
        Ok(o) => o
            .as_str_name()
            .trim_start_matches("OBJECT_")
            .replace('_', " ")
            .replace("MATVIEW", "MATERIALIZED VIEW")
            .replace("TABCONSTRAINT", "CONSTRAINT")
            .replace("DOMCONSTRAINT", "DOMAIN CONSTRAINT")
            .replace("FDW", "FOREIGN DATA WRAPPER")
            .replace("STATISTIC EXT", "STATISTICS"),
    }
}

fn lock_mode(mode: i32) -> LockLevel {
    // PostgreSQL's lockdefs.h numbering: 1 = AccessShareLock ... 8 = AccessExclusiveLock.
    match mode {
        1 => LockLevel::AccessShare,
        2 => LockLevel::RowShare,
        3 => LockLevel::RowExclusive,
        4 => LockLevel::ShareUpdateExclusive,
        5 => LockLevel::Share,
        6 => LockLevel::ShareRowExclusive,
        7 => LockLevel::Exclusive,
        _ => LockLevel::AccessExclusive,
    }
}

fn create_label(node: &NodeEnum) -> String {
    let name = node_type_name(node);
    let base = name.trim_end_matches("Stmt").trim_start_matches("Create");
    let mut out = String::from("CREATE");
    for (i, ch) in base.char_indices() {
        if i == 0 || ch.is_ascii_uppercase() {
            out.push(' ');
        }
        out.push(ch.to_ascii_uppercase());
    }
    if matches!(node, NodeEnum::ImportForeignSchemaStmt(_)) {
        return "IMPORT FOREIGN SCHEMA".into();
    }
    out
}

fn create_if_not_exists(node: &NodeEnum) -> bool {
    match node {
        NodeEnum::CreateTableSpaceStmt(_) => false,
        NodeEnum::CreateForeignServerStmt(s) => s.if_not_exists,
        NodeEnum::CreateUserMappingStmt(s) => s.if_not_exists,
        NodeEnum::CreateTransformStmt(s) => s.replace,
        NodeEnum::CreateConversionStmt(_) => false,
        NodeEnum::CreatePlangStmt(s) => s.replace,
        _ => false,
    }
}

fn neutral_label(node: &NodeEnum) -> String {
    let name = node_type_name(node);
    let base = name.trim_end_matches("Stmt");
    let mut out = String::new();
    for (i, ch) in base.char_indices() {
        if ch.is_ascii_uppercase() && i > 0 {
            out.push(' ');
        }
        out.push(ch.to_ascii_uppercase());
    }
    out
}

/// The protobuf node name, e.g. `AlterTableStmt`.
fn node_type_name(node: &NodeEnum) -> String {
    let debug = format!("{node:?}");
    debug
        .split(|c: char| !c.is_ascii_alphanumeric())
        .next()
        .unwrap_or("Unknown")
        .to_string()
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

pub fn rv_name(r: &pb::RangeVar) -> String {
    if r.schemaname.is_empty() {
        r.relname.clone()
    } else {
        format!("{}.{}", r.schemaname, r.relname)
    }
}

fn range_var(r: Option<&pb::RangeVar>) -> String {
    r.map(rv_name).unwrap_or_default()
}

fn node_range_var(n: &pb::Node) -> Option<String> {
    match n.node.as_ref()? {
        NodeEnum::RangeVar(r) => Some(rv_name(r)),
        _ => None,
    }
}

/// A dotted name from a `String` node, a list of them, or a RangeVar / TypeName / function.
pub fn node_name(n: &pb::Node) -> String {
    match n.node.as_ref() {
        Some(NodeEnum::String(s)) => s.sval.clone(),
        Some(NodeEnum::List(l)) => names(&l.items),
        Some(NodeEnum::RangeVar(r)) => rv_name(r),
        Some(NodeEnum::TypeName(t)) => names(&t.names),
        Some(NodeEnum::ObjectWithArgs(o)) => names(&o.objname),
        Some(NodeEnum::AStar(_)) => "*".into(),
        Some(NodeEnum::ColumnRef(c)) => names(&c.fields),
        Some(NodeEnum::IndexElem(e)) => e.name.clone(),
        _ => String::new(),
    }
}

fn names(items: &[pb::Node]) -> String {
    let parts: Vec<String> = items
        .iter()
        .map(node_name)
        .filter(|s| !s.is_empty())
        .collect();
    match parts.as_slice() {
        [schema, name] if schema == "pg_catalog" => name.clone(),
        _ => parts.join("."),
    }
}

fn def_name(n: &pb::Node) -> Option<&str> {
    match n.node.as_ref()? {
        NodeEnum::DefElem(d) => {
            // `(CONCURRENTLY false)` spells the option but turns it off.
            let off = matches!(
                d.arg.as_deref().and_then(|a| a.node.as_ref()),
                Some(NodeEnum::Boolean(b)) if !b.boolval
            ) || matches!(
                d.arg.as_deref().and_then(|a| a.node.as_ref()),
                Some(NodeEnum::String(s)) if matches!(s.sval.as_str(), "false" | "off")
            );
            (!off).then_some(d.defname.as_str())
        }
        _ => None,
    }
}

fn const_text(n: &pb::Node) -> String {
    match n.node.as_ref() {
        Some(NodeEnum::AConst(c)) => match c.val.as_ref() {
            Some(pb::a_const::Val::Ival(i)) => i.ival.to_string(),
            Some(pb::a_const::Val::Sval(s)) => s.sval.clone(),
            Some(pb::a_const::Val::Fval(f)) => f.fval.clone(),
            Some(pb::a_const::Val::Boolval(b)) => b.boolval.to_string(),
            Some(pb::a_const::Val::Bsval(b)) => b.bsval.clone(),
            None => "NULL".into(),
        },
        _ => node_name(n),
    }
}

//! From a pg_query parse tree to the statement's kind label and its [`Change`]s. The match over
//! statement nodes is exhaustive over the kinds PostgreSQL has; a node this code does not know
//! is reported as unknown, never silently called safe.

use pg_query::NodeEnum;
use pg_query::protobuf::{
    self as pb, DropBehavior, ObjectType, ReindexObjectType, TransactionStmtKind, VariableSetKind,
};

use super::alter_table::*;
use super::names::*;
use crate::analyze::change::*;

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
    let mut classified = classify_statement(node);
    // What it reads, for the ACCESS SHARE locks (see `reads`).
    classified.changes.extend(super::reads::read_change(node));
    classified
}

fn classify_statement(node: &NodeEnum) -> Classified {
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
            let inherits = if s.partbound.is_some() {
                Vec::new()
            } else {
                s.inh_relations.iter().filter_map(node_range_var).collect()
            };
            known(
                "CREATE TABLE",
                vec![Change::CreateTable {
                    table,
                    if_not_exists: s.if_not_exists,
                    columns,
                    constraints,
                    inherits,
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
                        inherits: Vec::new(),
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
                only: s.relation.as_ref().is_some_and(|r| !r.inh),
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
        N::ViewStmt(s) => {
            let view = range_var(s.view.as_ref());
            let mut changes = vec![create(ObjectKind::View, view.clone(), false, s.replace)];
            // Redefined to return nothing: the running version's reads come back empty.
            if s.replace
                && s.query
                    .as_deref()
                    .and_then(|q| q.node.as_ref())
                    .is_some_and(super::expr::returns_no_rows)
            {
                changes.push(Change::Restrict {
                    restriction: Restriction::EmptyView,
                    object: ObjectKind::View,
                    name: view,
                });
            }
            known("CREATE VIEW", changes)
        }
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
        N::CreatePolicyStmt(s) => {
            let table = range_var(s.table.as_ref());
            let mut changes = vec![Change::Create {
                object: ObjectKind::Policy,
                name: s.policy_name.clone(),
                on_table: Some(table.clone()),
                if_not_exists: false,
                or_replace: false,
            }];
            // A permissive policy only lets more rows through; a restrictive one must pass
            // as well as the others, so it can hide or refuse rows the running version uses.
            if !s.permissive {
                changes.push(Change::Restrict {
                    restriction: Restriction::RestrictivePolicy,
                    object: ObjectKind::Table,
                    name: table,
                });
            }
            known("CREATE POLICY", changes)
        }
        N::AlterPolicyStmt(s) => known(
            "ALTER POLICY",
            vec![Change::Restrict {
                restriction: Restriction::AlterPolicy,
                object: ObjectKind::Table,
                name: range_var(s.table.as_ref()),
            }],
        ),
        N::RuleStmt(s) => {
            let table = range_var(s.relation.as_ref());
            let mut changes = vec![Change::Create {
                object: ObjectKind::Rule,
                name: s.rulename.clone(),
                on_table: Some(table.clone()),
                if_not_exists: false,
                or_replace: s.replace,
            }];
            if s.instead {
                let event = match pb::CmdType::try_from(s.event) {
                    Ok(pb::CmdType::CmdSelect) => "SELECT",
                    Ok(pb::CmdType::CmdInsert) => "INSERT",
                    Ok(pb::CmdType::CmdUpdate) => "UPDATE",
                    Ok(pb::CmdType::CmdDelete) => "DELETE",
                    _ => "command",
                };
                changes.push(Change::Restrict {
                    restriction: Restriction::InsteadRule {
                        event,
                        nothing: s.actions.is_empty(),
                    },
                    object: ObjectKind::Table,
                    name: table,
                });
            }
            known("CREATE RULE", changes)
        }
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
        N::DropOwnedStmt(s) => known(
            "DROP OWNED",
            vec![drop(
                ObjectKind::Other,
                format!(
                    "everything owned by {}",
                    s.roles.iter().map(role_name).collect::<Vec<_>>().join(", ")
                ),
                false,
            )],
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
                schema: s.newschema.clone(),
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
                .collect::<Vec<_>>();
            let mut changes = changes;
            if s.objtype == ObjectType::ObjectView as i32 {
                changes.extend(view_options(&s.cmds).map(|restriction| Change::Restrict {
                    restriction,
                    object: ObjectKind::View,
                    name: table.clone(),
                }));
            }
            known(format!("ALTER {}", object_type_label(s.objtype)), changes)
        }
        N::AlterFunctionStmt(s) => {
            let invoker = s.actions.iter().any(|a| match a.node.as_ref() {
                Some(NodeEnum::DefElem(d)) if d.defname == "security" => {
                    d.arg.as_deref().map(const_text).as_deref() == Some("false")
                }
                _ => false,
            });
            let object = object_kind(s.objtype);
            let name = s
                .func
                .as_ref()
                .map(|f| names(&f.objname))
                .unwrap_or_default();
            known(
                format!("ALTER {}", object_type_label(s.objtype)),
                if invoker {
                    vec![Change::Restrict {
                        restriction: Restriction::SecurityInvoker,
                        object,
                        name,
                    }]
                } else {
                    vec![Change::Other]
                },
            )
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

        N::InsertStmt(s) => {
            let select = s.select_stmt.as_deref().and_then(|n| n.node.as_ref());
            let mut changes = vec![Change::Insert {
                table: range_var(s.relation.as_ref()),
                on_conflict: s.on_conflict_clause.is_some(),
                from_query: select.is_some_and(reads_rows),
            }];
            changes.extend(with_changes(s.with_clause.as_ref()));
            if let Some(N::SelectStmt(sel)) = select {
                changes.extend(with_changes(sel.with_clause.as_ref()));
            }
            known("INSERT", changes)
        }
        N::UpdateStmt(s) => {
            let mut changes = vec![Change::Update {
                table: range_var(s.relation.as_ref()),
                has_where: filters(s.where_clause.as_deref()),
                columns: set_columns(&s.target_list),
                every_row_unless_null: unless_null(s.where_clause.as_deref()),
            }];
            changes.extend(with_changes(s.with_clause.as_ref()));
            known("UPDATE", changes)
        }
        N::DeleteStmt(s) => {
            let mut changes = vec![Change::Delete {
                table: range_var(s.relation.as_ref()),
                has_where: filters(s.where_clause.as_deref()),
                every_row_unless_null: unless_null(s.where_clause.as_deref()),
            }];
            changes.extend(with_changes(s.with_clause.as_ref()));
            known("DELETE", changes)
        }
        N::MergeStmt(s) => known("MERGE", merge_changes(s)),
        N::CopyStmt(s) => {
            let mut changes = vec![Change::Copy {
                table: s.relation.as_ref().map(rv_name),
                from: s.is_from,
            }];
            // `COPY (DELETE ... RETURNING ...) TO`: the query runs.
            if let Some(query) = s.query.as_deref().and_then(|q| q.node.as_ref()) {
                changes.extend(query_changes(query));
            }
            known(if s.is_from { "COPY FROM" } else { "COPY TO" }, changes)
        }
        N::ExplainStmt(s) => {
            let query = s.query.as_deref().and_then(|q| q.node.as_ref());
            match query {
                // `EXPLAIN ANALYZE` runs the statement; plain `EXPLAIN` only plans it.
                Some(query) if explain_analyzes(&s.options) => {
                    let inner = classify_statement(query);
                    Classified {
                        kind: format!("EXPLAIN ANALYZE {}", inner.kind),
                        ..inner
                    }
                }
                _ => known("EXPLAIN", vec![Change::Other]),
            }
        }
        N::PrepareStmt(s) => {
            let inner = s
                .query
                .as_deref()
                .and_then(|q| q.node.as_ref())
                .map(classify_statement);
            let (kind, changes) =
                inner.map_or((String::new(), Vec::new()), |c| (c.kind, c.changes));
            known(
                "PREPARE",
                vec![Change::Prepare {
                    name: s.name.clone(),
                    kind,
                    changes,
                }],
            )
        }
        N::DeallocateStmt(s) => known(
            "DEALLOCATE",
            vec![Change::Deallocate {
                name: (!s.isall).then(|| s.name.clone()),
            }],
        ),
        N::ExecuteStmt(s) => known(
            "EXECUTE",
            vec![Change::Execute {
                name: s.name.clone(),
            }],
        ),
        N::SelectStmt(s) => {
            let mut changes = with_changes(s.with_clause.as_ref());
            changes.extend(setval_changes(s));
            if s.into_clause.is_none() && !changes.is_empty() {
                return known("SELECT", changes);
            }
            if let Some(into) = &s.into_clause {
                known(
                    "SELECT INTO",
                    vec![Change::CreateTable {
                        table: range_var(into.rel.as_ref()),
                        if_not_exists: false,
                        columns: Vec::new(),
                        constraints: Vec::new(),
                        partition_of: None,
                        inherits: Vec::new(),
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
                object: object_kind(s.objtype),
                // `ON ALL TABLES IN SCHEMA s` names schemas, not the objects it reaches.
                names: if s.targtype == pb::GrantTargetType::AclTargetObject as i32 {
                    s.objects.iter().map(node_name).collect()
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
                object: ObjectKind::Role,
                names: Vec::new(),
            }],
        ),
        N::CommentStmt(s) => known(
            "COMMENT",
            vec![Change::Comment {
                relation: comment_relation(s),
            }],
        ),
        N::SecLabelStmt(_) => known("SECURITY LABEL", vec![Change::Comment { relation: None }]),
        N::AlterSeqStmt(s) => {
            let name = range_var(s.sequence.as_ref());
            let mut changes = vec![Change::AlterSequence { name: name.clone() }];
            if s.options.iter().any(|o| def_name(o) == Some("restart")) {
                changes.push(Change::Restrict {
                    restriction: Restriction::SequenceRestart,
                    object: ObjectKind::Sequence,
                    name,
                });
            }
            known("ALTER SEQUENCE", changes)
        }
        N::AlterDefaultPrivilegesStmt(s) => {
            let revoke = s.action.as_ref().is_some_and(|a| !a.is_grant);
            let changes = if revoke {
                vec![Change::Restrict {
                    restriction: Restriction::DefaultPrivileges,
                    object: ObjectKind::Other,
                    name: String::new(),
                }]
            } else {
                vec![Change::Other]
            };
            known("ALTER DEFAULT PRIVILEGES", changes)
        }
        N::AlterOwnerStmt(s) => {
            let object = object_kind(s.object_type);
            let name = s
                .relation
                .as_ref()
                .map(rv_name)
                .unwrap_or_else(|| s.object.as_deref().map(node_name).unwrap_or_default());
            known(
                format!("ALTER {} OWNER TO", object_type_label(s.object_type)),
                vec![Change::Restrict {
                    restriction: Restriction::Owner,
                    object,
                    name,
                }],
            )
        }
        N::ReassignOwnedStmt(s) => known(
            "REASSIGN OWNED",
            vec![Change::Restrict {
                restriction: Restriction::ReassignOwned,
                object: ObjectKind::Role,
                name: s.roles.iter().map(role_name).collect::<Vec<_>>().join(", "),
            }],
        ),
        N::AlterRoleSetStmt(s) => known(
            "ALTER ROLE SET",
            session_default(
                s.setstmt.as_ref(),
                ObjectKind::Role,
                s.role
                    .as_ref()
                    .map_or_else(|| "ALL".to_string(), |r| r.rolename.clone()),
            ),
        ),
        N::AlterDatabaseSetStmt(s) => known(
            "ALTER DATABASE SET",
            session_default(s.setstmt.as_ref(), ObjectKind::Database, s.dbname.clone()),
        ),
        N::AlterDatabaseStmt(s) => {
            let changes: Vec<Change> = s
                .options
                .iter()
                .filter_map(|o| match o.node.as_ref() {
                    Some(NodeEnum::DefElem(d)) => {
                        let value = d.arg.as_deref().map(const_text).unwrap_or_default();
                        match d.defname.as_str() {
                            "connection_limit" if value != "-1" => Some("CONNECTION LIMIT"),
                            "allow_connections"
                                if matches!(
                                    value.to_ascii_lowercase().as_str(),
                                    "false" | "0" | "off"
                                ) =>
                            {
                                Some("ALLOW_CONNECTIONS false")
                            }
                            _ => None,
                        }
                    }
                    _ => None,
                })
                .map(|what| Change::Restrict {
                    restriction: Restriction::Database(what),
                    object: ObjectKind::Database,
                    name: s.dbname.clone(),
                })
                .collect();
            known(
                "ALTER DATABASE",
                if changes.is_empty() {
                    vec![Change::Other]
                } else {
                    changes
                },
            )
        }
        N::AlterRoleStmt(s) => {
            let role = s
                .role
                .as_ref()
                .map(|r| r.rolename.clone())
                .unwrap_or_default();
            let changes: Vec<Change> = s
                .options
                .iter()
                .filter_map(role_restriction)
                .map(|what| Change::Restrict {
                    restriction: Restriction::Role(what),
                    object: ObjectKind::Role,
                    name: role.clone(),
                })
                .collect();
            known(
                "ALTER ROLE",
                if changes.is_empty() {
                    vec![Change::Other]
                } else {
                    changes
                },
            )
        }
        N::AlterSystemStmt(_) => known("ALTER SYSTEM", vec![Change::AlterSystem]),
        // What they run is read by `plpgsql` and resolved by the replay.
        N::DoStmt(_) => known("DO", Vec::new()),
        N::CallStmt(_) => known("CALL", Vec::new()),

        // Statements whose schema effect is neutral for compatibility: settings, ownership,
        // session and maintenance commands, and ALTERs of non-table objects.
        N::AlterCollationStmt(_)
        | N::AlterDatabaseRefreshCollStmt(_)
        | N::AlterDomainStmt(_)
        | N::AlterEventTrigStmt(_)
        | N::AlterExtensionContentsStmt(_)
        | N::AlterExtensionStmt(_)
        | N::AlterFdwStmt(_)
        | N::AlterForeignServerStmt(_)
        | N::AlterObjectDependsStmt(_)
        | N::AlterOpFamilyStmt(_)
        | N::AlterOperatorStmt(_)
        | N::AlterPublicationStmt(_)
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
        | N::DeclareCursorStmt(_)
        | N::DiscardStmt(_)
        | N::FetchStmt(_)
        | N::ListenStmt(_)
        | N::LoadStmt(_)
        | N::NotifyStmt(_)
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

/// Whether a query's row count grows with the data: it reads a table (a `FROM`, a `WITH`, or
/// a set operation of such queries). `VALUES` lists and `SELECT` of constants (`SELECT 'x'
/// WHERE NOT EXISTS (...)`) produce the rows written in them.
fn reads_rows(node: &NodeEnum) -> bool {
    match node {
        NodeEnum::SelectStmt(sel) => select_reads_rows(sel),
        // Anything else the parser puts there: assume it reads rows.
        _ => true,
    }
}

fn select_reads_rows(sel: &pg_query::protobuf::SelectStmt) -> bool {
    !sel.from_clause.is_empty()
        || sel.with_clause.is_some()
        || sel.larg.as_deref().is_some_and(select_reads_rows)
        || sel.rarg.as_deref().is_some_and(select_reads_rows)
}

/// Whether a `WHERE` selects fewer than every row (absent or always true: every row).
fn filters(where_clause: Option<&pb::Node>) -> bool {
    where_clause.is_some_and(|w| !super::expr::is_always_true(w))
}

/// See `Change::Delete::every_row_unless_null`.
fn unless_null(where_clause: Option<&pb::Node>) -> Vec<String> {
    where_clause
        .and_then(super::expr::true_unless_null)
        .unwrap_or_default()
}

/// The columns an `UPDATE ... SET` (or a `MERGE ... UPDATE SET`) assigns.
fn set_columns(targets: &[pb::Node]) -> Vec<String> {
    targets
        .iter()
        .filter_map(|t| match t.node.as_ref() {
            Some(NodeEnum::ResTarget(r)) if !r.name.is_empty() => Some(r.name.clone()),
            _ => None,
        })
        .collect()
}

/// The changes of the data-modifying statements of a `WITH` clause: PostgreSQL runs each of
/// them to completion, whether or not the main query reads its result.
fn with_changes(with: Option<&pb::WithClause>) -> Vec<Change> {
    let Some(with) = with else {
        return Vec::new();
    };
    with.ctes
        .iter()
        .filter_map(|c| match c.node.as_ref() {
            Some(NodeEnum::CommonTableExpr(cte)) => cte.ctequery.as_deref()?.node.as_ref(),
            _ => None,
        })
        .flat_map(query_changes)
        .collect()
}

/// What a query that can modify data changes (a CTE's, `COPY (...) TO`'s): nothing for a
/// plain `SELECT`.
fn query_changes(query: &NodeEnum) -> Vec<Change> {
    match query {
        NodeEnum::InsertStmt(_)
        | NodeEnum::UpdateStmt(_)
        | NodeEnum::DeleteStmt(_)
        | NodeEnum::MergeStmt(_)
        | NodeEnum::SelectStmt(_) => classify_statement(query)
            .changes
            .into_iter()
            .filter(|c| *c != Change::Other)
            .collect(),
        _ => Vec::new(),
    }
}

/// `MERGE`: the merge itself, and the `DELETE` / `UPDATE` its `WHEN MATCHED` actions amount to.
/// An action reaches every row of the target when it has no condition of its own and the join
/// condition is always true (`ON true`); `WHEN NOT MATCHED BY SOURCE` reaches every row the
/// source does not name, which rollsafe cannot bound: it counts as every row.
fn merge_changes(s: &pb::MergeStmt) -> Vec<Change> {
    use pb::{CmdType, MergeMatchKind};
    let table = range_var(s.relation.as_ref());
    let joins_all = s
        .join_condition
        .as_deref()
        .is_none_or(super::expr::is_always_true);
    let mut changes = vec![Change::Merge {
        table: table.clone(),
    }];
    for clause in &s.merge_when_clauses {
        let Some(NodeEnum::MergeWhenClause(w)) = clause.node.as_ref() else {
            continue;
        };
        let every_row = w.condition.is_none()
            && match MergeMatchKind::try_from(w.match_kind) {
                Ok(MergeMatchKind::MergeWhenMatched) => joins_all,
                Ok(MergeMatchKind::MergeWhenNotMatchedBySource) => true,
                _ => false,
            };
        match CmdType::try_from(w.command_type) {
            Ok(CmdType::CmdDelete) => changes.push(Change::Delete {
                table: table.clone(),
                has_where: !every_row,
                every_row_unless_null: Vec::new(),
            }),
            Ok(CmdType::CmdUpdate) => changes.push(Change::Update {
                table: table.clone(),
                has_where: !every_row,
                columns: set_columns(&w.target_list),
                every_row_unless_null: Vec::new(),
            }),
            _ => {}
        }
    }
    changes.extend(with_changes(s.with_clause.as_ref()));
    changes
}

/// Whether `EXPLAIN`'s options include `ANALYZE` (without `false` / `off` / `0`).
fn explain_analyzes(options: &[pb::Node]) -> bool {
    options.iter().any(|o| match o.node.as_ref() {
        Some(NodeEnum::DefElem(d)) if d.defname == "analyze" => d.arg.as_deref().is_none_or(|a| {
            !matches!(
                const_text(a).to_ascii_lowercase().as_str(),
                "false" | "off" | "0"
            )
        }),
        _ => false,
    })
}

/// `SELECT setval('seq', 42)`: a sequence moved to a constant (the common `setval('seq',
/// (SELECT max(id) FROM t))`, which follows the data, is not one).
fn setval_changes(s: &pb::SelectStmt) -> Vec<Change> {
    let mut out = Vec::new();
    for t in &s.target_list {
        let Some(NodeEnum::ResTarget(r)) = t.node.as_ref() else {
            continue;
        };
        let Some(NodeEnum::FuncCall(call)) = r.val.as_deref().and_then(|v| v.node.as_ref()) else {
            continue;
        };
        if call.funcname.last().map(node_name).as_deref() != Some("setval") {
            continue;
        }
        let constant = |n: &pb::Node| match n.node.as_ref() {
            Some(NodeEnum::AConst(_)) => true,
            Some(NodeEnum::TypeCast(c)) => {
                matches!(
                    c.arg.as_deref().and_then(|a| a.node.as_ref()),
                    Some(NodeEnum::AConst(_))
                )
            }
            _ => false,
        };
        if call.args.len() >= 2 && call.args.iter().all(constant) {
            let name = call.args.first().map(const_text).unwrap_or_default();
            out.push(Change::Restrict {
                restriction: Restriction::SequenceRestart,
                object: ObjectKind::Sequence,
                name,
            });
        }
    }
    out
}

/// `ALTER ROLE` options that can refuse the running version's new connections.
fn role_restriction(option: &pb::Node) -> Option<&'static str> {
    let Some(NodeEnum::DefElem(d)) = option.node.as_ref() else {
        return None;
    };
    let value = d.arg.as_deref().map(const_text).unwrap_or_default();
    match d.defname.as_str() {
        "canlogin" if matches!(value.as_str(), "false" | "0") => Some("NOLOGIN"),
        "validUntil" if !value.eq_ignore_ascii_case("infinity") => Some("VALID UNTIL"),
        "connectionlimit" if value != "-1" => Some("CONNECTION LIMIT"),
        "password" => Some("PASSWORD"),
        _ => None,
    }
}

fn role_name(n: &pb::Node) -> String {
    match n.node.as_ref() {
        Some(NodeEnum::RoleSpec(r)) => r.rolename.clone(),
        _ => node_name(n),
    }
}

/// `ALTER ROLE | DATABASE ... SET | RESET`: contract unless the setting only tunes performance
/// or logging (see `harmless_setting`).
fn session_default(
    set: Option<&pb::VariableSetStmt>,
    object: ObjectKind,
    name: String,
) -> Vec<Change> {
    let setting = set.map(|s| s.name.to_ascii_lowercase()).unwrap_or_default();
    // `RESET ALL` (an empty name) resets every setting.
    if !setting.is_empty() && harmless_setting(&setting) {
        return vec![Change::Other];
    }
    vec![Change::Restrict {
        restriction: Restriction::SessionDefault {
            setting: if setting.is_empty() {
                "all settings".to_string()
            } else {
                setting
            },
        },
        object,
        name,
    }]
}

/// Settings that only change how fast queries run or what is logged: a new default for them
/// breaks nothing the application does.
fn harmless_setting(name: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "enable_",
        "log_",
        "track_",
        "jit",
        "parallel_",
        "max_parallel_",
        "geqo",
        "cpu_",
        "auto_explain.",
        "pg_stat_statements.",
        "autovacuum_",
        "vacuum_",
    ];
    const NAMES: &[&str] = &[
        "work_mem",
        "maintenance_work_mem",
        "temp_buffers",
        "hash_mem_multiplier",
        "random_page_cost",
        "seq_page_cost",
        "effective_cache_size",
        "effective_io_concurrency",
        "maintenance_io_concurrency",
        "default_statistics_target",
        "from_collapse_limit",
        "join_collapse_limit",
        "plan_cache_mode",
        "application_name",
        "constraint_exclusion",
        "cursor_tuple_fraction",
        "min_parallel_table_scan_size",
        "min_parallel_index_scan_size",
        "temp_file_limit",
        "logical_decoding_work_mem",
        "commit_delay",
        "commit_siblings",
    ];
    NAMES.contains(&name) || PREFIXES.iter().any(|p| name.starts_with(p))
}

/// `ALTER VIEW ... SET (security_invoker | check_option)`: options that make the view refuse
/// what it allowed (`security_invoker = false` and `RESET` allow more again: nothing).
fn view_options(cmds: &[pb::Node]) -> impl Iterator<Item = Restriction> + '_ {
    use pg_query::protobuf::AlterTableType as A;
    cmds.iter()
        .filter_map(|c| match c.node.as_ref() {
            Some(NodeEnum::AlterTableCmd(cmd))
                if matches!(
                    A::try_from(cmd.subtype),
                    Ok(A::AtSetRelOptions | A::AtReplaceRelOptions)
                ) =>
            {
                match cmd.def.as_deref().and_then(|d| d.node.as_ref()) {
                    Some(NodeEnum::List(l)) => Some(l.items.iter()),
                    _ => None,
                }
            }
            _ => None,
        })
        .flatten()
        .filter_map(|o| match o.node.as_ref() {
            Some(NodeEnum::DefElem(d)) => {
                let value = d
                    .arg
                    .as_deref()
                    .map(const_text)
                    .unwrap_or_else(|| "true".into())
                    .to_ascii_lowercase();
                match d.defname.as_str() {
                    "security_invoker" if matches!(value.as_str(), "true" | "on" | "1") => {
                        Some(Restriction::SecurityInvoker)
                    }
                    "check_option" => Some(Restriction::ViewCheckOption),
                    _ => None,
                }
            }
            _ => None,
        })
}

//! Names and labels read from the parse tree: relations, types, object kinds, lock modes.

use pg_query::NodeEnum;
use pg_query::protobuf::{self as pb, ObjectType};

use crate::analyze::change::*;
use crate::analyze::facts::LockLevel;

pub fn type_name(t: &pb::TypeName) -> TypeName {
    let name = match t.names.as_slice() {
        [one] => node_name(one),
        [schema, name] => {
            let mut schema = node_name(schema);
            let name = node_name(name);
            if schema == "pg_catalog" {
                name
            } else {
                schema.push('.');
                schema.push_str(&name);
                schema
            }
        }
        parts => parts.iter().map(node_name).collect::<Vec<_>>().join("."),
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

pub(crate) fn object_kind(t: i32) -> ObjectKind {
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

/// How a statement names an object type (`MATERIALIZED VIEW`, `FOREIGN DATA WRAPPER`, ...).
/// Computed once per type: statements ask for it all the time.
pub(crate) fn object_type_label(t: i32) -> &'static str {
    static LABELS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    let labels = LABELS.get_or_init(|| {
        (0..)
            .map_while(|t| ObjectType::try_from(t).ok())
            .map(|o| match o {
                ObjectType::Undefined => "OBJECT".to_string(),
                o => o
                    .as_str_name()
                    .trim_start_matches("OBJECT_")
                    .replace('_', " ")
                    .replace("MATVIEW", "MATERIALIZED VIEW")
                    .replace("TABCONSTRAINT", "CONSTRAINT")
                    .replace("DOMCONSTRAINT", "DOMAIN CONSTRAINT")
                    .replace("FDW", "FOREIGN DATA WRAPPER")
                    .replace("STATISTIC EXT", "STATISTICS"),
            })
            .collect()
    });
    usize::try_from(t)
        .ok()
        .and_then(|i| labels.get(i))
        .map_or("OBJECT", String::as_str)
}

pub(crate) fn lock_mode(mode: i32) -> LockLevel {
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

pub(crate) fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

pub fn rv_name(r: &pb::RangeVar) -> String {
    if r.schemaname.is_empty() {
        r.relname.clone()
    } else {
        format!("{}.{}", r.schemaname, r.relname)
    }
}

pub(crate) fn range_var(r: Option<&pb::RangeVar>) -> String {
    r.map(rv_name).unwrap_or_default()
}

pub(crate) fn node_range_var(n: &pb::Node) -> Option<String> {
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
        Some(NodeEnum::Boolean(b)) => b.boolval.to_string(),
        Some(NodeEnum::Integer(i)) => i.ival.to_string(),
        Some(NodeEnum::Float(f)) => f.fval.clone(),
        _ => String::new(),
    }
}

pub(crate) fn names(items: &[pb::Node]) -> String {
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

pub(crate) fn def_name(n: &pb::Node) -> Option<&str> {
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

pub(crate) fn const_text(n: &pb::Node) -> String {
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

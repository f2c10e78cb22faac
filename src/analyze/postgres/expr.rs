//! Expressions: default values and their volatility (which decides whether ADD COLUMN
//! rewrites the table), and `col IS NOT NULL` checks.

use pg_query::NodeEnum;
use pg_query::protobuf::{self as pb};

use super::names::*;
use crate::analyze::change::*;

/// `col IS NOT NULL` → `col`.
pub(crate) fn is_not_null_test(expr: &pb::Node) -> Option<String> {
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
pub(crate) const VOLATILE_FUNCTIONS: &[&str] = &[
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

pub(crate) const NON_VOLATILE_FUNCTIONS: &[&str] = &[
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

pub(crate) fn default_expr(node: &pb::Node) -> DefaultExpr {
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
    let sequence = nextval_sequence(node);
    match found {
        Some((volatility, function)) => DefaultExpr {
            volatility,
            function: Some(function),
            is_null,
            sequence,
        },
        None => DefaultExpr {
            volatility: Volatility::NonVolatile,
            function: None,
            is_null,
            sequence,
        },
    }
}

/// `nextval('seq')` (or `nextval('seq'::regclass)`) → `seq`, as the server reads the text: an
/// unquoted part is lower-cased.
fn nextval_sequence(node: &pb::Node) -> Option<String> {
    let NodeEnum::FuncCall(call) = node.node.as_ref()? else {
        return None;
    };
    if call.funcname.last().map(node_name).as_deref() != Some("nextval") {
        return None;
    }
    let mut arg = call.args.first()?;
    while let Some(NodeEnum::TypeCast(c)) = arg.node.as_ref() {
        arg = c.arg.as_deref()?;
    }
    let NodeEnum::AConst(c) = arg.node.as_ref()? else {
        return None;
    };
    let Some(pb::a_const::Val::Sval(text)) = c.val.as_ref() else {
        return None;
    };
    let parts: Vec<String> = text
        .sval
        .split('.')
        .map(
            |p| match p.strip_prefix('"').and_then(|p| p.strip_suffix('"')) {
                Some(quoted) => quoted.to_string(),
                None => p.to_ascii_lowercase(),
            },
        )
        .collect();
    Some(parts.join("."))
}

/// Calls `f` with the unqualified name of every function called in `node`.
pub(crate) fn visit_funcs(node: &pb::Node, f: &mut dyn FnMut(&str)) {
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

/// `WHERE true` or `WHERE 1 = 1`: a condition that selects every row.
pub(crate) fn is_always_true(expr: &pb::Node) -> bool {
    match expr.node.as_ref() {
        Some(NodeEnum::AConst(c)) => {
            matches!(c.val.as_ref(), Some(pb::a_const::Val::Boolval(b)) if b.boolval)
        }
        Some(NodeEnum::AExpr(e)) => {
            let op_is_eq = e.name.len() == 1 && e.name.first().is_some_and(|n| node_name(n) == "=");
            let constant = |n: Option<&pb::Node>| match n.and_then(|n| n.node.as_ref()) {
                Some(NodeEnum::AConst(c)) => match c.val.as_ref() {
                    Some(pb::a_const::Val::Ival(i)) => Some(i.ival),
                    _ => None,
                },
                _ => None,
            };
            let (l, r) = (constant(e.lexpr.as_deref()), constant(e.rexpr.as_deref()));
            op_is_eq && l.is_some() && l == r
        }
        _ => false,
    }
}

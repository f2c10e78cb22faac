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

/// A condition that selects every row whatever the row holds: `WHERE true`, `1 = 1`, `'a' =
/// 'a'`, `NOT false`, `x > 0 OR true`, ... (see [`constant_truth`]).
pub(crate) fn is_always_true(expr: &pb::Node) -> bool {
    constant_truth(expr) == Some(true)
}

/// The truth value a condition has for every row, when it can be decided from constants
/// alone; `None` when it depends on the row (or is NULL: a `WHERE` drops the row, a `CHECK`
/// lets it pass).
pub(crate) fn constant_truth(expr: &pb::Node) -> Option<bool> {
    match expr.node.as_ref()? {
        NodeEnum::AConst(c) => match c.val.as_ref()? {
            pb::a_const::Val::Boolval(b) => Some(b.boolval),
            _ => None,
        },
        NodeEnum::TypeCast(c) => {
            let to = c.type_name.as_ref().map(type_name)?;
            if to.name != "bool" {
                return None;
            }
            match constant(c.arg.as_deref()?)? {
                Constant::Bool(b) => Some(b),
                Constant::Number(n) => Some(n != 0.0),
                Constant::Text(t) => match t.trim().to_ascii_lowercase().as_str() {
                    "t" | "true" | "y" | "yes" | "on" | "1" => Some(true),
                    "f" | "false" | "n" | "no" | "off" | "0" => Some(false),
                    _ => None,
                },
            }
        }
        NodeEnum::BoolExpr(b) => {
            let args: Vec<Option<bool>> = b.args.iter().map(constant_truth).collect();
            // One constant argument decides AND (false) and OR (true); all constant, the other.
            let decided_by = |dominant: bool| {
                if args.contains(&Some(dominant)) {
                    Some(dominant)
                } else if args.iter().all(|a| *a == Some(!dominant)) {
                    Some(!dominant)
                } else {
                    None
                }
            };
            match pb::BoolExprType::try_from(b.boolop).ok()? {
                pb::BoolExprType::AndExpr => decided_by(false),
                pb::BoolExprType::OrExpr => decided_by(true),
                pb::BoolExprType::NotExpr => args.first().copied().flatten().map(|a| !a),
                pb::BoolExprType::Undefined => None,
            }
        }
        // `NULL IS NULL`, `1 IS NOT NULL`: decided when the operand is a constant.
        NodeEnum::NullTest(t) => {
            let null = match t.arg.as_deref()?.node.as_ref()? {
                NodeEnum::AConst(c) => c.isnull,
                _ => return None,
            };
            Some(null == (t.nulltesttype == pb::NullTestType::IsNull as i32))
        }
        // `true IS TRUE`, `false IS NOT TRUE`, ... (a NULL operand is unknown, not decided).
        NodeEnum::BooleanTest(t) => {
            let v = constant_truth(t.arg.as_deref()?)?;
            match pb::BoolTestType::try_from(t.booltesttype).ok()? {
                pb::BoolTestType::IsTrue | pb::BoolTestType::IsNotFalse => Some(v),
                pb::BoolTestType::IsFalse | pb::BoolTestType::IsNotTrue => Some(!v),
                pb::BoolTestType::IsNotUnknown => Some(true),
                pb::BoolTestType::IsUnknown => Some(false),
                pb::BoolTestType::Undefined => None,
            }
        }
        // `EXISTS (SELECT 1)`: a sub-select that reads no table and has no condition, or an
        // always-true one, returns a row.
        NodeEnum::SubLink(l) if l.sub_link_type == pb::SubLinkType::ExistsSublink as i32 => {
            match l.subselect.as_deref()?.node.as_ref()? {
                NodeEnum::SelectStmt(sel)
                    if sel.from_clause.is_empty()
                        && sel.limit_count.is_none()
                        && sel.having_clause.is_none()
                        && sel.values_lists.is_empty()
                        && sel.larg.is_none() =>
                {
                    match sel.where_clause.as_deref() {
                        None => Some(true),
                        Some(w) => constant_truth(w),
                    }
                }
                _ => None,
            }
        }
        NodeEnum::AExpr(e) if e.kind == pb::AExprKind::AexprOp as i32 => {
            let op = match e.name.as_slice() {
                [n] => node_name(n),
                _ => return None,
            };
            let l = constant(e.lexpr.as_deref()?)?;
            let r = constant(e.rexpr.as_deref()?)?;
            let ordering = match (&l, &r) {
                (Constant::Number(a), Constant::Number(b)) => a.partial_cmp(b)?,
                (Constant::Bool(a), Constant::Bool(b)) => a.cmp(b),
                // Text order depends on the collation: only equality is decided.
                (Constant::Text(a), Constant::Text(b))
                    if matches!(op.as_str(), "=" | "<>" | "!=") =>
                {
                    a.cmp(b)
                }
                _ => return None,
            };
            use std::cmp::Ordering::*;
            Some(match op.as_str() {
                "=" => ordering == Equal,
                "<>" | "!=" => ordering != Equal,
                "<" => ordering == Less,
                "<=" => ordering != Greater,
                ">" => ordering == Greater,
                ">=" => ordering != Less,
                _ => return None,
            })
        }
        _ => None,
    }
}

/// A condition true for every row in which some columns are not NULL, and those columns:
/// `col IS NOT NULL`, `col = col` (also `<=`, `>=`), and `AND` / `OR` of such conditions and
/// constant true ones. `None` when the condition says anything else.
pub(crate) fn true_unless_null(expr: &pb::Node) -> Option<Vec<String>> {
    // An unqualified column only: `art.id` may be another table's column or, in PL/pgSQL, a
    // variable (`WHERE id = art.id` is a filter).
    let column = |n: &pb::Node| match n.node.as_ref() {
        Some(NodeEnum::ColumnRef(c)) if c.fields.len() == 1 => c.fields.first().map(node_name),
        _ => None,
    };
    match expr.node.as_ref()? {
        NodeEnum::NullTest(t) if t.nulltesttype == pb::NullTestType::IsNotNull as i32 => {
            column(t.arg.as_deref()?).map(|c| vec![c])
        }
        NodeEnum::AExpr(e) if e.kind == pb::AExprKind::AexprOp as i32 => {
            let op = match e.name.as_slice() {
                [n] => node_name(n),
                _ => return None,
            };
            let (l, r) = (column(e.lexpr.as_deref()?)?, column(e.rexpr.as_deref()?)?);
            (matches!(op.as_str(), "=" | "<=" | ">=") && l == r).then(|| vec![l])
        }
        NodeEnum::BoolExpr(b) => {
            let and = b.boolop == pb::BoolExprType::AndExpr as i32;
            let or = b.boolop == pb::BoolExprType::OrExpr as i32;
            let mut out: Vec<String> = Vec::new();
            for a in &b.args {
                if constant_truth(a) == Some(true) {
                    continue;
                }
                match true_unless_null(a) {
                    Some(cols) if or => return Some(cols),
                    Some(cols) if and => out.extend(cols),
                    _ if and => return None,
                    _ => {}
                }
            }
            (and && !out.is_empty()).then_some(out)
        }
        _ => None,
    }
}

enum Constant {
    Bool(bool),
    Number(f64),
    Text(String),
}

fn constant(node: &pb::Node) -> Option<Constant> {
    match node.node.as_ref()? {
        NodeEnum::AConst(c) => match c.val.as_ref()? {
            pb::a_const::Val::Boolval(b) => Some(Constant::Bool(b.boolval)),
            pb::a_const::Val::Ival(i) => Some(Constant::Number(f64::from(i.ival))),
            pb::a_const::Val::Fval(f) => f.fval.parse().ok().map(Constant::Number),
            pb::a_const::Val::Sval(s) => Some(Constant::Text(s.sval.clone())),
            pb::a_const::Val::Bsval(_) => None,
        },
        _ => None,
    }
}

/// A query that returns no row whatever the tables hold: `WHERE false` (or any constant
/// false condition), `LIMIT 0`.
pub(crate) fn returns_no_rows(query: &NodeEnum) -> bool {
    let NodeEnum::SelectStmt(s) = query else {
        return false;
    };
    let never = s
        .where_clause
        .as_deref()
        .is_some_and(|w| constant_truth(w) == Some(false));
    let limit_zero = s
        .limit_count
        .as_deref()
        .and_then(constant)
        .is_some_and(|c| matches!(c, Constant::Number(n) if n == 0.0));
    never || limit_zero
}

/// The columns a `CHECK` expression reads, in order, once each; `None` when the expression
/// holds something whose columns rollsafe does not read (a sub-select, an unusual node), so
/// a caller never takes a partial list for the whole.
pub(crate) fn check_columns(expr: &pb::Node) -> Option<Vec<String>> {
    fn walk(n: &pb::Node, out: &mut Vec<String>) -> Option<()> {
        match n.node.as_ref()? {
            NodeEnum::ColumnRef(c) => {
                let name = c.fields.last().map(node_name)?;
                if !out.contains(&name) {
                    out.push(name);
                }
            }
            NodeEnum::AConst(_) | NodeEnum::SqlvalueFunction(_) => {}
            NodeEnum::AExpr(e) => {
                for side in [e.lexpr.as_deref(), e.rexpr.as_deref()]
                    .into_iter()
                    .flatten()
                {
                    walk(side, out)?;
                }
            }
            NodeEnum::BoolExpr(b) => b.args.iter().try_for_each(|a| walk(a, out))?,
            NodeEnum::NullTest(t) => walk(t.arg.as_deref()?, out)?,
            NodeEnum::BooleanTest(t) => walk(t.arg.as_deref()?, out)?,
            NodeEnum::TypeCast(c) => walk(c.arg.as_deref()?, out)?,
            NodeEnum::FuncCall(f) => f.args.iter().try_for_each(|a| walk(a, out))?,
            NodeEnum::CoalesceExpr(c) => c.args.iter().try_for_each(|a| walk(a, out))?,
            NodeEnum::List(l) => l.items.iter().try_for_each(|a| walk(a, out))?,
            NodeEnum::AArrayExpr(a) => a.elements.iter().try_for_each(|e| walk(e, out))?,
            _ => return None,
        }
        Some(())
    }
    let mut out = Vec::new();
    walk(expr, &mut out)?;
    Some(out)
}

//! Which column changes rewrite the table: ADD COLUMN defaults (volatile or not, by version),
//! type changes that are binary coercible, and widenings the schema replay can prove.

use crate::analyze::change::*;
use crate::analyze::schema::{self, Schema};

/// Why `ADD COLUMN` rewrites the table, if it does.
pub fn add_column_rewrite(column: &ColumnSpec, pg: u32) -> Option<String> {
    match column.generated {
        Generated::Stored => {
            return Some(format!(
                "stored generated column {} is computed for every row",
                column.name
            ));
        }
        Generated::Identity => {
            return Some(format!(
                "identity column {} is filled for every row",
                column.name
            ));
        }
        Generated::Virtual | Generated::No => {}
    }
    let default = column.default.as_ref().filter(|d| !d.is_null)?;
    if pg < 11 {
        return Some(format!(
            "before PostgreSQL 11 a default on {} is written into every row",
            column.name
        ));
    }
    match default.volatility {
        Volatility::NonVolatile => None,
        Volatility::Volatile => Some(format!(
            "the volatile default {}() on {} is evaluated for every row",
            default.function.as_deref().unwrap_or("?"),
            column.name
        )),
        Volatility::Unknown => Some(format!(
            "the default on {} calls {}, which rollsafe cannot prove non-volatile",
            column.name,
            default.function.as_deref().unwrap_or("an unknown function")
        )),
    }
}

/// Whether changing a column from `old` to `new` needs no rewrite (PostgreSQL skips the rewrite
/// for binary-coercible changes that cannot fail: widening lengths, `varchar` → `text`, ...).
pub fn binary_coercible(old: &TypeName, new: &TypeName) -> bool {
    if old.array != new.array {
        return false;
    }
    let widens = |old_mods: &[i64], new_mods: &[i64]| match (old_mods.first(), new_mods.first()) {
        (_, None) => true,
        (None, Some(_)) => false,
        (Some(o), Some(n)) => n >= o,
    };
    match (old.name.as_str(), new.name.as_str()) {
        (a, b) if a == b && old.modifiers == new.modifiers => true,
        ("varchar", "varchar") | ("bit varying", "bit varying") | ("varbit", "varbit") => {
            widens(&old.modifiers, &new.modifiers)
        }
        ("varchar", "text") | ("text", "varchar") if new.modifiers.is_empty() => true,
        ("bpchar", "text") | ("bpchar", "varchar") if new.modifiers.is_empty() => false,
        ("numeric", "numeric") => match (old.modifiers.as_slice(), new.modifiers.as_slice()) {
            (_, []) => true,
            ([op, os], [np, ns]) => ns == os && np >= op,
            ([op], [np]) => np >= op,
            _ => false,
        },
        ("cidr", "inet") => true,
        _ => false,
    }
}

/// Widening type changes are expand, not contract.
pub fn is_widening(table: &str, column: &str, new: &TypeName, schema: &Schema) -> bool {
    schema
        .table(schema::key(table))
        .and_then(|t| t.column(column))
        .is_some_and(|c| binary_coercible(&c.type_name, new))
}

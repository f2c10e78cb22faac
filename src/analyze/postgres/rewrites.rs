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

/// The session time zone a statement runs under, as far as the migration itself sets it
/// (`SET timezone` / `SET TIME ZONE`). Only a fixed zero offset matters: it is what lets
/// PostgreSQL 12+ change `timestamp` ⇄ `timestamptz` without a rewrite, and what makes that
/// change keep every value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SessionZone {
    /// Not set by the migration: the server's or role's setting, which rollsafe cannot see.
    #[default]
    Unknown,
    /// A zone with a fixed zero offset (`UTC`, `Etc/UTC`, `GMT`, ...).
    Utc,
    /// Any other zone.
    Other,
}

impl SessionZone {
    /// The zone a `SET timezone = value` selects.
    pub fn from_setting(value: &str) -> SessionZone {
        let v = value.trim().trim_matches(|c| c == '\'' || c == '"').trim();
        const UTC: &[&str] = &[
            "utc",
            "etc/utc",
            "uct",
            "etc/uct",
            "gmt",
            "etc/gmt",
            "zulu",
            "etc/zulu",
            "universal",
            "etc/universal",
            "greenwich",
            "etc/greenwich",
            "gmt0",
            "etc/gmt0",
            "etc/gmt+0",
            "etc/gmt-0",
            "0",
        ];
        if v.is_empty() || v.eq_ignore_ascii_case("default") || v.eq_ignore_ascii_case("local") {
            SessionZone::Unknown
        } else if UTC.iter().any(|u| v.eq_ignore_ascii_case(u)) {
            SessionZone::Utc
        } else {
            SessionZone::Other
        }
    }
}

/// Whether `ALTER COLUMN ... TYPE` copies every row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeRewrite {
    /// Binary compatible (or a length/precision increase the planner removes): no rewrite.
    No,
    /// Every row is converted.
    Yes,
    /// `timestamp` ⇄ `timestamptz` on PostgreSQL 12+: no rewrite under a UTC session, a
    /// rewrite otherwise; the migration does not say which.
    UnlessUtc,
}

/// What changing a column from one type to another does to the table and its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypeChange {
    pub rewrite: TypeRewrite,
    /// Every value of the old type converts to a value of the new type that converts back to
    /// the same value: old readers and writers keep working (expand, not contract).
    pub lossless: bool,
}

/// The facts of changing a column from `old` to `new` (with a computing `USING` expression or
/// not) on PostgreSQL `pg` under `zone`. Checked type by type against a real server in
/// `tests/pg_facts.rs`.
pub fn type_change(
    old: &TypeName,
    new: &TypeName,
    using_expression: bool,
    pg: u32,
    zone: SessionZone,
) -> TypeChange {
    if using_expression {
        // An expression computes new values: rollsafe cannot tell what it keeps.
        return TypeChange {
            rewrite: TypeRewrite::Yes,
            lossless: false,
        };
    }
    if binary_coercible(old, new) {
        return TypeChange {
            rewrite: TypeRewrite::No,
            lossless: true,
        };
    }
    if old.array || new.array {
        return TypeChange {
            rewrite: TypeRewrite::Yes,
            lossless: false,
        };
    }
    // A missing modifier is the type's maximum (`timestamp` is `timestamp(6)`).
    let keeps_precision = |o: &[i64], n: &[i64]| match (o.first(), n.first()) {
        (_, None) => true,
        (None, Some(n)) => *n >= 6,
        (Some(o), Some(n)) => n >= o,
    };
    let timestamps = matches!(
        (old.name.as_str(), new.name.as_str()),
        ("timestamp", "timestamptz") | ("timestamptz", "timestamp")
    );
    if timestamps {
        let precise = keeps_precision(&old.modifiers, &new.modifiers);
        let rewrite = if pg >= 12 && precise && new.modifiers.is_empty() {
            match zone {
                SessionZone::Utc => TypeRewrite::No,
                SessionZone::Other => TypeRewrite::Yes,
                SessionZone::Unknown => TypeRewrite::UnlessUtc,
            }
        } else {
            TypeRewrite::Yes
        };
        // Under a zone with daylight saving time, local times in the spring-forward gap move.
        return TypeChange {
            rewrite,
            lossless: precise && zone == SessionZone::Utc,
        };
    }
    TypeChange {
        rewrite: TypeRewrite::Yes,
        lossless: lossless_conversion(old, new),
    }
}

/// Conversions that rewrite the table but keep every value exactly.
fn lossless_conversion(old: &TypeName, new: &TypeName) -> bool {
    let (o, n) = (old.name.as_str(), new.name.as_str());
    let integer_rank = |t: &str| match t {
        "int2" => Some(1),
        "int4" => Some(2),
        "int8" => Some(3),
        _ => None,
    };
    if let (Some(a), Some(b)) = (integer_rank(o), integer_rank(n)) {
        return b >= a;
    }
    match (o, n) {
        // numeric without a precision holds any integer.
        ("int2" | "int4" | "int8", "numeric") => match new.modifiers.as_slice() {
            [] => true,
            [p] | [p, _] => {
                let digits = match o {
                    "int2" => 5,
                    "int4" => 10,
                    _ => 19,
                };
                let scale = new.modifiers.get(1).copied().unwrap_or(0);
                p - scale >= digits
            }
            _ => false,
        },
        // Every int2/int4 and float4 value is exact in a double.
        ("int2" | "int4" | "float4", "float8") => true,
        ("numeric", "numeric") => match (old.modifiers.as_slice(), new.modifiers.as_slice()) {
            (_, []) => true,
            ([op, os], [np, ns]) => ns >= os && np - ns >= op - os,
            ([op], [np, ns]) => np - ns >= *op,
            _ => false,
        },
        _ => false,
    }
}

/// Whether changing a column from `old` to `new` needs no rewrite (PostgreSQL skips the rewrite
/// for binary-coercible changes that cannot fail: widening lengths, `varchar` → `text`, ...).
pub fn binary_coercible(old: &TypeName, new: &TypeName) -> bool {
    // An array's elements are converted one by one (even varchar[] → text[]): a rewrite.
    if old.array || new.array {
        return old == new;
    }
    let widens = |old_mods: &[i64], new_mods: &[i64]| match (old_mods.first(), new_mods.first()) {
        (_, None) => true,
        (None, Some(_)) => false,
        (Some(o), Some(n)) => n >= o,
    };
    // Fractional seconds: no precision is the maximum, 6.
    let finer = |old_mods: &[i64], new_mods: &[i64]| {
        old_mods.first().copied().unwrap_or(6) <= new_mods.first().copied().unwrap_or(6)
    };
    match (old.name.as_str(), new.name.as_str()) {
        (a, b) if a == b && old.modifiers == new.modifiers => true,
        ("varchar", "varchar") | ("varbit", "varbit") => widens(&old.modifiers, &new.modifiers),
        ("varchar", "text") | ("text", "varchar") if new.modifiers.is_empty() => true,
        ("numeric", "numeric") => match (old.modifiers.as_slice(), new.modifiers.as_slice()) {
            (_, []) => true,
            ([op, os], [np, ns]) => ns == os && np >= op,
            ([op], [np]) => np >= op,
            _ => false,
        },
        // Fractional-second precision: a larger (or no) precision keeps every value.
        ("timestamp", "timestamp")
        | ("timestamptz", "timestamptz")
        | ("time", "time")
        | ("timetz", "timetz") => finer(&old.modifiers, &new.modifiers),
        ("cidr", "inet") => true,
        _ => false,
    }
}

/// Widening type changes are expand, not contract.
pub fn is_lossless(
    table: &str,
    column: &str,
    new: &TypeName,
    using_expression: bool,
    schema: &Schema,
    pg: u32,
    zone: SessionZone,
) -> bool {
    schema
        .table(schema::key(table))
        .and_then(|t| t.column(column))
        .is_some_and(|c| type_change(c.type_name(), new, using_expression, pg, zone).lossless)
}

//! `--data`: a few generated rows in every empty table before each up migration, so that the
//! statements that only fail on a table holding rows (SET NOT NULL, a new CHECK or UNIQUE, a
//! type change that cannot convert) fail as they would on a real database.
//!
//! Three rows per table: NOT NULL columns always get a value, nullable ones in the first two
//! rows only (a SET NOT NULL must meet a NULL), columns with a default, identity or generation
//! expression get theirs, and single-column foreign keys point at the first row of the
//! referenced table. Tables are filled in passes until no more can be (a table whose parent is
//! filled in a later pass gets its rows then); a table the generated rows do not fit stays empty.

use postgres::Client;
use postgres::types::Oid;

const ROWS: i32 = 3;

const TABLES_SQL: &str = "SELECT c.oid, c.oid::regclass::text FROM pg_class c \
    JOIN pg_namespace n ON n.oid = c.relnamespace \
    WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition \
    AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%' \
    ORDER BY c.oid";

const COLUMNS_SQL: &str = "SELECT quote_ident(a.attname), format_type(a.atttypid, a.atttypmod), \
    t.typcategory::text, t.typname::text, a.attnotnull, \
    (a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> ''), \
    (SELECT c.confrelid::regclass::text || '|' || quote_ident(r.attname) FROM pg_constraint c \
        JOIN pg_attribute r ON r.attrelid = c.confrelid AND r.attnum = c.confkey[1] \
        WHERE c.conrelid = a.attrelid AND c.contype = 'f' AND c.conkey = ARRAY[a.attnum] LIMIT 1) \
    FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid \
    WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum";

/// An expression of row number `g` for a column of this type, or `None` when there is no
/// simple one (the column is left to its default or NULL).
fn value(type_name: &str, category: &str, base: &str) -> Option<String> {
    let cast = |e: &str| format!("({e})::{type_name}");
    Some(match (category, base) {
        ("N", _) => cast("g"),
        ("S", _) => cast("'v' || g"),
        ("B", _) => "(g % 2 = 0)".into(),
        ("D", _) => cast("timestamp '2026-01-01' + g * interval '1 day'"),
        ("T", _) => cast("g * interval '1 minute'"),
        ("E", _) => format!("(enum_range(NULL::{type_name}))[1]"),
        ("A", _) => cast("'{}'"),
        ("I", _) => cast("'10.0.0.' || g"),
        ("U", "uuid") => cast("md5(g::text)"),
        ("U", "json" | "jsonb") => cast("'{\"n\": ' || g || '}'"),
        ("U", "bytea") => cast("'\\x00'"),
        _ => return None,
    })
}

/// Fill every empty table; returns how many tables got rows.
pub fn fill(client: &mut Client) -> Result<usize, postgres::Error> {
    let tables: Vec<(Oid, String)> = client
        .query(TABLES_SQL, &[])?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let mut pending: Vec<(Oid, String)> = Vec::new();
    for (oid, name) in tables {
        let empty: bool = client
            .query_one(&format!("SELECT NOT EXISTS (SELECT 1 FROM {name})"), &[])?
            .get(0);
        if empty {
            pending.push((oid, name));
        }
    }
    let mut filled = 0;
    // Each pass fills the tables whose referenced tables have rows by now.
    for _ in 0..4 {
        let mut left = Vec::new();
        for (oid, name) in pending {
            let insert = insert_for(client, oid, &name)?;
            if client.batch_execute(&insert).is_ok() {
                filled += 1;
            } else {
                left.push((oid, name));
            }
        }
        if left.is_empty() {
            break;
        }
        pending = left;
    }
    Ok(filled)
}

fn insert_for(client: &mut Client, oid: Oid, table: &str) -> Result<String, postgres::Error> {
    let mut columns = Vec::new();
    let mut values = Vec::new();
    for row in client.query(COLUMNS_SQL, &[&oid])? {
        let name: String = row.get(0);
        let type_name: String = row.get(1);
        let category: String = row.get(2);
        let base: String = row.get(3);
        let not_null: bool = row.get(4);
        let has_default: bool = row.get(5);
        let reference: Option<String> = row.get(6);
        if has_default {
            continue;
        }
        let expression = match reference.as_deref().and_then(|r| r.split_once('|')) {
            Some((parent, column)) => Some(format!(
                "(SELECT {column} FROM {parent} ORDER BY 1 LIMIT 1)"
            )),
            None => value(&type_name, &category, &base),
        };
        let Some(expression) = expression else {
            continue;
        };
        columns.push(name);
        values.push(if not_null {
            expression
        } else {
            format!("CASE WHEN g < {ROWS} THEN {expression} END")
        });
    }
    Ok(if columns.is_empty() {
        format!("INSERT INTO {table} SELECT FROM generate_series(1, {ROWS}) g")
    } else {
        format!(
            "INSERT INTO {table} ({}) SELECT {} FROM generate_series(1, {ROWS}) g",
            columns.join(", "),
            values.join(", ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_follow_the_type_category() {
        assert_eq!(
            value("integer", "N", "int4").as_deref(),
            Some("(g)::integer")
        );
        assert_eq!(
            value("character varying(5)", "S", "varchar").as_deref(),
            Some("('v' || g)::character varying(5)")
        );
        assert_eq!(value("point", "G", "point"), None);
    }
}

use super::{Code, Context, Diagnostic, Family, Check, Rule, Directions};
use crate::analyze::Change;
use crate::config::Severity;

pub const RULE: Rule = Rule {
    code: Code::RS101,
    name: "create-index-without-concurrently",
    family: Family::Lock,
    severity: Severity::Error,
    doc: include_str!("../../rules/RS101.md"),
    directions: Directions::CHANGING_SCHEMA,
    check: Check::Migration(check),
};

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for (i, s) in ctx.statements.iter().enumerate() {
        for change in &s.changes {
            let Change::CreateIndex {
                index,
                table,
                concurrently: false,
                only,
                unique,
                columns,
                ..
            } = change
            else {
                continue;
            };
            if s.is_new(table) {
                continue;
            }
            if s.partitioned.contains(table) {
                // `ON ONLY` builds nothing: it is the first step of the safe way.
                if !*only {
                    out.push(partitioned(i, s, index.as_deref(), table, *unique, columns));
                }
                continue;
            }
            let unique = if *unique { "UNIQUE " } else { "" };
            let name = index
                .as_deref()
                .map(|n| format!("{n} "))
                .unwrap_or_default();
            out.push(
                Diagnostic::at_change(Code::RS101, i, s, change,
                    format!(
                        "CREATE {unique}INDEX {name}without CONCURRENTLY locks {table} against writes (SHARE) \
                         while it reads every row to build the index"
                    ),
                )
                .help(format!(
                    "Use `CREATE {unique}INDEX CONCURRENTLY {name}ON {table} (...)` in a migration of its own that \
                     does not run in a transaction; if it fails, drop the INVALID index it leaves before retrying."
                )),
            );
        }
    }
}

/// PostgreSQL refuses `CREATE INDEX CONCURRENTLY` on a partitioned table: the advice is the
/// per-partition build the documentation describes.
fn partitioned(
    i: usize,
    s: &crate::analyze::StatementFacts,
    index: Option<&str>,
    table: &str,
    unique: bool,
    columns: &[String],
) -> Diagnostic {
    let unique = if unique { "UNIQUE " } else { "" };
    let short = table.rsplit('.').next().unwrap_or(table);
    let name = index.map_or_else(|| format!("{short}_idx"), str::to_string);
    let partitions: Vec<&str> = s
        .locks
        .iter()
        .map(|l| l.relation.as_str())
        .filter(|r| *r != table && !s.is_new(r))
        .collect();
    let example = partitions.first().copied().unwrap_or("each_partition");
    let example_short = example.rsplit('.').next().unwrap_or(example);
    let cols = columns.join(", ");
    Diagnostic::at_statement(
        Code::RS101,
        i,
        s,
        format!(
            "CREATE {unique}INDEX on the partitioned table {table} locks it and every partition ({}) against \
             writes (SHARE) while it builds the index of each partition; PostgreSQL refuses CONCURRENTLY on a \
             partitioned table",
            if partitions.is_empty() {
                "none known yet".to_string()
            } else {
                partitions.join(", ")
            }
        ),
    )
    .help(format!(
        "Build it partition by partition: `CREATE {unique}INDEX {name} ON ONLY {table} ({cols});` (instant, \
         invalid until every partition has its index), then for each partition, in a migration that does not run \
         in a transaction, `CREATE {unique}INDEX CONCURRENTLY {example_short}_{cols_name} ON {example} ({cols});` \
         and `ALTER INDEX {name} ATTACH PARTITION {example_short}_{cols_name};`. The parent index becomes valid \
         when the last partition's index is attached.",
        cols_name = columns
            .iter()
            .map(|c| c.trim_matches(|ch: char| !ch.is_alphanumeric()))
            .collect::<Vec<_>>()
            .join("_")
            + "_idx"
    ))
}

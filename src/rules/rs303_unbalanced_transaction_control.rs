use super::{Code, Context, Diagnostic, Family, Check, Rule, Directions};
use crate::analyze::TxControl;
use crate::analyze::transaction::{ends_block, tool_wraps, tx_control};
use crate::config::Severity;

pub const RULE: Rule = Rule {
    code: Code::RS303,
    name: "unbalanced-transaction-control",
    family: Family::Transaction,
    severity: Severity::Warning,
    doc: include_str!("../../rules/RS303.md"),
    directions: Directions::ALL,
    check: Check::Migration(check),
};

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let wrapped = tool_wraps(ctx.unit, ctx.statements);
    let mut open: Option<usize> = None;
    for (i, s) in ctx.statements.iter().enumerate() {
        let Some(control) = tx_control(s) else {
            continue;
        };
        let message = if wrapped {
            match control {
                TxControl::Begin => format!(
                    "BEGIN inside the transaction the migration tool already opened ({}): PostgreSQL ignores it \
                     with a warning, and the first COMMIT ends the tool's transaction",
                    ctx.unit.transaction.reason
                ),
                c if ends_block(c) => format!(
                    "{} ends the transaction the migration tool opened ({}): the statements after it run outside \
                     any transaction, and the tool's own COMMIT finds none",
                    s.kind, ctx.unit.transaction.reason
                ),
                _ => continue,
            }
        } else {
            match control {
                TxControl::Begin => match open {
                    Some(begin) => format!(
                        "BEGIN while the transaction opened at line {} is still open: PostgreSQL ignores it with a \
                         warning, and the first COMMIT ends both",
                        ctx.statements[begin].start.line
                    ),
                    None => {
                        open = Some(i);
                        continue;
                    }
                },
                c if ends_block(c) => {
                    if open.take().is_some() {
                        continue;
                    }
                    format!(
                        "{} without a matching BEGIN: there is no transaction to end here",
                        s.kind
                    )
                }
                _ => continue,
            }
        };
        let help = if wrapped {
            "Remove BEGIN/COMMIT from this migration: the tool already runs it in a transaction. If part of it must \
             run outside a transaction, move that part to its own non-transactional migration."
        } else {
            "Pair every BEGIN with one COMMIT in the same migration, or remove the stray transaction control."
        };
        out.push(Diagnostic::at_statement(Code::RS303, i, s, message).help(help));
    }
    if let Some(begin) = open {
        let s = &ctx.statements[begin];
        out.push(
            Diagnostic::at_statement(
                Code::RS303,
                begin,
                s,
                "BEGIN is never committed in this migration: what happens to its statements depends on the \
                 runner (psql rolls an open transaction back when the script ends)",
            )
            .help("End the transaction with COMMIT at the end of the migration."),
        );
    }
}

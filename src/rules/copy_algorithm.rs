//! RS108's MySQL/MariaDB reading: a statement the server can only run with ALGORITHM=COPY on a
//! table that existed before the change. The causes with rules of their own (RS122–RS124) are
//! left to them.

use super::{Code, Context, Diagnostic};
use crate::analyze::mysql::{Algorithm, NeedKind};

pub(super) fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for (i, s) in ctx.statements.iter().enumerate() {
        let Some(online) = &s.online else { continue };
        if online.algorithm != Algorithm::Copy || s.is_new(&online.table) {
            continue;
        }
        let Some(need) = online
            .needs
            .iter()
            .find(|n| n.algorithm == Algorithm::Copy && n.kind == NeedKind::Plain)
        else {
            continue;
        };
        let may = if need.assumed { "may need" } else { "needs" };
        out.push(
            Diagnostic::at_statement(
                Code::RS108,
                i,
                s,
                format!(
                    "{} {may} ALGORITHM=COPY: {} is copied row by row and writes wait (LOCK=SHARED) until the copy is done",
                    need.what, online.table
                ),
            )
            .help(
                "Make the change in steps that run in place (add a new column, backfill it in batches, switch reads, \
                 drop the old one later), or run it with an online schema change tool (gh-ost, \
                 pt-online-schema-change).",
            ),
        );
    }
}

use super::{Check, Code, Context, Diagnostic, Directions, Family, Rule};
use crate::analyze::Change;
use crate::config::Severity;
use crate::source::Span;
use std::collections::HashMap;

pub const RULE: Rule = Rule {
    code: Code::E004,
    name: "unclassified-statement",
    family: Family::Input,
    // The gate cannot prove harmless what it cannot see: an error until approved.
    severity: Severity::Error,
    doc: include_str!("../../rules/E004.md"),
    directions: Directions::ALL,
    check: Check::Migration(check),
};

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for (i, s) in ctx.statements.iter().enumerate() {
        if s.syntax_error.is_some() {
            continue;
        }
        if !s.known {
            out.push(
                Diagnostic::at_statement(
                    Code::E004,
                    i,
                    s,
                    format!("rollsafe does not know what a `{}` statement does; it is not assumed safe", s.kind),
                )
                .help(HELP),
            );
        }
        // Code the dialect marks opaque without saying more (MySQL's CALL and prepared
        // EXECUTE): never silently safe.
        if s.body().opaque.is_empty() && s.changes.iter().any(|c| matches!(c, Change::Opaque)) {
            out.push(
                Diagnostic::at_statement(
                    Code::E004,
                    i,
                    s,
                    format!(
                        "rollsafe cannot see what this {} runs (locks, drops, data changes); it is not assumed safe",
                        s.kind
                    ),
                )
                .help(HELP),
            );
        }
        // One cause, one finding: the places one call reaches for the same reason are listed
        // in one finding, not one finding each.
        let mut groups: Vec<(&crate::analyze::procedural::Opaque, String, Vec<&str>)> = Vec::new();
        let mut index: HashMap<(Span, String, Option<&str>), usize> = HashMap::new();
        for opaque in &s.body().opaque {
            let reason = opaque.reason.to_string();
            let key = (opaque.span, reason.clone(), opaque.via.as_ref().map(|v| v.routine.as_str()));
            match index.get(&key) {
                Some(&g) => groups[g].2.extend(opaque.via.as_ref().map(|v| v.at.as_str())),
                None => {
                    index.insert(key, groups.len());
                    groups.push((opaque, reason, opaque.via.iter().map(|v| v.at.as_str()).collect()));
                }
            }
        }
        for (opaque, reason, places) in groups {
            let via = match &opaque.via {
                Some(v) if places.len() > 1 => format!(
                    ", reached through {}() at {} ({} places)",
                    v.routine,
                    places.join(", "),
                    places.len()
                ),
                Some(v) => format!(", reached through {v}"),
                None => String::new(),
            };
            out.push(
                Diagnostic {
                    span: opaque.span,
                    ..Diagnostic::at_statement(
                        Code::E004,
                        i,
                        s,
                        format!(
                            "rollsafe cannot see what this {} runs: {reason}{via}; it is not assumed safe",
                            s.kind
                        ),
                    )
                }
                .help(HELP),
            );
        }
    }
}

const HELP: &str = "Write the DDL as plain statements (or constant SQL) so every rule can check it; otherwise review \
     the code and approve the statement with `-- rollsafe:contract approved-by=NAME ticket=ID`, or record the \
     review with `-- rollsafe:allow E004 reason=\"...\"`.";

use super::{Code, Context, Diagnostic, Family, Check, Rule, Directions};
use crate::config::Severity;
use crate::parse::MarkerKind;

pub const RULE: Rule = Rule {
    code: Code::E003,
    name: "invalid-marker",
    family: Family::Input,
    severity: Severity::Error,
    doc: include_str!("../../rules/E003.md"),
    directions: Directions::ALL,
    check: Check::Migration(check),
};

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for m in ctx.own_markers() {
        for p in &m.problems {
            out.push(
                Diagnostic::new(Code::E003, p.span, format!("invalid rollsafe marker: {}", p.message))
                    .help("A marker with a typo approves and silences nothing; fix it."),
            );
        }
        if m.kind != Some(MarkerKind::Allow) {
            continue;
        }
        for (code, span) in &m.codes {
            match Code::parse(code.trim_end_matches(',')) {
                None => out.push(
                    Diagnostic::new(Code::E003, *span, format!("`{code}` is not a rollsafe rule code"))
                        .help("`rollsafe rules` lists every code."),
                ),
                Some(Code::RS006) => out.push(
                    Diagnostic::new(
                        Code::E003,
                        *span,
                        format!("{code} cannot be allowed: a break-glass marker is always reported"),
                    )
                    .help("Remove the break-glass marker once the incident is over."),
                ),
                Some(c @ (Code::E001 | Code::RS401 | Code::RS402)) => out.push(
                    Diagnostic::new(
                        Code::E003,
                        *span,
                        format!(
                            "{code} cannot be allowed: {}",
                            match c {
                                Code::E001 => "rollsafe cannot see what an unparsed statement does",
                                Code::RS401 => "an edit to an applied migration never reaches the databases that ran it",
                                _ => "the order of migrations that already ran cannot be waved through by the change itself",
                            }
                        ),
                    )
                    .help("Fix the cause; when it must go through anyway, use a `rollsafe:break-glass` marker, which is always reported."),
                ),
                Some(c) if !c.can_be_allowed() => out.push(
                    Diagnostic::new(
                        Code::E003,
                        *span,
                        format!("{code} cannot be allowed: destructive changes are approved with a contract marker"),
                    )
                    .help("Write `-- rollsafe:contract approved-by=NAME ticket=ID` before the statement."),
                ),
                Some(_) => {}
            }
        }
        if m.get("reason").is_none() {
            out.push(
                Diagnostic::new(Code::E003, m.span, "`rollsafe:allow` needs a reason=\"...\"")
                    .help("Say why the finding does not apply, e.g. reason=\"table holds 40 rows\"."),
            );
        }
    }
}

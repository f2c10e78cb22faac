use super::{Code, Context, Diagnostic, Family, Check, Rule, Directions};
use crate::config::Severity;
use crate::source::Span;

pub const RULE: Rule = Rule {
    code: Code::E001,
    name: "syntax-error",
    family: Family::Input,
    severity: Severity::Error,
    doc: include_str!("../../rules/E001.md"),
    directions: Directions::ALL,
    check: Check::Migration(check),
};

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for (i, s) in ctx.statements.iter().enumerate() {
        if let Some(e) = &s.syntax_error {
            let end = (e.offset + 1).min(s.span.end.max(e.offset));
            let message = if e.refused {
                format!("rollsafe cannot read this statement the way the server will: {}", e.message)
            } else {
                format!("{} cannot parse this statement: {}", parser_name(ctx.target.dialect), e.message)
            };
            out.push(Diagnostic {
                span: Span::new(e.offset, end),
                ..Diagnostic::at_statement(Code::E001, i, s, message)
            }
            .help("Fix the SQL; the other statements of the file are still checked."));
        }
    }
}

/// Who could not parse it: PostgreSQL's own grammar, or sqlparser's for the other dialects.
fn parser_name(dialect: crate::target::Dialect) -> &'static str {
    use crate::target::Dialect;
    match dialect {
        Dialect::Postgres => "PostgreSQL",
        Dialect::Mysql => "rollsafe's MySQL parser",
        Dialect::Mariadb => "rollsafe's MariaDB parser",
        Dialect::Sqlite => "rollsafe's SQLite parser",
    }
}

//! PostgreSQL statements through libpg_query (PostgreSQL's own grammar), and the psql-style
//! splitter (`split`) that cuts a file into statements first, so one bad statement never hides
//! the others.

pub mod libpg_query;
pub mod split;
pub mod walk;

use super::{SqlTree, StatementBody, SyntaxError};
use crate::source::Span;

/// Parse consecutive statements (spans of `text`) in one parser call; only a batch with an
/// error is parsed again statement by statement, so one bad statement never hides the others.
pub(super) fn parse_batch(text: &str, batch: &[Span]) -> Vec<(Span, StatementBody)> {
    match batch {
        [] => Vec::new(),
        [one] => parse_sql(text, *one),
        [first, .., last] => {
            let whole = Span::new(first.start, last.end);
            match libpg_query::parse_statements(&text[whole.start..whole.end]) {
                // The parser must agree with the splitter on the statement count; otherwise
                // fall back so spans stay exactly the splitter's.
                Ok(result) if result.stmts.len() == batch.len() => result
                    .stmts
                    .into_iter()
                    .zip(batch.iter())
                    .map(|(raw, span)| {
                        let body = match raw.stmt.and_then(|n| n.node) {
                            Some(node) => StatementBody::Sql(SqlTree::Postgres(Box::new(node))),
                            None => StatementBody::SyntaxError(SyntaxError {
                                message: "empty statement".into(),
                                offset: span.start,
                                refused: false,
                            }),
                        };
                        (*span, body)
                    })
                    .collect(),
                _ => batch
                    .iter()
                    .flat_map(|span| parse_sql(text, *span))
                    .collect(),
            }
        }
    }
}

fn parse_sql(text: &str, span: Span) -> Vec<(Span, StatementBody)> {
    let sql = &text[span.start..span.end];
    match libpg_query::parse_statements(sql) {
        Ok(result) => {
            let mut out = Vec::with_capacity(result.stmts.len());
            for raw in result.stmts {
                let start = span.start + (raw.stmt_location.max(0) as usize).min(sql.len());
                let end = if raw.stmt_len > 0 {
                    (start + raw.stmt_len as usize).min(span.end)
                } else {
                    span.end
                };
                let body = match raw.stmt.and_then(|n| n.node) {
                    Some(node) => StatementBody::Sql(SqlTree::Postgres(Box::new(node))),
                    None => StatementBody::SyntaxError(SyntaxError {
                        message: "empty statement".into(),
                        offset: start,
                        refused: false,
                    }),
                };
                out.push((Span::new(start, end), body));
            }
            out
        }
        Err(err) => vec![(
            span,
            StatementBody::SyntaxError(SyntaxError {
                message: err.message,
                offset: span.start + err.offset,
                refused: false,
            }),
        )],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body_kinds(sql: &str) -> Vec<String> {
        parse_sql(sql, Span::new(0, sql.len()))
            .into_iter()
            .map(|(_, body)| match body {
                StatementBody::Sql(_) => "sql".to_string(),
                StatementBody::PsqlMeta(_) => "meta".to_string(),
                StatementBody::SyntaxError(e) => format!("error@{}:{}", e.offset, e.message),
            })
            .collect()
    }

    #[test]
    fn syntax_error_has_the_parser_position() {
        let sql = "SELECT 1 FROMM t";
        assert_eq!(
            body_kinds(sql),
            vec!["error@15:syntax error at or near \"t\""]
        );
        let sql = "CREATE TABLE é (a int,, b int)";
        let kinds = body_kinds(sql);
        // The offset is in bytes even though the parser counts characters.
        assert_eq!(
            kinds,
            vec![format!(
                "error@{}:syntax error at or near \",\"",
                sql.find(",,").unwrap() + 1
            )]
        );
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let sql = format!("SELECT {}1{}", "(".repeat(10_000), ")".repeat(10_000));
        let kinds = body_kinds(&sql);
        assert_eq!(kinds.len(), 1);
        assert!(kinds[0].starts_with("error@"), "{kinds:?}");
    }
}

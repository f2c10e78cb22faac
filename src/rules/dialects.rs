//! Which rules hold for which engine. PostgreSQL's lock rules speak of its lock modes, its
//! `CONCURRENTLY` and `NOT VALID`, its transactional DDL: they stay silent on the other
//! dialects, whose own rules (RS120–RS139) say what is true there.

use super::Code;
use crate::target::Dialect;

pub fn applies(code: Code, dialect: Dialect) -> bool {
    use Code::*;
    match code {
        RS101 | RS102 | RS103 | RS104 | RS105 | RS106 | RS107 | RS109 | RS110 | RS111 | RS112
        | RS113 | RS114 | RS301 | RS302 => dialect == Dialect::Postgres,
        // RS108 has a MySQL reading: the COPY algorithm.
        RS108 => dialect != Dialect::Sqlite,
        RS120 | RS121 | RS122 | RS123 | RS124 | RS125 => dialect.is_mysql_family(),
        RS130 | RS131 => dialect == Dialect::Sqlite,
        _ => true,
    }
}

/// Whether a relation existed before this change (a statement on a new one blocks no one).
pub fn existing(s: &crate::analyze::StatementFacts, table: &str) -> bool {
    !s.is_new(table)
}

//! `path:line:col: severity[CODE] message`, one line per finding (editors, pre-commit).

use std::fmt::Write;

use crate::rules::Report;

pub fn render(report: &Report, show_suppressed: bool) -> String {
    let mut out = String::new();
    for p in &report.problems {
        let _ = writeln!(
            out,
            "{}:{}:{}: {}[{}] {}",
            crate::source::display_path(&p.problem.path),
            p.start.line,
            p.start.column,
            p.severity.name(),
            p.code,
            p.finding_message
        );
    }
    for unit in &report.units {
        let path = unit.migration.source.display_path();
        for f in &unit.findings {
            if f.is_suppressed() && !show_suppressed {
                continue;
            }
            let suffix = match &f.suppression {
                Some(s) => format!(" (suppressed: {})", s.justification),
                None => String::new(),
            };
            let _ = writeln!(
                out,
                "{path}:{}:{}: {}[{}] {}{suffix}",
                f.start.line,
                f.start.column,
                f.severity.name(),
                f.code(),
                f.diagnostic.message
            );
        }
    }
    out
}

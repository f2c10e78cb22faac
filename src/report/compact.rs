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
    // Each unit's lines in parallel (a large run has tens of thousands), then in unit order.
    let units = crate::threads::map_ref(&report.units, |unit| {
        let mut out = String::new();
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
        out
    });
    out.reserve(units.iter().map(String::len).sum());
    units.iter().for_each(|u| out.push_str(u));
    out
}

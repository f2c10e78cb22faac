//! `path:line:col: severity[CODE] message`, one line per finding (editors, pre-commit).

use std::fmt::Write;

use crate::rules::Report;

pub fn render(report: &Report, show_suppressed: bool) -> String {
    let mut out = Vec::new();
    // Writing to a vector cannot fail.
    let _ = write(report, show_suppressed, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// [`render`] written to `out` a batch of units at a time: a large run's report (tens of
/// thousands of lines) is never held whole, and each batch is formatted in parallel.
pub fn write(
    report: &Report,
    show_suppressed: bool,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let mut problems = String::new();
    for p in &report.problems {
        let _ = writeln!(
            problems,
            "{}:{}:{}: {}[{}] {}",
            crate::source::display_path(&p.problem.path),
            p.start.line,
            p.start.column,
            p.severity.name(),
            p.code,
            p.finding_message
        );
    }
    out.write_all(problems.as_bytes())?;
    for batch in report.units.chunks(UNITS_PER_BATCH) {
        let lines = crate::threads::map_ref(batch, |unit| {
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
        for unit in lines {
            out.write_all(unit.as_bytes())?;
        }
    }
    Ok(())
}

/// Units formatted together by [`write`]: enough to share out between threads, few enough that
/// their text stays small.
const UNITS_PER_BATCH: usize = 256;

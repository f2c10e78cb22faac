//! `path:line:col: severity[CODE] message`, one line per finding (editors, pre-commit).

use std::fmt::Write;

use super::Totals;
use crate::rules::{ProblemReport, Report, ReportSink, UnitReport};

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
    write_problems(&report.problems, out)?;
    write_units(&report.units, show_suppressed, out)
}

fn write_problems(problems: &[ProblemReport], out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut text = String::new();
    for p in problems {
        let _ = writeln!(
            text,
            "{}:{}:{}: {}[{}] {}",
            crate::source::display_path(&p.problem.path),
            p.start.line,
            p.start.column,
            p.severity.name(),
            p.code,
            p.finding_message
        );
    }
    out.write_all(text.as_bytes())
}

fn write_units(
    units: &[UnitReport],
    show_suppressed: bool,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    for batch in units.chunks(UNITS_PER_BATCH) {
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

/// The compact report written as a run hands it over ([`ReportSink`], see
/// `check::check_into`), with the totals the exit code needs. The first write error stops
/// the writing; [`Writer::finish`] returns it.
pub struct Writer<W> {
    out: W,
    show_suppressed: bool,
    totals: Totals,
    error: Option<std::io::Error>,
}

impl<W: std::io::Write + Send> Writer<W> {
    pub fn new(out: W, show_suppressed: bool) -> Writer<W> {
        Writer {
            out,
            show_suppressed,
            totals: Totals::default(),
            error: None,
        }
    }

    /// The findings counted (files are not), and the destination flushed, or the first write
    /// error.
    pub fn finish(mut self) -> (Totals, std::io::Result<W>) {
        let written = match self.error.take() {
            Some(e) => Err(e),
            None => self.out.flush().map(|()| self.out),
        };
        (self.totals, written)
    }
}

impl<W: std::io::Write + Send> ReportSink for Writer<W> {
    fn problems(&mut self, problems: &[ProblemReport]) {
        problems.iter().for_each(|p| self.totals.add_problem(p));
        if self.error.is_none() {
            self.error = write_problems(problems, &mut self.out).err();
        }
    }

    fn units(&mut self, units: &[UnitReport]) {
        units.iter().for_each(|u| self.totals.add_unit(u));
        if self.error.is_none() {
            self.error = write_units(units, self.show_suppressed, &mut self.out).err();
        }
    }
}

/// Units formatted together by [`write`]: enough to share out between threads, few enough that
/// their text stays small.
const UNITS_PER_BATCH: usize = 256;

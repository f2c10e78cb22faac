//! Human output: miette's graphical reports with the source snippet, code and help. Colour only
//! on a terminal and never with `NO_COLOR`.

use std::sync::Arc;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, SourceCode};

use crate::config::Severity;
use crate::rules::{Finding, Report};
use crate::source::SourceFile;

/// Lets miette read a file's text without copying it per finding.
#[derive(Debug, Clone)]
struct Shared(Arc<SourceFile>);

impl SourceCode for Shared {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let contents =
            self.0
                .text
                .as_str()
                .read_span(span, context_lines_before, context_lines_after)?;
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.0.display_path(),
            contents.data(),
            *contents.span(),
            contents.line(),
            contents.column(),
            contents.line_count(),
        )))
    }
}

pub fn render(report: &Report, color: bool, show_suppressed: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(100);
    let mut out = String::new();
    for p in &report.problems {
        let diag = MietteDiagnostic::new(format!(
            "{}: {}",
            crate::source::display_path(&p.problem.path),
            p.finding_message
        ))
        .with_code(p.code.as_str())
        .with_severity(severity(p.severity));
        let _ = handler.render_report(&mut out, &diag);
        out.push('\n');
    }
    for unit in &report.units {
        for f in &unit.findings {
            if f.is_suppressed() && !show_suppressed {
                continue;
            }
            let report = miette::Report::new(diagnostic(f))
                .with_source_code(Shared(unit.migration.source.clone()));
            let _ = handler.render_report(&mut out, report.as_ref());
            out.push('\n');
        }
    }
    let totals = super::Totals::of(report);
    out.push_str(&format!(
        "rollsafe: {} in {} ({})\n",
        totals.findings_line(),
        super::plural(totals.files, "file"),
        super::plural(totals.statements, "statement")
    ));
    out
}

fn diagnostic(f: &Finding) -> MietteDiagnostic {
    let d = &f.diagnostic;
    let mut message = d.message.clone();
    if let Some(s) = &f.suppression {
        message.push_str(&format!(" [suppressed: {}]", s.justification));
    }
    // Long statements: label only their first line so the snippet stays readable.
    let span_len = d.span.len().max(1);
    let mut diag = MietteDiagnostic::new(message)
        .with_code(d.code.as_str())
        // An accepted finding is shown, but as advice: it does not fail the run.
        .with_severity(if f.is_suppressed() {
            miette::Severity::Advice
        } else {
            severity(f.severity)
        })
        .with_label(LabeledSpan::new_primary_with_span(
            Some(d.code.rule().summary().to_string()),
            (d.span.start, span_len),
        ));
    if let Some(help) = &d.help {
        diag = diag.with_help(help.clone());
    }
    diag
}

fn severity(s: Severity) -> miette::Severity {
    match s {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
        Severity::Info => miette::Severity::Advice,
    }
}

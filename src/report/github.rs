//! GitHub Actions workflow commands: `::error file=…,line=…,col=…,endLine=…,endColumn=…,title=…::…`.
//!
//! GitHub shows at most 10 annotations of each type (error, warning, notice) per step and drops
//! the rest, so errors come first, then warnings, then notices (info findings, and suppressed
//! findings as notices naming their approval). Findings past the limit are printed as plain log
//! lines, and a final notice gives the totals and how many were not annotated.

use std::fmt::Write;

use super::{RenderOptions, Totals, plural, root_relative};
use crate::config::Severity;
use crate::rules::Report;

/// Annotations of one type that GitHub shows per step.
pub const LIMIT: usize = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Error,
    Warning,
    Notice,
}

impl Kind {
    fn command(self) -> &'static str {
        match self {
            Kind::Error => "error",
            Kind::Warning => "warning",
            Kind::Notice => "notice",
        }
    }
    fn of(severity: Severity, suppressed: bool) -> Kind {
        match severity {
            _ if suppressed => Kind::Notice,
            Severity::Error => Kind::Error,
            Severity::Warning => Kind::Warning,
            Severity::Info => Kind::Notice,
        }
    }
}

struct Annotation {
    kind: Kind,
    file: String,
    start: (usize, usize),
    end: (usize, usize),
    title: String,
    message: String,
    /// `path:line:col: severity[CODE] message`, for the log when not annotated.
    plain: String,
}

impl Annotation {
    fn command(&self) -> String {
        let mut props = vec![
            format!("file={}", escape_property(&self.file)),
            format!("line={}", self.start.0),
        ];
        // Columns only make sense on a single line (GitHub ignores them otherwise).
        if self.start.0 == self.end.0 {
            props.push(format!("col={}", self.start.1));
            props.push(format!("endLine={}", self.end.0));
            // Our end column is exclusive; GitHub's is the last character's.
            props.push(format!(
                "endColumn={}",
                self.end.1.saturating_sub(1).max(self.start.1)
            ));
        } else {
            props.push(format!("endLine={}", self.end.0));
        }
        props.push(format!("title={}", escape_property(&self.title)));
        format!(
            "::{} {}::{}",
            self.kind.command(),
            props.join(","),
            escape_data(&self.message)
        )
    }
}

pub fn render(report: &Report, options: &RenderOptions) -> String {
    let mut annotations = Vec::new();
    for p in &report.problems {
        let file = root_relative(&p.problem.path, &options.root)
            .unwrap_or_else(|| crate::source::display_path(&p.problem.path));
        annotations.push(Annotation {
            kind: Kind::of(p.severity, false),
            plain: format!(
                "{file}:{}:{}: {}[{}] {}",
                p.start.line,
                p.start.column,
                p.severity.name(),
                p.code,
                p.finding_message
            ),
            file,
            start: (p.start.line, p.start.column),
            end: (p.start.line, p.start.column),
            title: format!("rollsafe {}: {}", p.code, p.code.rule().name),
            message: p.finding_message.clone(),
        });
    }
    for unit in &report.units {
        let source = &unit.migration.source;
        let file =
            root_relative(&source.path, &options.root).unwrap_or_else(|| source.display_path());
        for f in &unit.findings {
            if f.is_suppressed() && !options.show_suppressed {
                continue;
            }
            let d = &f.diagnostic;
            let rule = d.code.rule();
            let mut message = d.message.clone();
            if let Some(help) = &d.help {
                message.push_str("\n\nHelp: ");
                message.push_str(help);
            }
            let (title, plain_suffix) = match &f.suppression {
                Some(s) => {
                    message.push_str("\n\nSuppressed: ");
                    message.push_str(&s.justification);
                    (
                        format!("rollsafe {} ({}) suppressed", d.code, s.kind.name()),
                        format!(" (suppressed: {})", s.justification),
                    )
                }
                None => (format!("rollsafe {}: {}", d.code, rule.name), String::new()),
            };
            annotations.push(Annotation {
                kind: Kind::of(f.severity, f.is_suppressed()),
                plain: format!(
                    "{file}:{}:{}: {}[{}] {}{plain_suffix}",
                    f.start.line,
                    f.start.column,
                    f.severity.name(),
                    d.code,
                    d.message
                ),
                file: file.clone(),
                start: (f.start.line, f.start.column),
                end: (f.end.line, f.end.column),
                title,
                message,
            });
        }
    }
    // Errors first: GitHub keeps only the first LIMIT of each type. Stable, so file order stays.
    annotations.sort_by_key(|a| a.kind);

    let mut out = String::new();
    let mut shown = [0usize; 3];
    let mut not_annotated = Vec::new();
    for a in &annotations {
        let slot = a.kind as usize;
        // One notice is kept for the summary line.
        let limit = if a.kind == Kind::Notice {
            LIMIT - 1
        } else {
            LIMIT
        };
        if shown[slot] < limit {
            shown[slot] += 1;
            let _ = writeln!(out, "{}", a.command());
        } else {
            not_annotated.push(a);
        }
    }
    if !not_annotated.is_empty() {
        let _ = writeln!(
            out,
            "rollsafe: {} not annotated (GitHub shows {LIMIT} annotations of each type per step):",
            plural(not_annotated.len(), "more finding")
        );
        for a in &not_annotated {
            let _ = writeln!(out, "{}", a.plain);
        }
    }

    let totals = Totals::of(report);
    let mut summary = format!(
        "{} in {}",
        totals.findings_line(),
        plural(totals.files, "migration file")
    );
    if !not_annotated.is_empty() {
        let count = |k: Kind| not_annotated.iter().filter(|a| a.kind == k).count();
        let _ = write!(
            summary,
            "; {} not annotated ({} errors, {} warnings, {} notices): they are listed in the log above",
            not_annotated.len(),
            count(Kind::Error),
            count(Kind::Warning),
            count(Kind::Notice)
        );
    }
    let _ = writeln!(
        out,
        "::notice title={}::{}",
        escape_property("rollsafe summary"),
        escape_data(&summary)
    );
    out
}

/// Escaping of a workflow command's message.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escaping of a workflow command's property value (`file=`, `title=`).
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_the_toolkit() {
        assert_eq!(
            escape_data("50% done\r\nnext: a,b"),
            "50%25 done%0D%0Anext: a,b"
        );
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }
}

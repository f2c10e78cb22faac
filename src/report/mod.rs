//! Output: human (miette), compact, JSON, SARIF, GitHub workflow commands, Markdown — and the
//! exit code. Every format reads the same [`Report`](crate::rules::Report); none of them
//! re-analyses anything.

pub mod compact;
pub mod github;
pub mod human;
pub mod json;
pub mod markdown;
pub mod sarif;

use std::path::{Path, PathBuf};

use crate::parse::{Marker, MarkerKind};
use crate::rules::{Finding, Report, SuppressionKind, UnitReport};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Compact,
    Json,
    /// SARIF 2.1.0 (GitHub code scanning and other SARIF viewers).
    Sarif,
    /// GitHub Actions workflow commands (annotations).
    Github,
    /// A Markdown summary (GitHub job summary, PR comment).
    Markdown,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Compact => "compact",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Github => "github",
            Format::Markdown => "markdown",
        }
    }

    /// Whether it shows the rollback plan (generated inverses, the down's statements), which
    /// analysis computes only when asked.
    pub fn reads_rollback_plan(self) -> bool {
        match self {
            Format::Markdown => true,
            Format::Human | Format::Compact | Format::Json | Format::Sarif | Format::Github => {
                false
            }
        }
    }

    /// Whether it shows statement facts (kinds, phases, locks, ...) beyond the findings'
    /// positions and the markers; without them analysis keeps only those.
    pub fn reads_statement_facts(self) -> bool {
        match self {
            Format::Json | Format::Sarif | Format::Markdown => true,
            Format::Human | Format::Compact | Format::Github => false,
        }
    }

    /// Whether it shows the source text (snippets, fingerprints of the statement's text)
    /// beyond paths and positions; without it a unit's text is let go once its rules ran.
    pub fn reads_source_text(self) -> bool {
        match self {
            Format::Human | Format::Sarif | Format::Markdown => true,
            Format::Compact | Format::Json | Format::Github => false,
        }
    }

    pub fn parse(s: &str) -> Option<Format> {
        <Format as clap::ValueEnum>::from_str(s, true).ok()
    }
}

/// Default base of the rule documentation links (`helpUri` in SARIF, links in Markdown).
pub const DEFAULT_RULES_URL: &str = "https://github.com/rollsafe/rollsafe/blob/main/rules";

/// What formats need beyond the report.
#[derive(Debug, Clone)]
pub struct RenderOptions {
    pub color: bool,
    pub show_suppressed: bool,
    /// The folder SARIF URIs and GitHub annotation paths are relative to: the git top-level
    /// folder, or the working directory outside git.
    pub root: PathBuf,
    /// Base URL of the rule docs: a rule's doc is `{rules_url}/{CODE}.md`.
    pub rules_url: String,
    /// SARIF `automationDetails.id` prefix (a run category); omitted when `None`.
    pub sarif_category: Option<String>,
}

impl RenderOptions {
    pub fn rule_url(&self, code: crate::rules::Code) -> String {
        format!(
            "{}/{}.md",
            self.rules_url.trim_end_matches('/'),
            code.as_str()
        )
    }
}

/// [`render`] written to `out`. The compact format is written as it is formatted, not held
/// whole first.
pub fn write(
    format: Format,
    report: &Report,
    options: &RenderOptions,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    match format {
        Format::Compact => compact::write(report, options.show_suppressed, out),
        Format::Human | Format::Json | Format::Sarif | Format::Github | Format::Markdown => {
            out.write_all(render(format, report, options).as_bytes())
        }
    }
}

pub fn render(format: Format, report: &Report, options: &RenderOptions) -> String {
    match format {
        Format::Human => human::render(report, options.color, options.show_suppressed),
        Format::Compact => compact::render(report, options.show_suppressed),
        Format::Json => json::render(report),
        Format::Sarif => sarif::render(report, options),
        Format::Github => github::render(report, options),
        Format::Markdown => markdown::render(report, options),
    }
}

/// `path` (as shown: relative to the working directory, or absolute) relative to `root`, with
/// `/` separators; `None` when it lies outside `root`.
pub fn root_relative(path: &Path, root: &Path) -> Option<String> {
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().ok()?.join(path)
    };
    let abs = crate::source::canonical(&abs);
    let rel = abs.strip_prefix(root).ok()?;
    Some(crate::source::display_path(rel))
}

/// The marker that grants a finding's suppression (for approvers, ticket, reason).
pub fn suppression_marker<'a>(unit: &'a UnitReport, finding: &Finding) -> Option<&'a Marker> {
    let suppression = finding.suppression.as_ref()?;
    let kind = match suppression.kind {
        SuppressionKind::Contract => MarkerKind::Contract,
        SuppressionKind::Allow => MarkerKind::Allow,
        SuppressionKind::BreakGlass => MarkerKind::BreakGlass,
    };
    let own: &[usize] = finding
        .diagnostic
        .statement
        .map_or(&[], |i| unit.positions().markers(i));
    let candidates = unit
        .markers
        .iter()
        .enumerate()
        .filter(|(i, m)| m.kind == Some(kind) && (own.contains(i) || m.file_scope))
        .map(|(_, m)| m);
    // Prefer the marker whose justification is the one recorded.
    let mut first = None;
    for m in candidates {
        if m.justification() == suppression.justification {
            return Some(m);
        }
        first.get_or_insert(m);
    }
    first
}

/// Counts over a report, for summary lines.
#[derive(Debug, Default, Clone, Copy)]
pub struct Totals {
    pub files: usize,
    pub units: usize,
    pub statements: usize,
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
    pub suppressed: usize,
}

impl Totals {
    pub fn of(report: &Report) -> Totals {
        let mut t = Totals::default();
        let mut files = std::collections::HashSet::new();
        for p in &report.problems {
            files.insert(p.problem.path.clone());
            t.add_problem(p);
        }
        for unit in &report.units {
            files.insert(unit.migration.source.path.clone());
            t.add_unit(unit);
        }
        t.files = files.len();
        t
    }

    /// Count a problem's finding (not its file).
    pub fn add_problem(&mut self, problem: &crate::rules::ProblemReport) {
        self.add(problem.severity, false);
    }

    /// Count a unit, its statements and its findings (not its file).
    pub fn add_unit(&mut self, unit: &UnitReport) {
        self.units += 1;
        self.statements += unit.positions().len();
        for f in &unit.findings {
            self.add(f.severity, f.is_suppressed());
        }
    }

    fn add(&mut self, severity: crate::config::Severity, suppressed: bool) {
        use crate::config::Severity;
        if suppressed {
            self.suppressed += 1;
            return;
        }
        match severity {
            Severity::Error => self.errors += 1,
            Severity::Warning => self.warnings += 1,
            Severity::Info => self.notes += 1,
        }
    }

    /// Unsuppressed findings (input problems included) at or above `level`: what `--fail-on`
    /// counts.
    pub fn at_least(&self, level: crate::config::Severity) -> usize {
        use crate::config::Severity;
        match level {
            Severity::Error => self.errors,
            Severity::Warning => self.errors + self.warnings,
            Severity::Info => self.errors + self.warnings + self.notes,
        }
    }

    /// `2 errors, 1 warning, 0 notes, 3 suppressed`
    pub fn findings_line(&self) -> String {
        format!(
            "{}, {}, {}, {} suppressed",
            plural(self.errors, "error"),
            plural(self.warnings, "warning"),
            plural(self.notes, "note"),
            self.suppressed
        )
    }
}

pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

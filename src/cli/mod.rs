//! The command line: `check`, `plan`, `verify`, `rules`, `explain`, `init`. Exit codes: 0 clean,
//! 1 findings at or above `--fail-on`, 2 the tool could not do its job.

mod check;
mod plan;
mod verify;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{self, Severity};
use crate::rules::Code;

pub const EXIT_CLEAN: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_FAILURE: u8 = 2;

#[derive(Parser)]
#[command(
    name = "rollsafe",
    version,
    about = "Lint SQL schema migrations: can this ship and still be rolled back?"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Lint migration files or directories.
    Check(Box<check::CheckArgs>),
    /// Write the rollback runbook: rollout order, locks, rollback strategy and SQL, validation
    /// queries, missing checklist items.
    Plan(Box<plan::PlanArgs>),
    /// Run the migrations against a real PostgreSQL: observe each statement's locks and
    /// rewrites, check each down restores the schema and each up can be applied again.
    Verify(Box<verify::VerifyArgs>),
    /// List every rule: code, name, default severity.
    Rules {
        /// Print a Markdown table (the README's rule table is this output).
        #[arg(long)]
        markdown: bool,
    },
    /// Print a rule's documentation.
    Explain {
        /// A rule code such as RS001.
        code: String,
    },
    /// Write a commented rollsafe.toml in the current directory.
    Init {
        /// Overwrite an existing rollsafe.toml.
        #[arg(long)]
        force: bool,
    },
}

/// The level at which findings fail the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    /// Never fail because of findings (tool failures still exit 2).
    Never,
}

impl FailOn {
    pub fn severity(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Info => Some(Severity::Info),
            FailOn::Never => None,
        }
    }
}

/// A failure of the tool itself (exit 2), with a message that names the file and the reason.
#[derive(Debug)]
pub struct Failure(pub String);

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure(e.to_string())
    }
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                EXIT_FAILURE
            } else {
                EXIT_CLEAN
            });
        }
    };
    let result = match cli.command {
        // Folders run on a worker of the pool, which goes on allocating for the analysis:
        // what discovery frees is then reused there. The allocator keeps a heap per thread,
        // and what an idle thread freed would stay resident for the whole run (1.5 MB on the
        // benchmark). One file (the pre-commit case) does not start the pool (1 ms).
        Command::Check(args) if args.paths.len() != 1 || args.paths[0].is_dir() => {
            crate::threads::on_pool(move || check::run(*args))
        }
        Command::Check(args) => check::run(*args),
        Command::Plan(args) => plan::run(*args),
        Command::Verify(args) => verify::run(*args),
        Command::Rules { markdown } => rules_list(markdown),
        Command::Explain { code } => explain(&code),
        Command::Init { force } => init(force),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(Failure(message)) => {
            eprintln!("rollsafe: error: {message}");
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

fn rules_list(markdown: bool) -> Result<u8, Failure> {
    if markdown {
        write_stdout(&rules_markdown())?;
        return Ok(EXIT_CLEAN);
    }
    let mut out = String::new();
    for code in Code::ALL {
        let rule = code.rule();
        out.push_str(&format!(
            "{:<6} {:<8} {:<34} {}\n",
            code.as_str(),
            rule.severity.name(),
            rule.name,
            rule.summary()
        ));
    }
    write_stdout(&out)?;
    Ok(EXIT_CLEAN)
}

/// The rule catalog as a Markdown table, generated from the rule docs.
pub fn rules_markdown() -> String {
    let mut out =
        String::from("| code | name | default | what it flags |\n| --- | --- | --- | --- |\n");
    for code in Code::ALL {
        let rule = code.rule();
        out.push_str(&format!(
            "| [{code}](rules/{code}.md) | {} | {} | {} |\n",
            rule.name,
            rule.severity.name(),
            rule.summary()
        ));
    }
    out
}

fn explain(code: &str) -> Result<u8, Failure> {
    let code = Code::parse(code).ok_or_else(|| {
        Failure(format!(
            "`{code}` is not a rollsafe rule code (run `rollsafe rules` for the list)"
        ))
    })?;
    let rule = code.rule();
    let mut out = rule.doc.to_string();
    out.push_str(&format!(
        "\nName: {}   Default severity: {}   Family: {}\n",
        rule.name,
        rule.severity.name(),
        rule.family.tag()
    ));
    write_stdout(&out)?;
    Ok(EXIT_CLEAN)
}

fn init(force: bool) -> Result<u8, Failure> {
    let path = PathBuf::from(config::FILE_NAME);
    if path.exists() && !force {
        return Err(Failure(format!(
            "{} already exists (use --force to overwrite)",
            path.display()
        )));
    }
    std::fs::write(&path, config::INIT_TEMPLATE)
        .map_err(|e| Failure(format!("cannot write {}: {e}", path.display())))?;
    eprintln!("wrote {}", path.display());
    Ok(EXIT_CLEAN)
}

pub(crate) fn write_stdout(s: &str) -> Result<(), Failure> {
    write_stdout_with(|out| out.write_all(s.as_bytes()))
}

/// What `write` writes, to standard output (through a buffer: a report can be tens of
/// thousands of lines).
pub(crate) fn write_stdout_with(
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), Failure> {
    let mut stdout = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    match write(&mut stdout).and_then(|_| stdout.flush()) {
        Ok(()) => Ok(()),
        // A closed pipe (`rollsafe check | head`) is not a tool failure.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure(format!("cannot write to standard output: {e}"))),
    }
}

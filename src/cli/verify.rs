//! `rollsafe verify`.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::Args;

use super::check::load_config;
use super::{EXIT_CLEAN, EXIT_FINDINGS, FailOn, Failure, write_stdout};
use crate::parse::markers::Date;
use crate::report::{self, Format, RenderOptions};
use crate::target::Layout;
use crate::verify::{self, Server, VerifyOptions};

#[derive(Args)]
pub struct VerifyArgs {
    /// Migration files or directories (default: `migrations` from rollsafe.toml).
    pub paths: Vec<PathBuf>,
    /// A scratch database to run in (postgres://...). Without it, a throwaway cluster is
    /// started and removed afterwards.
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
    /// Run in the --database-url database even though it already holds tables.
    #[arg(long, requires = "database_url")]
    pub allow_nonempty: bool,
    /// Folder with initdb, pg_ctl and postgres for the throwaway cluster (default: `pg_config
    /// --bindir`, then the usual Debian and Homebrew locations).
    #[arg(long, value_name = "DIR", conflicts_with = "database_url")]
    pub pg_bindir: Option<PathBuf>,
    /// Fill every empty table with a few generated rows before each up migration, and report
    /// statements that fail only because of rows (RS505).
    #[arg(long)]
    pub data: bool,
    /// Output format (default: human on a terminal, compact otherwise).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Fail (exit 1) on findings at or above this level.
    #[arg(long, value_enum, default_value = "error")]
    pub fail_on: FailOn,
    /// Config file (default: the nearest rollsafe.toml walking up from the working directory).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Force a layout instead of detecting it.
    #[arg(long, value_enum)]
    pub layout: Option<Layout>,
    /// Write the output to this file instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Base URL of the rule docs linked from SARIF and Markdown.
    #[arg(long, value_name = "URL", default_value = report::DEFAULT_RULES_URL)]
    pub rules_url: String,
}

pub fn run(args: VerifyArgs) -> Result<u8, Failure> {
    let mut config = load_config(args.config.as_ref())?;
    if let Some(l) = args.layout {
        config.layout = Some(l);
    }
    let paths = if args.paths.is_empty() {
        let base = config.base_dir().map(PathBuf::from).unwrap_or_default();
        let dirs: Vec<PathBuf> = config.migrations.iter().map(|d| base.join(d)).collect();
        if dirs.is_empty() {
            return Err(Failure(
                "no paths given and no `migrations` directories in rollsafe.toml (try `rollsafe verify db/migrations`)".into(),
            ));
        }
        dirs
    } else {
        args.paths.clone()
    };
    if let Some(missing) = paths.iter().find(|p| !p.exists()) {
        return Err(Failure(format!(
            "{}: no such file or directory",
            missing.display()
        )));
    }
    let server = match args.database_url.clone() {
        Some(url) => Server::Url {
            url,
            allow_nonempty: args.allow_nonempty,
        },
        None => Server::Throwaway {
            bindir: args.pg_bindir.clone(),
        },
    };
    let options = VerifyOptions {
        server,
        fill_data: args.data,
        today: Date::today(),
    };
    let outcome = match verify::verify(&paths, &config, &options) {
        Ok(outcome) => outcome,
        // The handler is removing the cluster; it ends the process with 130.
        Err(_) if verify::cluster::interrupted() => verify::cluster::wait_for_interrupt_exit(),
        Err(e) => return Err(Failure(e)),
    };

    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let format = args.format.unwrap_or(if to_terminal {
        Format::Human
    } else {
        Format::Compact
    });
    let render_options = RenderOptions {
        color: to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        show_suppressed: true,
        root: crate::discover::diff_base::repository_root(),
        rules_url: args.rules_url.clone(),
        sarif_category: Some("rollsafe-verify".into()),
    };
    let rendered = match format {
        Format::Json => verify::render_json(&outcome),
        other => report::render(other, &outcome.report, &render_options),
    };
    match &args.output {
        Some(path) => std::fs::write(path, rendered)
            .map_err(|e| Failure(format!("cannot write {}: {e}", path.display())))?,
        None => write_stdout(&rendered)?,
    }
    for note in &outcome.notes {
        eprintln!("rollsafe: note: {note}");
    }
    eprintln!("rollsafe: {}", outcome.summary.line());
    let failing = args.fail_on.severity().map_or(0, |level| {
        report::Totals::of(&outcome.report).at_least(level)
    });
    Ok(if failing > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    })
}

//! Which tool each folder uses, and the assembly of the migration set.
//!
//! Each file is placed in a *group* (the folder whose migrations form one sequence):
//! - diesel `DIR/up.sql`, `DIR/down.sql` and Prisma `DIR/migration.sql`: the folder holding the
//!   migration folders;
//! - sqitch `deploy/`, `revert/`, `verify/` scripts: the project folder holding `sqitch.plan`;
//! - everything else: the file's own folder, where the layout is detected from the files' names
//!   and contents (goose/dbmate/Liquibase markers, Flyway names, `{version}_{name}.up.sql`, ...).
//!
//! `layout` in rollsafe.toml forces one layout; a file that does not fit it is linted as plain.
//! A file that does not follow the naming of the tool its folder uses is also linted as plain,
//! after the tool's migrations, with a transaction reason saying the tool will not apply it.
//! What each tool does with its files is in `tools/`, one file per tool.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use super::order::Draft;
use super::tools::{self, Env, Fs, Place, ToolFile, dir_or_dot, file_name};
use super::walk::{self, Loaded, PathContext};
use super::{Direction, InputProblem, Layout, Migration, MigrationSet};
use crate::config::Config;
use crate::source::SourceFile;

/// Lint files or directories: walk them, read the SQL files, detect each folder's layout, and
/// return the migration units in application order.
pub fn discover(paths: &[PathBuf], config: &Config) -> MigrationSet {
    let ctx = PathContext::new(config);
    let (candidates, mut problems) = walk::collect(paths, config, &ctx);
    let (loaded, read_problems) = walk::read_all(candidates);
    problems.extend(read_problems);
    let units = assemble(loaded, config, &ctx, &mut problems);
    finish(units, problems)
}

/// One text (standard input) as if it were the file at `path`: the layout is detected from the
/// name, the content, and what lies next to `path` on disk if it exists (diesel's
/// metadata.toml, a sqitch.plan, a Flyway script config file).
pub fn from_text(path: PathBuf, text: String, config: &Config) -> MigrationSet {
    let ctx = PathContext::new(config);
    let display = ctx.display(&path);
    let mut problems = Vec::new();
    if let Some(n) = text.bytes().position(|b| b == 0) {
        problems.push(InputProblem {
            path: display,
            message: format!("contains a NUL byte at byte {n}; is it a binary file?"),
            offset: Some(n),
            at: None,
        });
        return finish(Vec::new(), problems);
    }
    let loaded = vec![Loaded {
        fs_path: path,
        display,
        text,
    }];
    let units = assemble(loaded, config, &ctx, &mut problems);
    finish(units, problems)
}

fn finish(units: Vec<Migration>, mut problems: Vec<InputProblem>) -> MigrationSet {
    problems.sort_by(|a, b| (&a.path, a.offset, &a.message).cmp(&(&b.path, b.offset, &b.message)));
    problems.dedup_by(|a, b| a.path == b.path && a.offset == b.offset && a.message == b.message);
    MigrationSet { units, problems }
}

// ---------------------------------------------------------------------------------------------
// File system look-ups (directory listings and small side files), cached.

// ---------------------------------------------------------------------------------------------
// Placement of each file.

fn allowed(forced: Option<Layout>, layout: Layout) -> bool {
    forced.is_none_or(|f| f == layout)
}

/// Where a file belongs: its place and its group folder (file-system path).
fn place(fs_path: &Path, forced: Option<Layout>, fs: &mut Fs) -> (Place, PathBuf) {
    let name = file_name(fs_path);
    let parent = dir_or_dot(fs_path.parent());

    if allowed(forced, Layout::Sqitch) {
        for ancestor in fs_path.ancestors().skip(1).take(8) {
            let kind = match ancestor.file_name().and_then(|n| n.to_str()) {
                Some("deploy") => Direction::Up,
                Some("revert") => Direction::Down,
                Some("verify") => Direction::Verify,
                _ => continue,
            };
            let project = dir_or_dot(ancestor.parent());
            if !fs.has(&project, "sqitch.plan") {
                continue;
            }
            let Ok(rel) = fs_path.strip_prefix(ancestor) else {
                continue;
            };
            let rel = crate::source::display_path(rel);
            let script = super::names::strip_suffix_ci(&rel, ".sql")
                .unwrap_or(&rel)
                .to_string();
            return (
                Place::Sqitch {
                    direction: kind,
                    script,
                    project: project.clone(),
                },
                project,
            );
        }
    }

    let parent_name = file_name(&parent);
    let grandparent = dir_or_dot(parent.parent());
    if allowed(forced, Layout::Diesel)
        && (name == "up.sql" || name == "down.sql")
        && let Some(version) = tools::parse_diesel_dir(&parent_name)
    {
        let place = Place::Diesel {
            dir_name: parent_name,
            version,
            up: name == "up.sql",
        };
        return (place, grandparent);
    }
    if allowed(forced, Layout::Prisma)
        && name == "migration.sql"
        && let Some(version) = tools::parse_prisma_dir(&parent_name)
    {
        return (
            Place::Prisma {
                dir_name: parent_name,
                version,
            },
            grandparent,
        );
    }
    (Place::Flat, parent)
}

// ---------------------------------------------------------------------------------------------
// Flat folders: the tool is read from the files' names and contents.

#[derive(Debug, Clone)]
enum Signal {
    Liquibase,
    Goose,
    Dbmate,
    Flyway,
    UpDown,
    Numbered,
    Other,
}

/// What a file looks like, restricted to the forced layout when there is one.
fn signal(item: &ToolFile, forced: Option<Layout>) -> Signal {
    let text = &item.source.text;
    let name = &item.file_name;
    let want = |l: Layout| allowed(forced, l);
    if want(Layout::Liquibase) && tools::is_liquibase(text) {
        return Signal::Liquibase;
    }
    if want(Layout::Goose) && tools::has_goose_up(text) {
        return Signal::Goose;
    }
    if want(Layout::Dbmate) && tools::has_dbmate_up(text) {
        return Signal::Dbmate;
    }
    if want(Layout::Flyway) && tools::parse_flyway(name).is_some() {
        return Signal::Flyway;
    }
    if (want(Layout::GolangMigrate) || want(Layout::Sqlx)) && tools::parse_up_down(name).is_some() {
        return Signal::UpDown;
    }
    if want(Layout::GolangMigrate) && tools::parse_up_down_any_extension(name).is_some() {
        return Signal::UpDown;
    }
    if want(Layout::Sqlx) && tools::parse_numbered(name).is_some() {
        return Signal::Numbered;
    }
    Signal::Other
}

/// Why a folder of `{version}_{name}` files is taken for sqlx rather than golang-migrate or
/// plain files; empty when it is not.
fn sqlx_hint(
    items: &[(&ToolFile, Signal)],
    group: &Path,
    ctx: &PathContext,
    fs: &mut Fs,
) -> String {
    let no_tx_file = items.iter().any(|(item, sig)| {
        matches!(sig, Signal::UpDown | Signal::Numbered)
            && item.source.text.starts_with("-- no-transaction")
    });
    if no_tx_file {
        return "layout detected as sqlx: a migration starts with `-- no-transaction`".to_string();
    }
    let abs = ctx.absolute(group);
    let dirs: Vec<PathBuf> = std::iter::once(group.to_path_buf())
        .chain(abs.parent().map(Path::to_path_buf))
        .collect();
    let mut rust = false;
    let mut go = false;
    for dir in &dirs {
        rust |= fs.has(dir, "Cargo.toml") || fs.has(dir, "sqlx.toml");
        go |= fs.has(dir, "go.mod");
    }
    if rust && !go {
        "layout detected as sqlx from the Cargo.toml next to the migrations folder; set `layout` in rollsafe.toml to override".to_string()
    } else {
        String::new()
    }
}

/// The layout of each file of a flat folder (or `None` for plain), and the folder's tool for
/// files that follow none.
fn flat_tools(
    items: &[&ToolFile],
    group: &Path,
    config: &Config,
    ctx: &PathContext,
    fs: &mut Fs,
) -> (Vec<Option<Layout>>, Option<Layout>, String) {
    let forced = config.layout;
    let signals: Vec<(&ToolFile, Signal)> =
        crate::threads::map_ref(items, |item| (*item, signal(item, forced)));
    let hint = if matches!(forced, Some(Layout::GolangMigrate)) {
        String::new()
    } else if matches!(forced, Some(Layout::Sqlx)) {
        "layout set to sqlx in rollsafe.toml".to_string()
    } else {
        sqlx_hint(&signals, group, ctx, fs)
    };
    let sqlx = !hint.is_empty();
    let tool_of = |sig: &Signal| -> Option<Layout> {
        match sig {
            Signal::Liquibase => Some(Layout::Liquibase),
            Signal::Goose => Some(Layout::Goose),
            Signal::Dbmate => Some(Layout::Dbmate),
            Signal::Flyway => Some(Layout::Flyway),
            Signal::UpDown if sqlx => Some(Layout::Sqlx),
            Signal::UpDown => Some(Layout::GolangMigrate),
            Signal::Numbered if sqlx => Some(Layout::Sqlx),
            Signal::Numbered | Signal::Other => None,
        }
    };
    let layouts: Vec<Option<Layout>> = signals.iter().map(|(_, sig)| tool_of(sig)).collect();
    // The folder's tool, for files that follow none: the forced layout, or the most common one
    // when at least half of the folder's files follow it.
    let dominant = forced.filter(|l| *l != Layout::Plain).or_else(|| {
        let mut counts: BTreeMap<Layout, usize> = BTreeMap::new();
        for l in layouts.iter().flatten() {
            *counts.entry(*l).or_default() += 1;
        }
        counts
            .into_iter()
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
            .filter(|(_, count)| count * 2 >= signals.len())
            .map(|(l, _)| l)
    });
    // The hint explains detection; with a forced layout there is nothing to explain.
    let hint = if forced.is_some() {
        String::new()
    } else {
        hint
    };
    (layouts, dominant, hint)
}

// ---------------------------------------------------------------------------------------------
// Assembly.

struct Group {
    fs_path: PathBuf,
    items: Vec<ToolFile>,
}

pub(crate) fn assemble(
    loaded: Vec<Loaded>,
    config: &Config,
    ctx: &PathContext,
    problems: &mut Vec<InputProblem>,
) -> Vec<Migration> {
    let forced = config.layout;
    let mut fs = Fs::new();
    let mut groups: BTreeMap<PathBuf, Group> = BTreeMap::new();
    // Each file's line index, in parallel; placing files reads the file system through `fs`.
    let sources = crate::threads::map(loaded, |file| {
        (file.fs_path, SourceFile::new(file.display, file.text))
    });
    for (fs_path, source) in sources {
        let (place, group_fs) = place(&fs_path, forced, &mut fs);
        let key = ctx.absolute(&group_fs);
        let item = ToolFile {
            file_name: file_name(&fs_path),
            source,
            fs_path,
            place,
        };
        groups
            .entry(key)
            .or_insert_with(|| Group {
                fs_path: group_fs,
                items: Vec::new(),
            })
            .items
            .push(item);
    }

    let mut sqitch_plans = HashMap::new();
    // (group display, draft)
    let mut drafts: Vec<(String, Draft)> = Vec::new();
    for group in groups.values() {
        let group_display = ctx.display(&group.fs_path).to_string_lossy().into_owned();
        let flat: Vec<&ToolFile> = group
            .items
            .iter()
            .filter(|i| matches!(i.place, Place::Flat))
            .collect();
        let (flat_layouts, dominant, sqlx_hint) = if flat.is_empty() {
            (Vec::new(), None, String::new())
        } else {
            flat_tools(&flat, &group.fs_path, config, ctx, &mut fs)
        };
        let mut env = Env {
            config,
            ctx,
            fs: &mut fs,
            problems,
            dominant,
            sqlx_hint,
            sqitch_plans: &mut sqitch_plans,
        };
        let mut flat_layouts = flat_layouts.into_iter();
        for item in &group.items {
            let layout = match &item.place {
                Place::Flat => flat_layouts.next().flatten(),
                Place::Diesel { .. } => Some(Layout::Diesel),
                Place::Prisma { .. } => Some(Layout::Prisma),
                Place::Sqitch { .. } => Some(Layout::Sqitch),
            };
            let units = layout
                .and_then(|l| tools::of(l).units(item, &mut env))
                .unwrap_or_else(|| vec![tools::plain::draft(item, config, dominant)]);
            // popx keeps one history per engine in one folder: a file for one engine is in
            // that engine's history, not a duplicate version of the others.
            let history = match layout {
                Some(Layout::GolangMigrate) => {
                    tools::popx_name(&item.file_name).and_then(|p| p.engine)
                }
                _ => None,
            };
            let group_key = match history {
                Some(engine) => format!("{group_display}#{engine}"),
                None => group_display.clone(),
            };
            drafts.extend(units.into_iter().map(|d| (group_key.clone(), d)));
        }
    }

    super::order::order_and_pair(drafts, config.target())
}

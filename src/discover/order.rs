//! Migration order, in one place: the tool's application order of units (sorted once, in
//! discovery, by each tool's version key), up/down pairing as explicit links, and the version
//! identity that the ordering rules (RS402, RS403) compare.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use super::names::VersionKey;
use super::{Direction, Layout, Migration, MigrationId, Transaction};
use crate::source::{SourceFile, Span};
use crate::target::Target;

/// A unit as a tool's file conventions describe it, before it has its place in the order.
pub(super) struct Draft {
    pub(super) source: Arc<SourceFile>,
    pub(super) range: Span,
    pub(super) layout: Layout,
    pub(super) direction: Direction,
    pub(super) version: Option<String>,
    pub(super) name: String,
    pub(super) transaction: Transaction,
    /// 0: the tool's versioned units, 1: repeatable units, 2: files the tool will not apply.
    pub(super) rank: u8,
    pub(super) key: VersionKey,
    /// Units with the same pair key (within a group) are an up and its down(s).
    pub(super) pair_key: Option<String>,
}

fn direction_rank(direction: Direction) -> u8 {
    match direction {
        Direction::Up | Direction::Repeatable => 0,
        Direction::Verify => 1,
        Direction::Down => 2,
    }
}

pub(super) fn order_and_pair(mut drafts: Vec<(String, Draft)>, target: Target) -> Vec<Migration> {
    drafts.sort_by_cached_key(|(group, d)| {
        (
            group.clone(),
            d.rank,
            d.key.clone(),
            direction_rank(d.direction),
            d.source.display_path(),
            d.range.start,
        )
    });

    // (group, pair key) -> (ups, downs), by index into the sorted list.
    let mut pairs: BTreeMap<(String, String), (Vec<usize>, Vec<usize>)> = BTreeMap::new();
    for (i, (group, d)) in drafts.iter().enumerate() {
        let Some(key) = &d.pair_key else { continue };
        let entry = pairs.entry((group.clone(), key.clone())).or_default();
        match d.direction {
            Direction::Up => entry.0.push(i),
            Direction::Down => entry.1.push(i),
            Direction::Repeatable | Direction::Verify => {}
        }
    }

    let mut units: Vec<Migration> = drafts
        .into_iter()
        .enumerate()
        .map(|(index, (group, d))| Migration {
            id: MigrationId(index),
            target,
            group: PathBuf::from(group),
            source: d.source,
            range: d.range,
            layout: d.layout,
            direction: d.direction,
            version: d.version,
            name: d.name,
            transaction: d.transaction,
            pair: None,
            change: None,
            included_by: None,
        })
        .collect();

    for (ups, downs) in pairs.into_values() {
        match (ups.as_slice(), downs.as_slice()) {
            (_, []) | ([], _) => {}
            ([up], downs) => {
                units[*up].pair = Some(MigrationId(downs[0]));
                for &down in downs {
                    units[down].pair = Some(MigrationId(*up));
                }
            }
            (ups, downs) => {
                // Duplicate versions: pair by name first, then in order.
                let mut free_downs: Vec<usize> = downs.to_vec();
                let mut free_ups: Vec<usize> = Vec::new();
                for &up in ups {
                    match free_downs
                        .iter()
                        .position(|&d| units[d].name == units[up].name)
                    {
                        Some(p) => {
                            let down = free_downs.remove(p);
                            units[up].pair = Some(MigrationId(down));
                            units[down].pair = Some(MigrationId(up));
                        }
                        None => free_ups.push(up),
                    }
                }
                for (up, down) in free_ups.into_iter().zip(free_downs) {
                    units[up].pair = Some(MigrationId(down));
                    units[down].pair = Some(MigrationId(up));
                }
            }
        }
    }
    units
}

/// The sequence a migration belongs to (discovery's group: one database history), with the
/// layout. `None` for tools whose order is not in file names (sqitch's plan).
pub fn migration_group(m: &Migration) -> Option<(Layout, PathBuf)> {
    match m.layout {
        Layout::Sqitch => None,
        _ => Some((m.layout, m.group.clone())),
    }
}

/// Where versions must be unique and ordered: the sequence, or for Liquibase the changelog file
/// (a changeset is identified by id, author and file, and Liquibase runs every changeset not yet
/// run, so only an insertion before existing changesets of the same file changes the order).
pub fn version_scope(m: &Migration) -> Option<(Layout, PathBuf)> {
    match m.layout {
        Layout::Liquibase => Some((m.layout, m.source.path.clone())),
        _ => migration_group(m),
    }
}

/// A version as the tool compares it: numeric parts without leading zeros (`001` = `1`, Flyway's
/// `1_1` = `1.1` = `1.1.0`), anything else as written.
pub fn version_key(version: &str) -> String {
    let numeric = !version.is_empty()
        && version
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b'_')
        && version.bytes().next().is_some_and(|b| b.is_ascii_digit());
    if !numeric {
        return version.to_string();
    }
    let mut parts: Vec<&str> = version
        .split(['.', '_'])
        .map(|p| {
            let t = p.trim_start_matches('0');
            if t.is_empty() { "0" } else { t }
        })
        .collect();
    while parts.len() > 1 && parts.last() == Some(&"0") {
        parts.pop();
    }
    parts.join(".")
}

/// Units that move the schema forward and carry a version: the ones ordering rules look at.
pub fn is_versioned_up(m: &Migration) -> bool {
    m.direction == Direction::Up && m.version.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_like_the_tools() {
        assert_eq!(version_key("001"), "1");
        assert_eq!(version_key("1"), "1");
        assert_eq!(version_key("1_1"), "1.1");
        assert_eq!(version_key("1.1.0"), "1.1");
        assert_eq!(version_key("1.0"), "1");
        assert_eq!(version_key("000"), "0");
        assert_eq!(version_key("2024-01-31-101500"), "2024-01-31-101500");
        assert_eq!(version_key("alice:1"), "alice:1");
    }
}

//! A throwaway PostgreSQL cluster: `initdb` into a fresh temp directory, the server on a unix
//! socket inside it (no TCP), and everything removed afterwards — when the guard is dropped
//! (normal end, errors, panics unwinding) and on Ctrl-C / SIGTERM (a signal handler that stops
//! the server and removes the directory before exiting).
//!
//! PostgreSQL refuses to run as root; as root, every server program runs as the `postgres`
//! user through `runuser`, and the temp directory is handed to that user.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

/// The port only names the socket file (`.s.PGSQL.<port>`): no TCP listener is opened, so
/// a fixed number cannot clash with another server.
const PORT: u16 = 5432;

/// What the signal handler needs to clean up the running cluster.
#[derive(Debug, Clone)]
struct Cleanup {
    bindir: PathBuf,
    dir: PathBuf,
    as_postgres: bool,
}

impl Cleanup {
    fn run(&self) {
        let data = self.dir.join("data");
        if data.join("postmaster.pid").exists() {
            let _ = program(&self.bindir, "pg_ctl", self.as_postgres)
                .arg("-D")
                .arg(&data)
                .args(["-m", "immediate", "-w", "-t", "30", "stop"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The cluster the signal handler must remove (at most one per process).
static ACTIVE: Mutex<Option<Cleanup>> = Mutex::new(None);

static INTERRUPTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether Ctrl-C (or SIGTERM) arrived: errors after it come from stopping the server, and the
/// handler is about to end the process (exit code 130).
pub fn interrupted() -> bool {
    INTERRUPTED.load(std::sync::atomic::Ordering::SeqCst)
}

/// Wait for the signal handler to finish its cleanup and end the process.
pub fn wait_for_interrupt_exit() -> ! {
    loop {
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
}

fn install_signal_handler() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        // If another handler is already installed we keep the Drop guard as the only cleanup.
        let _ = ctrlc::set_handler(|| {
            INTERRUPTED.store(true, std::sync::atomic::Ordering::SeqCst);
            let active = ACTIVE.lock().ok().and_then(|mut a| a.take());
            if let Some(cleanup) = active {
                eprintln!("rollsafe: interrupted: stopping and removing the throwaway cluster");
                cleanup.run();
            }
            // 128 + SIGINT, as shells report an interrupted command.
            std::process::exit(130);
        });
    });
}

/// A running throwaway cluster. Dropping it stops the server and removes the directory.
pub struct Cluster {
    cleanup: Cleanup,
    pub bindir: PathBuf,
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn program(bindir: &Path, name: &str, as_postgres: bool) -> Command {
    let path = bindir.join(name);
    let mut cmd = if as_postgres {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(path);
        c
    } else {
        Command::new(path)
    };
    // The server must not pick up settings meant for the user's own connections.
    for var in ["PGHOST", "PGPORT", "PGDATA", "PGOPTIONS"] {
        cmd.env_remove(var);
    }
    cmd.stdin(Stdio::null());
    cmd
}

fn has_server(dir: &Path) -> bool {
    ["initdb", "pg_ctl", "postgres"]
        .iter()
        .all(|p| dir.join(p).is_file())
}

/// The major version in a path such as `/usr/lib/postgresql/15/bin` or `postgresql@16/bin`.
fn version_in_path(path: &Path) -> u32 {
    path.components()
        .filter_map(|c| {
            let s = c.as_os_str().to_string_lossy();
            let digits = s.trim_start_matches("postgresql").trim_start_matches('@');
            digits.parse::<u32>().ok()
        })
        .next_back()
        .unwrap_or(0)
}

/// The folder with `initdb`, `pg_ctl` and `postgres`: `--pg-bindir`, then `pg_config
/// --bindir`, then the newest of the usual Debian and Homebrew locations.
pub fn find_bindir(explicit: Option<&Path>) -> Result<PathBuf, String> {
    if let Some(dir) = explicit {
        return if has_server(dir) {
            Ok(dir.to_path_buf())
        } else {
            Err(format!(
                "--pg-bindir {}: no initdb, pg_ctl and postgres there",
                dir.display()
            ))
        };
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output()
        && out.status.success()
    {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if has_server(&dir) {
            return Ok(dir);
        }
    }
    let mut candidates: Vec<PathBuf> = Vec::new();
    for (parent, suffix) in [
        ("/usr/lib/postgresql", "bin"),
        ("/opt/homebrew/opt", "bin"),
        ("/usr/local/opt", "bin"),
    ] {
        if let Ok(entries) = std::fs::read_dir(parent) {
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if parent.ends_with("postgresql") || name.starts_with("postgresql") {
                    candidates.push(entry.path().join(suffix));
                }
            }
        }
    }
    candidates.retain(|d| has_server(d));
    candidates.sort_by_key(|d| version_in_path(d));
    if let Some(dir) = candidates.pop() {
        return Ok(dir);
    }
    for dir in ["/opt/homebrew/bin", "/usr/local/bin", "/usr/bin"] {
        if has_server(Path::new(dir)) {
            return Ok(PathBuf::from(dir));
        }
    }
    Err(
        "no PostgreSQL server binaries found (initdb, pg_ctl, postgres): pass --pg-bindir DIR, \
         put pg_config on PATH, or give a scratch database with --database-url"
            .into(),
    )
}

fn output_text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
    .trim()
    .to_string()
}

impl Cluster {
    /// Create and start a cluster. On any error, what was created is removed again.
    pub fn start(bindir: PathBuf) -> Result<Cluster, String> {
        install_signal_handler();
        let as_postgres = is_root();
        let base = std::env::temp_dir();
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir = base.join(format!("rollsafe-verify-{}-{nanos}", std::process::id()));
        std::fs::create_dir(&dir)
            .map_err(|e| format!("cannot create the temp directory {}: {e}", dir.display()))?;
        let cluster = Cluster {
            cleanup: Cleanup {
                bindir: bindir.clone(),
                dir: dir.clone(),
                as_postgres,
            },
            bindir,
        };
        // Registered before anything runs in it, so Ctrl-C during initdb cleans up too.
        if let Ok(mut active) = ACTIVE.lock() {
            *active = Some(cluster.cleanup.clone());
        }
        if as_postgres {
            let out = Command::new("chown")
                .arg("postgres:postgres")
                .arg(&dir)
                .output()
                .map_err(|e| format!("cannot run chown: {e}"))?;
            if !out.status.success() {
                return Err(format!(
                    "running as root, the server must run as `postgres`, but chown postgres {} failed: {}",
                    dir.display(),
                    output_text(&out)
                ));
            }
        }
        let data = dir.join("data");
        let out = cluster
            .program("initdb")
            .arg("-D")
            .arg(&data)
            .args([
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ])
            .output()
            .map_err(|e| format!("cannot run initdb: {e}"))?;
        if !out.status.success() {
            return Err(format!("initdb failed: {}", output_text(&out)));
        }
        // Durability is pointless for a cluster that is deleted in a minute.
        let options = format!(
            "-c listen_addresses='' -c unix_socket_directories='{}' -p {PORT} -c fsync=off \
             -c synchronous_commit=off -c full_page_writes=off -c autovacuum=off \
             -c max_connections=20",
            dir.display()
        );
        let log = dir.join("server.log");
        let out = cluster
            .program("pg_ctl")
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(&log)
            .args(["-w", "-t", "60", "-o", &options, "start"])
            .output()
            .map_err(|e| format!("cannot run pg_ctl: {e}"))?;
        if !out.status.success() {
            let log = std::fs::read_to_string(&log).unwrap_or_default();
            return Err(format!(
                "the throwaway server did not start: {}\nserver log:\n{}",
                output_text(&out),
                log.trim()
            ));
        }
        Ok(cluster)
    }

    fn program(&self, name: &str) -> Command {
        program(&self.cleanup.bindir, name, self.cleanup.as_postgres)
    }

    /// The temp directory holding the data directory, the socket and the server log.
    pub fn dir(&self) -> &Path {
        &self.cleanup.dir
    }

    /// Connection settings for one of the cluster's databases.
    pub fn config(&self, dbname: &str) -> postgres::Config {
        let mut config = postgres::Config::new();
        config
            .host_path(&self.cleanup.dir)
            .port(PORT)
            .user("postgres")
            .dbname(dbname)
            .application_name("rollsafe verify");
        config
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if let Ok(mut active) = ACTIVE.lock() {
            active.take();
        }
        self.cleanup.run();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_read_from_debian_and_homebrew_paths() {
        assert_eq!(version_in_path(Path::new("/usr/lib/postgresql/15/bin")), 15);
        assert_eq!(
            version_in_path(Path::new("/opt/homebrew/opt/postgresql@16/bin")),
            16
        );
        assert_eq!(version_in_path(Path::new("/usr/bin")), 0);
    }

    #[test]
    fn an_explicit_bindir_without_a_server_is_refused_with_its_path() {
        let err = find_bindir(Some(Path::new("/nonexistent/rollsafe/bin"))).unwrap_err();
        assert!(err.contains("/nonexistent/rollsafe/bin"), "{err}");
    }
}

//! The transaction journal: what makes a run that writes many files all-or-nothing, even under
//! `kill -9`, OOM, a closed SSH session or a full disk.
//!
//! # The protocol
//!
//! A run's [`Journal`] lists, before anything is written, every directory it will create and every
//! file it will create or replace: the target, the hidden temporary file its contents go to, the
//! backup name under which a replaced file is kept (a hard link: nothing is ever deleted before
//! the commit), and a SHA-256 of the new contents. dockcert's own state (the inventory, the
//! rotation state, the CA files under `rotate-ca`) is in the same list, placed last. Then:
//!
//! 1. the journal is written to `<home>/journal/txn.json` (temporary file, fsync, rename, fsync of
//!    the directory) — before the first final name changes;
//! 2. directories, then every temporary file (contents, fsync, final mode);
//! 3. every file moved into place (existing ones first linked to their backup name), the state
//!    files last; everything synced;
//! 4. **commit**: `txn.json` is renamed to `txn-committed.json` (a rename needs no free space, so
//!    a full disk cannot stop it half way) and the directory synced;
//! 5. the backups that only served the rollback (those of state files) are removed, then the
//!    journal.
//!
//! # Recovery: back before the commit, forward after it
//!
//! Any command that takes the home's lock first looks for a journal ([`recover`]).
//!
//! - `txn.json` (no commit): the run is **rolled back**. Before the commit, the new files' contents
//!   may not all be durable yet (large plans sync once per filesystem), and whatever stopped the
//!   run (a full disk, an I/O error) may stop a second attempt too; the old state, on the other
//!   hand, is complete: every replaced file still exists under its backup name. So each file is
//!   put back (the backup renamed over it), each new file removed (only if it still holds what
//!   this run wrote: its SHA-256 is checked, so a file someone else put there is never deleted),
//!   each temporary file removed, each new directory removed if empty.
//! - `txn-committed.json`: the run is **rolled forward**. Every new file is in place and on disk;
//!   only the leftovers (state backups, temporary files) remain to be removed.
//!
//! Both directions are idempotent: a crash during recovery is recovered by the next run the same
//! way. The in-process error path (a failed write, `ENOSPC`, `EIO`) uses the same roll-back, so a
//! failed run and a killed run end in the same state: the one before the run.
//!
//! # For callers
//!
//! A command builds a [`super::Plan`] with [`super::Plan::journaled`] (for a home:
//! `Home::plan()`), takes the home's lock (`Home::lock()`, which recovers first), and calls
//! [`super::apply`]. Files anywhere (client directories, daemon directories, contexts,
//! `daemon.json`) go in the same plan and so in the same journal. A plan without a journal
//! directory (`Plan::default()`) is still undone in-process on an error, but not after a kill.
//!
//! One directory holds one transaction at a time. A command that runs several at once under the
//! one lock (`provision` of many hosts, each its own transaction with its own rollback) gives each
//! its own directory: `Plan::journaled(home.journal_dir().join(name))`; [`recover_all`], which
//! `Home::lock` calls, recovers every one of them.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::crash_point;

/// The journal of a run in progress (not committed).
pub const PENDING: &str = "txn.json";
/// The journal of a committed run whose leftovers are not yet removed.
pub const COMMITTED: &str = "txn-committed.json";
/// The journal format version.
const VERSION: u32 = 1;

/// Everything one run will do, written before it does it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Journal {
    /// Format version.
    pub version: u32,
    /// The command that wrote it (`issue server`), for the recovery line.
    pub command: String,
    /// Its process id.
    pub pid: u32,
    /// When it started.
    #[serde(with = "time::serde::rfc3339")]
    pub started: OffsetDateTime,
    /// Directories it creates, parents first.
    pub dirs: Vec<PathBuf>,
    /// Files it creates or replaces, in the order they are placed.
    pub files: Vec<Entry>,
}

/// One file of a run.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Entry {
    /// The final name.
    pub path: PathBuf,
    /// The hidden temporary file the contents are written to first.
    pub temp: PathBuf,
    /// Where the file it replaces is kept (a hard link), when it replaces one.
    pub backup: Option<PathBuf>,
    /// Whether that backup stays after the run (`--force` backups) or only serves the rollback
    /// (dockcert's own state).
    pub keep_backup: bool,
    /// SHA-256 of the new contents, lower-case hex.
    pub sha256: String,
}

/// SHA-256 of `bytes`, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes);
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// The command line's subcommand words (`issue server`), never its arguments.
pub fn command_name() -> String {
    let words: Vec<String> = std::env::args()
        .skip(1)
        .take_while(|arg| !arg.starts_with('-'))
        .take(2)
        .collect();
    if words.is_empty() {
        "dockcert".to_string()
    } else {
        words.join(" ")
    }
}

/// Writes the journal durably into `dir` (created 0700 if missing): temporary file, fsync,
/// rename to [`PENDING`], fsync of the directory. On failure nothing of it is left.
pub fn write(dir: &Path, journal: &Journal) -> Result<()> {
    let text = serde_json::to_vec(journal).context("failed to encode the journal")?;
    let target = dir.join(PENDING);
    if target.exists() || dir.join(COMMITTED).exists() {
        bail!(
            "a journal of another run is in {} (a run that did not take the home's lock?); run \
             any dockcert command on this home to recover it first",
            dir.display()
        );
    }
    let temp = dir.join(format!(".{PENDING}.tmp-{}", std::process::id()));
    let written = (|| -> io::Result<()> {
        let mut file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(&temp)?;
        file.write_all(&text)?;
        file.sync_all()?;
        fs::rename(&temp, &target)?;
        sync_dir(dir)
    })();
    if let Err(err) = written {
        let _ = fs::remove_file(&temp);
        let _ = fs::remove_file(&target);
        let _ = fs::remove_dir(dir);
        return Err(err)
            .with_context(|| format!("failed to write the journal {}", target.display()));
    }
    Ok(())
}

/// The commit point: from here on a crash is recovered forward.
pub fn commit(dir: &Path) -> Result<()> {
    fs::rename(dir.join(PENDING), dir.join(COMMITTED))
        .and_then(|()| sync_dir(dir))
        .with_context(|| format!("failed to commit the journal in {}", dir.display()))
}

/// Removes the journal (either name) once its run is complete or undone.
pub fn remove(dir: &Path) -> Result<()> {
    for name in [PENDING, COMMITTED] {
        match fs::remove_file(dir.join(name)) {
            Ok(()) => {}
            Err(err) if err.kind() == io::ErrorKind::NotFound => {}
            Err(err) => {
                return Err(err)
                    .with_context(|| format!("failed to remove {}", dir.join(name).display()));
            }
        }
    }
    // The directory exists only while a run writes (or after it died), so that a home at rest
    // holds nothing but its files.
    let _ = fs::remove_dir(dir);
    let parent = dir.parent().unwrap_or(dir);
    sync_dir(parent).with_context(|| format!("failed to sync {}", parent.display()))
}

/// What undoing or finishing a run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    /// Files put back or removed (roll-back), or backups removed (roll-forward).
    pub files: usize,
    /// Temporary files removed.
    pub temps: usize,
}

/// Undoes whatever of `journal` was done; safe to repeat. Errors are collected, not stopped at:
/// as much as possible is put back.
pub fn roll_back(journal: &Journal) -> Result<Tally> {
    let mut tally = Tally::default();
    let mut failures = Vec::new();
    for (index, entry) in journal.files.iter().enumerate().rev() {
        match remove_if_present(&entry.temp) {
            Ok(true) => tally.temps += 1,
            Ok(false) => {}
            Err(err) => failures.push(format!("remove {}: {err}", entry.temp.display())),
        }
        match undo_entry(entry) {
            Ok(true) => tally.files += 1,
            Ok(false) => {}
            Err(err) => failures.push(format!("restore {}: {err}", entry.path.display())),
        }
        crash_point("recover", index);
    }
    for dir in journal.dirs.iter().rev() {
        // Only if empty: a directory someone else filled meanwhile stays.
        let _ = fs::remove_dir(dir);
    }
    if let Err(err) = super::sync_parents(journal.files.iter().map(|e| e.path.as_path())) {
        failures.push(format!("{err:#}"));
    }
    if failures.is_empty() {
        Ok(tally)
    } else {
        Err(anyhow!(failures.join("; ")))
    }
}

/// Puts one file back as it was before the run; true when something had to be done.
fn undo_entry(entry: &Entry) -> io::Result<bool> {
    let target = fs::symlink_metadata(&entry.path);
    match &entry.backup {
        Some(backup) => match fs::symlink_metadata(backup) {
            Ok(kept) => {
                let unchanged = target
                    .as_ref()
                    .is_ok_and(|t| t.dev() == kept.dev() && t.ino() == kept.ino());
                if unchanged {
                    // Backed up but not yet replaced: the extra link goes.
                    fs::remove_file(backup)?;
                    Ok(false)
                } else {
                    fs::rename(backup, &entry.path)?;
                    Ok(true)
                }
            }
            // Never backed up, so never replaced; or already put back.
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(err) => Err(err),
        },
        None => match target {
            Ok(meta) if meta.is_file() => {
                let ours = super::read_own(&entry.path)
                    .is_ok_and(|bytes| sha256_hex(&bytes) == entry.sha256);
                if ours {
                    fs::remove_file(&entry.path)?;
                    Ok(true)
                } else {
                    // Someone else's file appeared there: never deleted.
                    Ok(false)
                }
            }
            Ok(_) => Ok(false),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(err) => Err(err),
        },
    }
}

/// Finishes a committed run: removes the backups that only served the rollback and any temporary
/// file left; safe to repeat.
pub fn roll_forward(journal: &Journal) -> Result<Tally> {
    let mut tally = Tally::default();
    for (index, entry) in journal.files.iter().enumerate() {
        if remove_if_present(&entry.temp)
            .with_context(|| format!("failed to remove {}", entry.temp.display()))?
        {
            tally.temps += 1;
        }
        if let (Some(backup), false) = (&entry.backup, entry.keep_backup)
            && remove_if_present(backup)
                .with_context(|| format!("failed to remove {}", backup.display()))?
        {
            tally.files += 1;
        }
        crash_point("finish", index);
    }
    Ok(tally)
}

fn remove_if_present(path: &Path) -> io::Result<bool> {
    match fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(err) => Err(err),
    }
}

/// Which way an interrupted run was recovered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Not committed: undone.
    Back,
    /// Committed: finished.
    Forward,
}

/// What [`recover`] did, for the one line it prints.
#[derive(Debug, Clone)]
pub struct Recovery {
    /// The interrupted command (`issue server`), if its journal was complete.
    pub command: Option<String>,
    /// Its process id.
    pub pid: Option<u32>,
    /// When it started.
    pub started: Option<OffsetDateTime>,
    /// Back or forward.
    pub direction: Direction,
    /// What was done.
    pub tally: Tally,
}

impl fmt::Display for Recovery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let run = match (&self.command, self.pid, self.started) {
            (Some(command), Some(pid), Some(started)) => format!(
                "'dockcert {command}' (pid {pid}, started {})",
                crate::x509::certinfo::rfc3339(started.replace_nanosecond(0).unwrap_or(started))
            ),
            _ => "a dockcert run".to_string(),
        };
        let temps = match self.tally.temps {
            0 => String::new(),
            1 => ", removed 1 temporary file".to_string(),
            n => format!(", removed {n} temporary files"),
        };
        match self.direction {
            Direction::Back => write!(
                f,
                "recovered from an interrupted {run}: rolled back {} file{}{temps}; the files and \
                 the inventory are as they were before it",
                self.tally.files,
                if self.tally.files == 1 { "" } else { "s" }
            ),
            Direction::Forward => write!(
                f,
                "recovered from an interrupted {run}: it had completed; removed {} leftover \
                 backup{}{temps}",
                self.tally.files,
                if self.tally.files == 1 { "" } else { "s" }
            ),
        }
    }
}

/// Recovers the journal in `dir` and those in its subdirectories (a command that runs several
/// transactions at once under one lock, one per host say, gives each its own
/// `<home>/journal/<name>/`). The caller holds the home's lock.
pub fn recover_all(dir: &Path) -> Result<Vec<Recovery>> {
    let mut done = Vec::new();
    if let Ok(entries) = fs::read_dir(dir) {
        let mut subdirs: Vec<PathBuf> = entries
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .map(|e| e.path())
            .collect();
        subdirs.sort();
        for sub in subdirs {
            done.extend(recover(&sub)?);
        }
    }
    done.extend(recover(dir)?);
    Ok(done)
}

/// Finds an interrupted run's journal in `dir` and finishes or undoes it (see the module docs).
/// The caller holds the home's lock. `None` when there was nothing to recover.
pub fn recover(dir: &Path) -> Result<Option<Recovery>> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(err).with_context(|| format!("failed to list {}", dir.display())),
    };
    // A journal being written when the run died: nothing else had started.
    let mut stray = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        if name
            .to_string_lossy()
            .starts_with(&format!(".{PENDING}.tmp-"))
        {
            fs::remove_file(entry.path())
                .with_context(|| format!("failed to remove {}", entry.path().display()))?;
            stray += 1;
        }
    }
    let (path, direction) = if dir.join(COMMITTED).exists() {
        (dir.join(COMMITTED), Direction::Forward)
    } else if dir.join(PENDING).exists() {
        (dir.join(PENDING), Direction::Back)
    } else if stray > 0 {
        remove(dir)?;
        return Ok(Some(Recovery {
            command: None,
            pid: None,
            started: None,
            direction: Direction::Back,
            tally: Tally {
                files: 0,
                temps: stray,
            },
        }));
    } else {
        // An empty directory left by a run that died after removing its journal.
        let _ = fs::remove_dir(dir);
        return Ok(None);
    };
    let bytes = crate::bounded::read_capped(&path, crate::bounded::MAX_STATE_SIZE)
        .with_context(|| format!("failed to read the journal {}", path.display()))?;
    let journal: Journal = serde_json::from_slice(&bytes).map_err(|_| {
        anyhow!(
            "the journal {} is damaged, so dockcert cannot tell which files an interrupted run \
             wrote; check the home with 'dockcert audit' and remove the journal by hand",
            path.display()
        )
    })?;
    if journal.version != VERSION {
        bail!(
            "the journal {} has format version {}, which this dockcert does not know; finish it \
             with the dockcert that wrote it",
            path.display(),
            journal.version
        );
    }
    let mut tally = match direction {
        Direction::Back => roll_back(&journal),
        Direction::Forward => roll_forward(&journal),
    }
    .with_context(|| {
        format!(
            "failed to recover the interrupted run recorded in {}",
            path.display()
        )
    })?;
    tally.temps += stray;
    remove(dir)?;
    Ok(Some(Recovery {
        command: Some(journal.command),
        pid: Some(journal.pid),
        started: Some(journal.started),
        direction,
        tally,
    }))
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir).and_then(|d| d.sync_all())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn journal(root: &Path, entries: Vec<Entry>) -> Journal {
        Journal {
            version: VERSION,
            command: "issue client".to_string(),
            pid: 42,
            started: datetime!(2026-03-01 12:00:00 UTC),
            dirs: vec![root.join("new")],
            files: entries,
        }
    }

    #[test]
    fn a_pending_run_is_rolled_back_and_a_foreign_file_is_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        let dir = root.join("journal");
        fs::create_dir(&dir).unwrap();
        // Replaced: the old file is under its backup name, the new one in place.
        fs::write(root.join("a.pem.bak-x"), "old a").unwrap();
        fs::write(root.join("a.pem"), "new a").unwrap();
        // Created by the run, and its temporary file of another not yet placed.
        fs::create_dir(root.join("new")).unwrap();
        fs::write(root.join("new/b.pem"), "new b").unwrap();
        fs::write(root.join("new/.c.pem.tmp-1"), "new c").unwrap();
        // A file the run would have created, but someone else's contents are there.
        fs::write(root.join("d.pem"), "not ours").unwrap();
        let entry = |name: &str, backup: Option<&str>, contents: &str| Entry {
            path: root.join(name),
            temp: root.join(format!("{name}.tmp")),
            backup: backup.map(|b| root.join(b)),
            keep_backup: true,
            sha256: sha256_hex(contents.as_bytes()),
        };
        let mut c = entry("new/c.pem", None, "new c");
        c.temp = root.join("new/.c.pem.tmp-1");
        let j = journal(
            root,
            vec![
                entry("a.pem", Some("a.pem.bak-x"), "new a"),
                entry("new/b.pem", None, "new b"),
                c,
                entry("d.pem", None, "ours"),
            ],
        );
        write(&dir, &j).unwrap();
        let recovery = recover(&dir).unwrap().expect("something to recover");
        assert_eq!(recovery.direction, Direction::Back);
        assert_eq!(recovery.tally, Tally { files: 2, temps: 1 });
        assert_eq!(fs::read_to_string(root.join("a.pem")).unwrap(), "old a");
        assert!(!root.join("a.pem.bak-x").exists());
        assert!(
            !root.join("new").exists(),
            "the new, now empty, directory goes"
        );
        assert_eq!(fs::read_to_string(root.join("d.pem")).unwrap(), "not ours");
        assert!(!dir.exists(), "the journal and its directory are gone");
        let line = recovery.to_string();
        assert!(
            line.starts_with("recovered from an interrupted 'dockcert issue client' (pid 42, started 2026-03-01T12:00:00Z): rolled back 2 files, removed 1 temporary file"),
            "{line}"
        );
        assert!(recover(&dir).unwrap().is_none(), "nothing left to do");
    }

    #[test]
    fn a_committed_run_is_rolled_forward() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        let dir = root.join("journal");
        fs::create_dir(&dir).unwrap();
        fs::write(root.join("inventory.json"), "new").unwrap();
        fs::write(root.join("inventory.json.bak-x"), "old").unwrap();
        let j = journal(
            root,
            vec![Entry {
                path: root.join("inventory.json"),
                temp: root.join(".inventory.json.tmp"),
                backup: Some(root.join("inventory.json.bak-x")),
                keep_backup: false,
                sha256: sha256_hex(b"new"),
            }],
        );
        write(&dir, &j).unwrap();
        commit(&dir).unwrap();
        let recovery = recover(&dir).unwrap().unwrap();
        assert_eq!(recovery.direction, Direction::Forward);
        assert_eq!(
            fs::read_to_string(root.join("inventory.json")).unwrap(),
            "new"
        );
        assert!(!root.join("inventory.json.bak-x").exists());
        assert!(
            recovery
                .to_string()
                .contains("it had completed; removed 1 leftover backup")
        );
    }
}

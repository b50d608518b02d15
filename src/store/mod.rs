//! The only code that writes files.
//!
//! A command describes what it wants written as a [`Plan`] (path, bytes, final mode). [`apply`] first
//! checks the plan as a whole (no target exists unless `force`, no target is a symlink, every
//! symlinked directory is safe, every directory can be made), then writes file by file:
//! temporary file created `O_CREAT|O_EXCL|O_NOFOLLOW` with mode 0600 at open time, written, fsynced,
//! set to its final mode on the open descriptor, linked or renamed into place, directory fsynced.
//! If anything fails, every file written by this run is removed, every replaced file is put back, and
//! every directory made by this run is removed again.
//!
//! A plan made with [`Plan::journaled`] (every command on a home: `Home::plan()`) is one
//! transaction: its [`journal`] is on disk before the first final name changes, so that a run
//! killed at any point is finished or undone by the next one that takes the home's lock. The
//! module docs of [`journal`] give the protocol and the API for new commands.
//!
//! Beside it: [`home`] is dockcert's home (where the CA and the daemon's files live; its lock),
//! and [`inventory`] is the record of what was issued there.

use std::ffi::OsString;
use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use time::OffsetDateTime;
use zeroize::Zeroizing;

pub mod home;
pub mod inventory;
pub mod journal;

use journal::Journal;
pub use journal::{Recovery, recover, recover_all};

/// Mode of a private key file.
pub const KEY_MODE: u32 = 0o400;
/// Mode of a certificate file.
pub const CERT_MODE: u32 = 0o444;
/// Mode of every directory the store creates.
pub const DIR_MODE: u32 = 0o700;

/// One file to write.
pub struct PlannedFile {
    /// Absolute target path.
    pub path: PathBuf,
    /// Contents (wiped from memory when dropped: they may be a key).
    pub contents: Zeroizing<Vec<u8>>,
    /// Final mode.
    pub mode: u32,
    /// dockcert's own state (the inventory): replaced atomically whenever it exists, without
    /// `--force` and without a backup.
    pub state: bool,
}

/// Every file one command run writes, written together or not at all.
#[derive(Default)]
pub struct Plan {
    files: Vec<PlannedFile>,
    /// Where the run's journal goes (`<home>/journal`); `None`: undone in-process on an error,
    /// but not recovered after a crash.
    journal: Option<PathBuf>,
}

impl Plan {
    /// An empty plan whose run is journaled in `dir` (the home's `journal/`): recovered by the
    /// next run that takes the home's lock if this one dies. The caller holds that lock.
    pub fn journaled(dir: PathBuf) -> Plan {
        Plan {
            files: Vec::new(),
            journal: Some(dir),
        }
    }

    /// Journals this plan's run in `dir` (see [`Plan::journaled`]).
    pub fn journal_in(&mut self, dir: PathBuf) {
        self.journal = Some(dir);
    }

    /// Adds a file to write.
    pub fn add(&mut self, path: PathBuf, contents: impl Into<Vec<u8>>, mode: u32) {
        self.files.push(PlannedFile {
            path,
            contents: Zeroizing::new(contents.into()),
            mode,
            state: false,
        });
    }

    /// Adds a file of dockcert's own state, replaced atomically without a backup.
    pub fn add_state(&mut self, path: PathBuf, contents: impl Into<Vec<u8>>, mode: u32) {
        self.files.push(PlannedFile {
            path,
            contents: Zeroizing::new(contents.into()),
            mode,
            state: true,
        });
    }

    /// The files, in the order they will be written.
    pub fn files(&self) -> &[PlannedFile] {
        &self.files
    }
}

/// A file the store wrote.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Written {
    /// Where it is.
    pub path: PathBuf,
    /// Its mode.
    pub mode: u32,
    /// Where the file it replaced was kept, under `--force`.
    pub backup: Option<PathBuf>,
}

/// Checks the whole plan, then writes it as one transaction (see [`journal`]): all of it or, after
/// any error or crash, none of it. `now` names backups.
pub fn apply(plan: &Plan, force: bool, now: OffsetDateTime) -> Result<Vec<Written>> {
    check(plan, force)?;
    let order = placing_order(plan);
    let txn = prepare(plan, &order, now)?;
    let journal_dir = plan.journal.as_deref().filter(|_| !journal_disabled());
    if let Some(dir) = journal_dir {
        let written =
            create_dirs(dir, &mut Vec::new(), true).and_then(|()| journal::write(dir, &txn));
        if let Err(err) = written {
            // Nothing else was done yet; only the (empty) journal directory may be left.
            let _ = fs::remove_dir(dir);
            return Err(anyhow!("{err:#}; nothing was changed"));
        }
    }
    crash_point("journal", 0);
    let batch = plan.files.len() > BATCH_SYNC_THRESHOLD;
    let done = write_all(plan, &order, &txn, batch)
        .and_then(|()| journal_dir.map_or(Ok(()), journal::commit));
    if let Err(err) = done {
        return Err(undo(err, &txn, journal_dir));
    }
    crash_point("committed", 0);
    // Committed: from here on the run is finished, not undone. Removing its leftovers may still
    // fail (an I/O error syncing the journal's directory); the files are written and durable, so
    // that is a warning, and the journal left behind makes the next run finish the cleanup.
    if let Err(err) =
        journal::roll_forward(&txn).and_then(|_| journal_dir.map_or(Ok(()), journal::remove))
    {
        crate::report::print_notice(&format!(
            "warning: every file was written, but cleaning up after the run failed ({err:#}); \
             the next dockcert command on this home finishes it"
        ));
    }
    let mut written: Vec<Option<Written>> = (0..plan.files.len()).map(|_| None).collect();
    for (&index, entry) in order.iter().zip(&txn.files) {
        written[index] = Some(Written {
            path: entry.path.clone(),
            mode: plan.files[index].mode,
            backup: entry.backup.clone().filter(|_| entry.keep_backup),
        });
    }
    Ok(written.into_iter().flatten().collect())
}

/// Rolls back a failed run and says how it ended.
fn undo(err: anyhow::Error, txn: &Journal, journal_dir: Option<&Path>) -> anyhow::Error {
    let undone = journal::roll_back(txn).and_then(|_| journal_dir.map_or(Ok(()), journal::remove));
    match undone {
        Ok(()) => anyhow!("{err:#}; nothing was changed (what this run had written was removed)"),
        Err(undo_err) => match journal_dir {
            Some(dir) => anyhow!(
                "{err:#}; undoing the partial write also failed ({undo_err:#}); the journal in {} \
                 is kept, and the next dockcert command on this home finishes undoing it",
                dir.display()
            ),
            None => anyhow!(
                "{err:#}; undoing the partial write also failed ({undo_err:#}): check those files"
            ),
        },
    }
}

/// `DOCKCERT_BENCH_NO_JOURNAL=1` turns the journal off, for `bench/journal.py` to measure what it
/// costs. Nothing else may set it: without the journal a killed run is not recovered.
fn journal_disabled() -> bool {
    std::env::var_os("DOCKCERT_BENCH_NO_JOURNAL").is_some_and(|v| v == "1")
}

/// The order files are placed in: the user's files first, dockcert's own state (the inventory)
/// last, so that the inventory never names a file that is not there yet.
fn placing_order(plan: &Plan) -> Vec<usize> {
    let (mut files, state): (Vec<usize>, Vec<usize>) =
        (0..plan.files.len()).partition(|&i| !plan.files[i].state);
    files.extend(state);
    files
}

/// The journal of `plan`: every name this run will create, chosen now, before anything is written.
fn prepare(plan: &Plan, order: &[usize], now: OffsetDateTime) -> Result<Journal> {
    let token = random_token()?;
    let pid = std::process::id();
    let mut dirs = Vec::new();
    let mut seen_dirs = std::collections::HashSet::new();
    let mut taken = std::collections::HashSet::new();
    let mut files = Vec::with_capacity(order.len());
    for (n, &index) in order.iter().enumerate() {
        let file = &plan.files[index];
        let parent = parent_of(&file.path)?;
        if seen_dirs.insert(parent.to_path_buf()) {
            let mut missing = Vec::new();
            let mut current = parent;
            while fs::symlink_metadata(current).is_err() {
                missing.push(current.to_path_buf());
                current = parent_of(current)?;
            }
            for dir in missing.into_iter().rev() {
                if !dirs.contains(&dir) {
                    dirs.push(dir);
                }
            }
        }
        let name = file
            .path
            .file_name()
            .ok_or_else(|| anyhow!("{} has no file name", file.path.display()))?;
        let mut temp_name = OsString::from(".");
        temp_name.push(name);
        temp_name.push(format!(".tmp-{pid}-{token}-{n}"));
        let backup = if fs::symlink_metadata(&file.path).is_ok() {
            Some(backup_name(&file.path, now, &mut taken)?)
        } else {
            None
        };
        files.push(journal::Entry {
            path: file.path.clone(),
            temp: parent.join(temp_name),
            backup,
            keep_backup: !file.state,
            sha256: journal::sha256_hex(&file.contents),
        });
    }
    Ok(Journal {
        version: 1,
        command: journal::command_name(),
        pid,
        started: now,
        dirs,
        files,
    })
}

fn random_token() -> Result<String> {
    let mut bytes = [0u8; 4];
    aws_lc_rs::rand::fill(&mut bytes).map_err(|_| anyhow!("the random number generator failed"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// `YYYYmmddTHHMMSSZ`: the UTC moment in backup names, here and on provisioned hosts.
pub fn stamp(now: OffsetDateTime) -> String {
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    )
}

/// `path.bak-<UTC timestamp>[-n]`, free now and not taken by another file of this run.
fn backup_name(
    path: &Path,
    now: OffsetDateTime,
    taken: &mut std::collections::HashSet<PathBuf>,
) -> Result<PathBuf> {
    let stamp = stamp(now);
    for attempt in 0..1000 {
        let mut name = path.as_os_str().to_owned();
        name.push(format!(".bak-{stamp}"));
        if attempt > 0 {
            name.push(format!("-{attempt}"));
        }
        let backup = PathBuf::from(name);
        if !taken.contains(&backup) && fs::symlink_metadata(&backup).is_err() {
            taken.insert(backup.clone());
            return Ok(backup);
        }
    }
    bail!("failed to find a free backup name for {}", path.display())
}

fn check(plan: &Plan, force: bool) -> Result<()> {
    let paths: Vec<PathBuf> = plan
        .files
        .iter()
        .filter(|f| !f.state)
        .map(|f| f.path.clone())
        .collect();
    check_targets(&paths, force)?;
    for file in plan.files.iter().filter(|f| f.state) {
        check_directory_path(parent_of(&file.path)?)?;
        if fs::symlink_metadata(&file.path).is_ok_and(|meta| !meta.is_file()) {
            bail!(
                "{} is not a regular file; move it away",
                file.path.display()
            );
        }
    }
    Ok(())
}

/// Checks every target before anything is written: no duplicates, no symlinks, safe directories,
/// and nothing that exists unless `force`.
pub fn check_targets(paths: &[PathBuf], force: bool) -> Result<()> {
    let mut existing = Vec::new();
    let mut planned = std::collections::HashSet::with_capacity(paths.len());
    let mut checked_dirs = std::collections::HashSet::new();
    for path in paths {
        if !planned.insert(path) {
            bail!(
                "{} is planned twice; give the directories distinct paths",
                path.display()
            );
        }
        if !path.is_absolute() {
            bail!("internal error: {} is not an absolute path", path.display());
        }
        let parent = parent_of(path)?;
        if checked_dirs.insert(parent) {
            check_directory_path(parent)?;
        }
        match fs::symlink_metadata(path) {
            Ok(meta) if meta.file_type().is_symlink() => bail!(
                "{} is a symbolic link; refusing to write a key or certificate through it \
                 (remove the link, or choose another directory)",
                path.display()
            ),
            Ok(meta) if !meta.is_file() => bail!(
                "{} exists and is not a regular file; move it away or choose another directory",
                path.display()
            ),
            Ok(_) => existing.push(path.display().to_string()),
            Err(err) if err.kind() == io::ErrorKind::NotFound => {}
            Err(err) => {
                return Err(err).with_context(|| format!("failed to inspect {}", path.display()));
            }
        }
    }
    if !existing.is_empty() && !force {
        bail!(
            "{} already exist{}: {}; nothing was written (pass --force to replace {}; the old files are kept \
             as timestamped backups)",
            if existing.len() == 1 {
                "a file"
            } else {
                "files"
            },
            if existing.len() == 1 { "s" } else { "" },
            existing.join(", "),
            if existing.len() == 1 { "it" } else { "them" }
        );
    }
    Ok(())
}

fn parent_of(path: &Path) -> Result<&Path> {
    path.parent()
        .ok_or_else(|| anyhow!("{} has no parent directory", path.display()))
}

/// Walks `dir` from the root: every existing component must be a directory, every symlink among them
/// safe, and the deepest existing one writable when more must be created beneath it.
fn check_directory_path(dir: &Path) -> Result<()> {
    let mut current = PathBuf::new();
    let mut deepest_existing = PathBuf::from("/");
    for component in dir.components() {
        current.push(component);
        match fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                check_symlinked_directory(&current, &meta)?;
                deepest_existing = current.clone();
            }
            Ok(meta) if meta.is_dir() => deepest_existing = current.clone(),
            Ok(_) => bail!(
                "cannot use directory {}: {} is not a directory",
                dir.display(),
                current.display()
            ),
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                return check_writable(&deepest_existing, dir);
            }
            Err(err) => {
                return Err(err)
                    .with_context(|| format!("failed to inspect {}", current.display()));
            }
        }
    }
    check_writable(dir, dir)
}

/// A symlinked directory (a dotfiles-managed `~/.docker`, say) is followed only when the link and
/// its target belong to us or root and the target is not writable by others.
fn check_symlinked_directory(link: &Path, link_meta: &fs::Metadata) -> Result<()> {
    let target = fs::metadata(link).with_context(|| {
        format!(
            "{} is a symbolic link that cannot be followed",
            link.display()
        )
    })?;
    if !target.is_dir() {
        bail!(
            "{} is a symbolic link to something that is not a directory",
            link.display()
        );
    }
    let me = effective_uid();
    let trusted = |uid: u32| uid == me || uid == 0;
    if !trusted(link_meta.uid()) || !trusted(target.uid()) {
        bail!(
            "{} is a symbolic link owned by another user (or pointing to their directory); refusing to \
             follow it (replace it with a directory of your own)",
            link.display()
        );
    }
    if target.mode() & 0o002 != 0 && target.mode() & 0o1000 == 0 {
        bail!(
            "{} is a symbolic link to a directory that anyone can write to; refusing to follow it \
             (chmod o-w its target, or use a real directory)",
            link.display()
        );
    }
    Ok(())
}

fn check_writable(existing: &Path, wanted: &Path) -> Result<()> {
    let c_path = std::ffi::CString::new(existing.as_os_str().as_encoded_bytes())
        .map_err(|_| anyhow!("{} contains a NUL byte", existing.display()))?;
    // SAFETY: c_path is a valid NUL-terminated string that outlives the call.
    let rc = unsafe {
        libc::faccessat(
            libc::AT_FDCWD,
            c_path.as_ptr(),
            libc::W_OK | libc::X_OK,
            libc::AT_EACCESS,
        )
    };
    if rc != 0 {
        let err = io::Error::last_os_error();
        bail!(
            "cannot write to {} (needed for {}): {err}; choose a directory you can write to",
            existing.display(),
            wanted.display()
        );
    }
    Ok(())
}

fn effective_uid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// Above this many files, durability is ensured by one `syncfs` per filesystem before and after
/// the files are moved into place, instead of one `fsync` per file and per directory: the same
/// guarantee (contents on disk before any name points to them, names on disk before the commit),
/// thousands of times fewer flushes for `issue server --from`.
const BATCH_SYNC_THRESHOLD: usize = 24;

fn write_all(plan: &Plan, order: &[usize], txn: &Journal, batch: bool) -> Result<()> {
    // 1. Directories, 0700.
    create_listed_dirs(&txn.dirs, !batch)?;
    // 2. Every file's contents in its temporary file, with its final mode.
    for (n, (&index, entry)) in order.iter().zip(&txn.files).enumerate() {
        write_temp(&plan.files[index], &entry.temp, !batch)?;
        crash_point("temp", n);
    }
    if batch {
        sync_parents(txn.files.iter().map(|e| e.path.as_path()))?;
    }
    crash_point("synced", 0);
    // 3. Into place, one by one, the state last (each step undone by journal::roll_back).
    for (n, (&index, entry)) in order.iter().zip(&txn.files).enumerate() {
        fault_point(index)?;
        place(entry, !batch)?;
        crash_point("place", n);
    }
    if batch {
        sync_parents(txn.files.iter().map(|e| e.path.as_path()))?;
    }
    crash_point("placed", 0);
    Ok(())
}

/// Where the rollback tests inject a failure; nothing in a real build.
#[cfg(not(test))]
fn fault_point(_index: usize) -> Result<()> {
    Ok(())
}

#[cfg(test)]
use tests::fault_point;

/// `DOCKCERT_CRASH_AT=<step>[:<n>]` kills the process with SIGKILL at that step of a transaction
/// (`journal`, `temp:N`, `synced`, `place:N`, `placed`, `committed`, `finish:N`, `recover:N`), so
/// that the crash tests can stop a real run at every point that matters. Compiled only into debug
/// builds (tests); a release build has no such hook.
#[cfg(debug_assertions)]
pub(crate) fn crash_point(step: &str, n: usize) {
    static AT: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    let Some(at) = AT
        .get_or_init(|| std::env::var("DOCKCERT_CRASH_AT").ok())
        .as_deref()
    else {
        return;
    };
    let hit = match at.split_once(':') {
        Some((name, index)) => name == step && index.parse() == Ok(n),
        None => at == step,
    };
    if hit {
        // SAFETY: kill(2) on our own pid; SIGKILL cannot be caught, which is the point.
        unsafe {
            libc::kill(libc::getpid(), libc::SIGKILL);
        }
    }
}

#[cfg(not(debug_assertions))]
#[inline(always)]
pub(crate) fn crash_point(_step: &str, _n: usize) {}

/// Creates the journal's directories, each 0700 whatever the umask.
fn create_listed_dirs(dirs: &[PathBuf], fsync_parent: bool) -> Result<()> {
    for path in dirs {
        DirBuilder::new()
            .mode(DIR_MODE)
            .create(path)
            .with_context(|| format!("failed to create directory {}", path.display()))?;
        // mkdir's mode is masked by the umask; set it exactly.
        fs::set_permissions(path, fs::Permissions::from_mode(DIR_MODE))
            .with_context(|| format!("failed to set the mode of {}", path.display()))?;
        if fsync_parent {
            sync_dir(parent_of(path)?)?;
        }
    }
    Ok(())
}

/// Creates the missing directories of `dir`, each 0700 whatever the umask (for the lock and the
/// journal directory, which stay).
fn create_dirs(dir: &Path, created: &mut Vec<PathBuf>, fsync_parent: bool) -> Result<()> {
    let mut missing = Vec::new();
    let mut current = dir;
    while fs::symlink_metadata(current).is_err() {
        missing.push(current.to_path_buf());
        current = parent_of(current)?;
    }
    missing.reverse();
    create_listed_dirs(&missing, fsync_parent)?;
    created.extend(missing);
    Ok(())
}

/// Writes `file`'s contents to its new temporary file `temp`, created `O_CREAT|O_EXCL|O_NOFOLLOW`
/// 0600, with its final mode set on the open descriptor, fsynced unless the whole plan is synced
/// at once.
fn write_temp(file: &PlannedFile, temp: &Path, fsync: bool) -> Result<()> {
    let mut handle = OpenOptions::new()
        .write(true)
        .create_new(true) // O_CREAT|O_EXCL
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(temp)
        .with_context(|| {
            format!(
                "failed to create a temporary file in {}",
                parent_of(temp).map_or_else(|_| temp.display(), Path::display)
            )
        })?;
    handle
        .write_all(&file.contents)
        .and_then(|()| if fsync { handle.sync_all() } else { Ok(()) })
        .with_context(|| format!("failed to write {}", file.path.display()))?;
    // fchmod on the open descriptor: the final mode, independent of the umask.
    handle
        .set_permissions(fs::Permissions::from_mode(file.mode))
        .with_context(|| format!("failed to set the mode of {}", temp.display()))?;
    Ok(())
}

/// Moves a written temporary file to its target: linked when the target does not exist (so a
/// file that appeared meanwhile is never clobbered), renamed over it after a backup link
/// otherwise.
fn place(entry: &journal::Entry, fsync_dir: bool) -> Result<()> {
    match &entry.backup {
        Some(backup) => {
            // The old file stays reachable under its backup name; then replaced atomically.
            fs::hard_link(&entry.path, backup)
                .with_context(|| format!("failed to back up {}", entry.path.display()))?;
            fs::rename(&entry.temp, &entry.path)
                .with_context(|| format!("failed to move {} into place", entry.path.display()))?;
        }
        None => {
            // link() fails if the target appeared meanwhile: nothing is ever clobbered silently.
            fs::hard_link(&entry.temp, &entry.path)
                .with_context(|| format!("failed to move {} into place", entry.path.display()))?;
            fs::remove_file(&entry.temp)
                .with_context(|| format!("failed to remove {}", entry.temp.display()))?;
        }
    }
    if fsync_dir {
        sync_dir(parent_of(&entry.path)?)?;
    }
    Ok(())
}

/// One `syncfs` per filesystem holding the parents of `paths` (those that exist).
fn sync_parents<'a>(paths: impl Iterator<Item = &'a Path>) -> Result<()> {
    let mut seen = Vec::new();
    let mut seen_dirs = std::collections::HashSet::new();
    for path in paths {
        let dir = parent_of(path)?;
        if !seen_dirs.insert(dir) {
            continue;
        }
        let Ok(meta) = fs::metadata(dir) else {
            continue;
        };
        if seen.contains(&meta.dev()) {
            continue;
        }
        seen.push(meta.dev());
        let handle =
            File::open(dir).with_context(|| format!("failed to open {}", dir.display()))?;
        use std::os::fd::AsRawFd;
        // SAFETY: syncfs on a descriptor we own and keep open for the call.
        if unsafe { libc::syncfs(handle.as_raw_fd()) } != 0 {
            return Err(io::Error::last_os_error())
                .with_context(|| format!("failed to sync the filesystem of {}", dir.display()));
        }
    }
    Ok(())
}

/// Reads one of dockcert's own files (a file this run wrote, the inventory, a journal): never
/// blocking, regular files only, with a cap far above any real size.
fn read_own(path: &Path) -> io::Result<Vec<u8>> {
    crate::bounded::read_capped(path, crate::bounded::MAX_STATE_SIZE)
}

/// An exclusive lock on a home directory, held until dropped.
pub struct Lock {
    _file: File,
}

/// Takes the exclusive lock at `path` (created 0600, its directories 0700), waiting for another
/// dockcert run on the same home to finish. An advisory `flock`: the kernel releases it when its
/// holder dies, however it dies, so a stale lock never blocks.
pub fn lock(path: &Path) -> Result<Lock> {
    let parent = parent_of(path)?;
    check_directory_path(parent)?;
    // Directories made for the lock stay: they are the home the run is about to use.
    create_dirs(parent, &mut Vec::new(), true)?;
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(path)
        .with_context(|| format!("failed to open the lock file {}", path.display()))?;
    use std::os::fd::AsRawFd;
    // SAFETY: flock on a descriptor we own; it stays open as long as the Lock.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } != 0 {
        return Err(io::Error::last_os_error())
            .with_context(|| format!("failed to lock {}", path.display()));
    }
    Ok(Lock { _file: file })
}

fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("failed to sync directory {}", dir.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use time::macros::datetime;

    thread_local! {
        static FAIL_AT: Cell<Option<usize>> = const { Cell::new(None) };
    }

    /// Fault injection for the rollback tests: fail before writing file number `index`.
    pub(super) fn fault_point(index: usize) -> Result<()> {
        if FAIL_AT.with(Cell::get) == Some(index) {
            bail!("injected failure before file {index}");
        }
        Ok(())
    }

    const NOW: OffsetDateTime = datetime!(2026-03-01 12:00:00 UTC);

    fn mode(path: &Path) -> u32 {
        fs::symlink_metadata(path).unwrap().mode() & 0o7777
    }

    fn plan(root: &Path) -> Plan {
        let mut plan = Plan::default();
        plan.add(root.join("a/ca.pem"), "cert a", CERT_MODE);
        plan.add(root.join("a/ca-key.pem"), "key a", KEY_MODE);
        plan.add(root.join("b/c/key.pem"), "key b", KEY_MODE);
        plan
    }

    fn listing(root: &Path) -> Vec<String> {
        let mut out = Vec::new();
        let mut stack = vec![root.to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                let meta = fs::symlink_metadata(&path).unwrap();
                let text = fs::read(&path).map(|b| String::from_utf8_lossy(&b).into_owned());
                out.push(format!(
                    "{} {:o} {}",
                    path.strip_prefix(root).unwrap().display(),
                    meta.mode() & 0o7777,
                    text.unwrap_or_default()
                ));
                if meta.is_dir() {
                    stack.push(path);
                }
            }
        }
        out.sort();
        out
    }

    #[test]
    fn writes_with_final_modes_and_private_directories() {
        let tmp = tempfile::tempdir().unwrap();
        let written = apply(&plan(tmp.path()), false, NOW).unwrap();
        assert_eq!(written.len(), 3);
        assert_eq!(mode(&tmp.path().join("a/ca.pem")), 0o444);
        assert_eq!(mode(&tmp.path().join("a/ca-key.pem")), 0o400);
        assert_eq!(mode(&tmp.path().join("b")), 0o700);
        assert_eq!(mode(&tmp.path().join("b/c")), 0o700);
        assert_eq!(
            fs::read_to_string(tmp.path().join("b/c/key.pem")).unwrap(),
            "key b"
        );
        assert_eq!(
            listing(tmp.path()).len(),
            6,
            "no temporary files left behind"
        );
    }

    #[test]
    fn refuses_existing_files_without_force_and_names_them() {
        let tmp = tempfile::tempdir().unwrap();
        fs::create_dir(tmp.path().join("a")).unwrap();
        fs::write(tmp.path().join("a/ca-key.pem"), "old key").unwrap();
        let before = listing(tmp.path());
        let err = apply(&plan(tmp.path()), false, NOW)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("ca-key.pem") && err.contains("--force"),
            "{err}"
        );
        assert_eq!(listing(tmp.path()), before, "nothing written");
    }

    #[test]
    fn force_keeps_a_backup_with_its_mode() {
        let tmp = tempfile::tempdir().unwrap();
        fs::create_dir(tmp.path().join("a")).unwrap();
        let old = tmp.path().join("a/ca-key.pem");
        fs::write(&old, "old key").unwrap();
        fs::set_permissions(&old, fs::Permissions::from_mode(0o400)).unwrap();
        let written = apply(&plan(tmp.path()), true, NOW).unwrap();
        let backup = written[1].backup.clone().expect("backup recorded");
        assert_eq!(backup, tmp.path().join("a/ca-key.pem.bak-20260301T120000Z"));
        assert_eq!(fs::read_to_string(&backup).unwrap(), "old key");
        assert_eq!(mode(&backup), 0o400);
        assert_eq!(fs::read_to_string(&old).unwrap(), "key a");
        // A second forced run on the same second does not overwrite the first backup.
        let again = apply(&plan(tmp.path()), true, NOW).unwrap();
        let second = again[1].backup.clone().unwrap();
        assert_ne!(second, backup);
        assert_eq!(fs::read_to_string(&backup).unwrap(), "old key");
    }

    #[test]
    fn failure_half_way_undoes_everything() {
        let tmp = tempfile::tempdir().unwrap();
        fs::create_dir(tmp.path().join("a")).unwrap();
        fs::write(tmp.path().join("a/ca.pem"), "old cert").unwrap();
        let before = listing(tmp.path());
        FAIL_AT.with(|f| f.set(Some(2)));
        let result = apply(&plan(tmp.path()), true, NOW);
        FAIL_AT.with(|f| f.set(None));
        let err = format!("{:#}", result.unwrap_err());
        assert!(
            err.contains("injected failure") && err.contains("nothing was changed"),
            "{err}"
        );
        assert_eq!(
            listing(tmp.path()),
            before,
            "old file restored, new files and dirs removed"
        );
    }

    #[test]
    fn state_is_replaced_without_force_or_backup_and_restored_on_failure() {
        let tmp = tempfile::tempdir().unwrap();
        let state = tmp.path().join("inventory.json");
        fs::write(&state, "old state").unwrap();
        let mut plan = Plan::default();
        plan.add_state(state.clone(), "new state", 0o600);
        let written = apply(&plan, false, NOW).unwrap();
        assert_eq!(written[0].backup, None);
        assert_eq!(fs::read_to_string(&state).unwrap(), "new state");
        assert_eq!(listing(tmp.path()).len(), 1, "no backup left behind");

        let mut plan = Plan::default();
        plan.add_state(state.clone(), "newer state", 0o600);
        plan.add(tmp.path().join("x/cert.pem"), "cert", CERT_MODE);
        FAIL_AT.with(|f| f.set(Some(1)));
        let result = apply(&plan, false, NOW);
        FAIL_AT.with(|f| f.set(None));
        assert!(result.is_err());
        assert_eq!(
            fs::read_to_string(&state).unwrap(),
            "new state",
            "rolled back"
        );
        assert_eq!(listing(tmp.path()).len(), 1);
    }

    #[test]
    fn the_lock_is_exclusive() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("home/.lock");
        let held = lock(&path).unwrap();
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&tmp.path().join("home")), 0o700);
        let (tx, rx) = std::sync::mpsc::channel();
        let waiter = std::thread::spawn({
            let path = path.clone();
            move || {
                let _second = lock(&path).unwrap();
                tx.send(()).unwrap();
            }
        });
        assert!(
            rx.recv_timeout(std::time::Duration::from_millis(200))
                .is_err(),
            "second lock waited"
        );
        drop(held);
        rx.recv_timeout(std::time::Duration::from_secs(5))
            .expect("second lock taken after release");
        waiter.join().unwrap();
    }

    #[test]
    fn refuses_a_symlinked_target() {
        let tmp = tempfile::tempdir().unwrap();
        fs::create_dir(tmp.path().join("a")).unwrap();
        std::os::unix::fs::symlink("/tmp/elsewhere", tmp.path().join("a/ca-key.pem")).unwrap();
        for force in [false, true] {
            let err = apply(&plan(tmp.path()), force, NOW)
                .unwrap_err()
                .to_string();
            assert!(err.contains("symbolic link"), "{err}");
        }
        assert!(!tmp.path().join("a/ca.pem").exists());
    }

    #[test]
    fn follows_a_safe_symlinked_directory_but_not_a_world_writable_one() {
        let tmp = tempfile::tempdir().unwrap();
        let real = tmp.path().join("real");
        fs::create_dir(&real).unwrap();
        fs::set_permissions(&real, fs::Permissions::from_mode(0o700)).unwrap();
        std::os::unix::fs::symlink(&real, tmp.path().join("b")).unwrap();
        apply(&plan(tmp.path()), false, NOW).unwrap();
        assert!(real.join("c/key.pem").exists());

        let tmp = tempfile::tempdir().unwrap();
        let open = tmp.path().join("open");
        fs::create_dir(&open).unwrap();
        fs::set_permissions(&open, fs::Permissions::from_mode(0o777)).unwrap();
        std::os::unix::fs::symlink(&open, tmp.path().join("b")).unwrap();
        let err = apply(&plan(tmp.path()), false, NOW)
            .unwrap_err()
            .to_string();
        assert!(err.contains("anyone can write"), "{err}");
        assert!(!tmp.path().join("a").exists(), "nothing written");
    }

    #[test]
    fn a_file_in_the_way_of_a_directory_is_an_error_before_writing() {
        let tmp = tempfile::tempdir().unwrap();
        fs::write(tmp.path().join("b"), "a file").unwrap();
        let err = apply(&plan(tmp.path()), false, NOW)
            .unwrap_err()
            .to_string();
        assert!(err.contains("is not a directory"), "{err}");
        assert!(!tmp.path().join("a").exists());
    }
}

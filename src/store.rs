//! The only code that writes files.
//!
//! A command describes what it wants written as a [`Plan`] (path, bytes, final mode). [`apply`] first
//! checks the plan as a whole (no target exists unless `force`, no target is a symlink, every
//! symlinked directory is safe, every directory can be made), then writes file by file:
//! temporary file created `O_CREAT|O_EXCL|O_NOFOLLOW` with mode 0600 at open time, written, fsynced,
//! set to its final mode on the open descriptor, linked or renamed into place, directory fsynced.
//! If anything fails, every file written by this run is removed, every replaced file is put back, and
//! every directory made by this run is removed again.

use std::ffi::OsString;
use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use time::OffsetDateTime;
use zeroize::Zeroizing;

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
}

impl Plan {
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

/// Checks the whole plan, then writes it. `now` names backups.
pub fn apply(plan: &Plan, force: bool, now: OffsetDateTime) -> Result<Vec<Written>> {
    check(plan, force)?;
    let mut run = Run::default();
    match write_all(plan, now, &mut run) {
        Ok(()) => {
            // The state's previous versions were kept only to roll back; the run is complete.
            let mut written = run.written;
            for (file, done) in plan.files.iter().zip(written.iter_mut()) {
                if !file.state {
                    continue;
                }
                if let Some(backup) = done.backup.take() {
                    fs::remove_file(&backup)
                        .with_context(|| format!("failed to remove {}", backup.display()))?;
                }
            }
            Ok(written)
        }
        Err(err) => {
            let undo = run.roll_back();
            Err(match undo {
                Ok(()) => {
                    anyhow!("{err:#}; nothing was changed (what this run had written was removed)")
                }
                Err(undo_err) => anyhow!(
                    "{err:#}; undoing the partial write also failed ({undo_err:#}): check those files"
                ),
            })
        }
    }
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

/// What one run has done so far, so it can be undone.
#[derive(Default)]
struct Run {
    created_dirs: Vec<PathBuf>,
    written: Vec<Written>,
    /// Temporary files, in plan order; those from `placed` on are not yet moved into place.
    temps: Vec<PathBuf>,
    /// How many of `temps` are in place.
    placed: usize,
}

impl Run {
    fn roll_back(&mut self) -> Result<()> {
        let mut failures = Vec::new();
        for temp in self.temps.drain(..).skip(self.placed) {
            if let Err(err) = fs::remove_file(&temp) {
                failures.push(format!("remove {}: {err}", temp.display()));
            }
        }
        for written in self.written.drain(..).rev() {
            let restored = match &written.backup {
                Some(backup) => fs::rename(backup, &written.path),
                None => fs::remove_file(&written.path),
            };
            if let Err(err) = restored {
                failures.push(format!("restore {}: {err}", written.path.display()));
            }
        }
        for dir in self.created_dirs.drain(..).rev() {
            if let Err(err) = fs::remove_dir(&dir) {
                failures.push(format!("remove {}: {err}", dir.display()));
            }
        }
        if failures.is_empty() {
            Ok(())
        } else {
            Err(anyhow!(failures.join("; ")))
        }
    }
}

/// Above this many files, durability is ensured by one `syncfs` per filesystem before and after
/// the files are moved into place, instead of one `fsync` per file and per directory: the same
/// guarantee (contents on disk before any name points to them, names on disk before we return),
/// thousands of times fewer flushes for `issue server --from`.
const BATCH_SYNC_THRESHOLD: usize = 24;

fn write_all(plan: &Plan, now: OffsetDateTime, run: &mut Run) -> Result<()> {
    let batch = plan.files.len() > BATCH_SYNC_THRESHOLD;
    // 1. Directories, 0700.
    for file in &plan.files {
        create_dirs(parent_of(&file.path)?, run, !batch)?;
    }
    // 2. Every file's contents in a temporary file beside it, with its final mode.
    let mut temps = Vec::with_capacity(plan.files.len());
    for file in &plan.files {
        temps.push(write_temp(file, run, !batch)?);
    }
    if batch {
        sync_filesystems(plan)?;
    }
    // 3. Into place, one by one (each step undoable).
    for (index, (file, temp)) in plan.files.iter().zip(&temps).enumerate() {
        fault_point(index)?;
        place(file, temp, now, run, !batch)?;
    }
    if batch {
        sync_filesystems(plan)?;
    }
    Ok(())
}

/// Where the rollback tests inject a failure; nothing in a real build.
#[cfg(not(test))]
fn fault_point(_index: usize) -> Result<()> {
    Ok(())
}

#[cfg(test)]
use tests::fault_point;

/// Creates the missing directories of `dir`, each 0700 whatever the umask.
fn create_dirs(dir: &Path, run: &mut Run, fsync_parent: bool) -> Result<()> {
    let mut missing = Vec::new();
    let mut current = dir;
    while fs::symlink_metadata(current).is_err() {
        missing.push(current.to_path_buf());
        current = parent_of(current)?;
    }
    for path in missing.into_iter().rev() {
        DirBuilder::new()
            .mode(DIR_MODE)
            .create(&path)
            .with_context(|| format!("failed to create directory {}", path.display()))?;
        run.created_dirs.push(path.clone());
        // mkdir's mode is masked by the umask; set it exactly.
        fs::set_permissions(&path, fs::Permissions::from_mode(DIR_MODE))
            .with_context(|| format!("failed to set the mode of {}", path.display()))?;
        if fsync_parent {
            sync_dir(parent_of(&path)?)?;
        }
    }
    Ok(())
}

/// Writes `file`'s contents to a new temporary file in its directory, with its final mode set on
/// the open descriptor, fsynced unless the whole plan is synced at once.
fn write_temp(file: &PlannedFile, run: &mut Run, fsync: bool) -> Result<PathBuf> {
    let parent = parent_of(&file.path)?;
    let name = file
        .path
        .file_name()
        .ok_or_else(|| anyhow!("{} has no file name", file.path.display()))?;
    let (temp_path, mut temp) = create_temp(parent, name)?;
    run.temps.push(temp_path.clone());
    temp.write_all(&file.contents)
        .and_then(|()| if fsync { temp.sync_all() } else { Ok(()) })
        .with_context(|| format!("failed to write {}", file.path.display()))?;
    // fchmod on the open descriptor: the final mode, independent of the umask.
    temp.set_permissions(fs::Permissions::from_mode(file.mode))
        .with_context(|| format!("failed to set the mode of {}", temp_path.display()))?;
    Ok(temp_path)
}

/// Moves a written temporary file to its target: linked when the target does not exist (so a
/// file that appeared meanwhile is never clobbered), renamed over it after a backup otherwise.
fn place(
    file: &PlannedFile,
    temp_path: &Path,
    now: OffsetDateTime,
    run: &mut Run,
    fsync_dir: bool,
) -> Result<()> {
    let exists = fs::symlink_metadata(&file.path).is_ok();
    let backup = if exists {
        // State is replaced in place; its previous version is kept for a rollback only.
        Some(back_up(&file.path, now)?)
    } else {
        None
    };
    let placed = match &backup {
        // The old file is safe under its backup name; replace it atomically.
        Some(_) => fs::rename(temp_path, &file.path),
        // link() fails if the target appeared meanwhile: nothing is ever clobbered silently.
        None => fs::hard_link(temp_path, &file.path),
    };
    if let Err(err) = placed {
        if let Some(backup) = &backup {
            // The original is still in place; the extra link is not needed.
            let _ = fs::remove_file(backup);
        }
        return Err(err)
            .with_context(|| format!("failed to move {} into place", file.path.display()));
    }
    run.written.push(Written {
        path: file.path.clone(),
        mode: file.mode,
        backup: backup.clone(),
    });
    if backup.is_none() {
        fs::remove_file(temp_path)
            .with_context(|| format!("failed to remove {}", temp_path.display()))?;
    }
    run.placed += 1;
    if fsync_dir {
        sync_dir(parent_of(&file.path)?)?;
    }
    Ok(())
}

/// One `syncfs` per filesystem the plan writes to.
fn sync_filesystems(plan: &Plan) -> Result<()> {
    let mut seen = Vec::new();
    for file in &plan.files {
        let dir = parent_of(&file.path)?;
        let meta =
            fs::metadata(dir).with_context(|| format!("failed to inspect {}", dir.display()))?;
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

fn create_temp(dir: &Path, name: &std::ffi::OsStr) -> Result<(PathBuf, File)> {
    let mut attempt = 0u32;
    loop {
        let mut temp_name = OsString::from(".");
        temp_name.push(name);
        temp_name.push(format!(".tmp-{}-{attempt}", std::process::id()));
        let path = dir.join(temp_name);
        let opened = OpenOptions::new()
            .write(true)
            .create_new(true) // O_CREAT|O_EXCL
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(&path);
        match opened {
            Ok(file) => return Ok((path, file)),
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists && attempt < 100 => attempt += 1,
            Err(err) => {
                return Err(err).with_context(|| {
                    format!("failed to create a temporary file in {}", dir.display())
                });
            }
        }
    }
}

/// Keeps the existing `path` as `path.bak-<UTC timestamp>` (a hard link: same inode, same mode), so
/// the new file can replace it atomically and the old one is never lost.
fn back_up(path: &Path, now: OffsetDateTime) -> Result<PathBuf> {
    let stamp = format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    );
    for attempt in 0..1000 {
        let mut name = path.as_os_str().to_owned();
        name.push(format!(".bak-{stamp}"));
        if attempt > 0 {
            name.push(format!("-{attempt}"));
        }
        let backup = PathBuf::from(name);
        match fs::hard_link(path, &backup) {
            Ok(()) => return Ok(backup),
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(err) => {
                return Err(err).with_context(|| format!("failed to back up {}", path.display()));
            }
        }
    }
    bail!("failed to find a free backup name for {}", path.display())
}

/// An exclusive lock on a home directory, held until dropped.
pub struct Lock {
    _file: File,
}

/// Takes the exclusive lock at `path` (created 0600, its directories 0700), waiting for another
/// dockcert run on the same home to finish.
pub fn lock(path: &Path) -> Result<Lock> {
    let parent = parent_of(path)?;
    check_directory_path(parent)?;
    // Directories made for the lock stay: they are the home the run is about to use.
    create_dirs(parent, &mut Run::default(), true)?;
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

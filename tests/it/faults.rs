//! Faults beyond a kill: a full disk (a tiny tmpfs), an I/O error at a write or fsync (an
//! `LD_PRELOAD` fault injector), a read-only directory (a read-only bind mount). Each multi-file
//! command must end with one clear error and the state before the run.
//!
//! Mounting needs root; without it these tests skip loudly (and fail under `DOCKCERT_E2E=1`).

use std::fs;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::crash::{Scenario, check_invariant, exact, restore, world};
use crate::helpers::{Sandbox, assert_one_line_error, stderr};

fn is_root() -> bool {
    // SAFETY: geteuid cannot fail.
    unsafe { libc::geteuid() == 0 }
}

fn require_root(test: &str) -> bool {
    if is_root() {
        return true;
    }
    let message = format!("{test}: SKIPPED: mounting a tmpfs or a bind mount needs root");
    if std::env::var("DOCKCERT_E2E").as_deref() == Ok("1") {
        panic!("{message}; DOCKCERT_E2E=1 requires it");
    }
    eprintln!("\n!!!!!!!! {message} !!!!!!!!\n");
    false
}

/// A mount, unmounted (lazily, so a test failure cannot leave it busy) when dropped.
struct Mount(PathBuf);

impl Mount {
    fn new(args: &[&str], target: &Path) -> Mount {
        let out = Command::new("mount")
            .args(args)
            .arg(target)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "mount {args:?} {}: {}",
            target.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        Mount(target.to_path_buf())
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

fn remount_read_only(dir: &Path) {
    let out = Command::new("mount")
        .args(["-o", "remount,ro,bind"])
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn free_bytes(path: &Path) -> u64 {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid path and a zeroed out-parameter.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    assert_eq!(unsafe { libc::statvfs(c.as_ptr(), &mut st) }, 0);
    st.f_bavail as u64 * st.f_frsize as u64
}

/// Fills the filesystem of `filler` until `leave` bytes are free.
fn fill(filler: &Path, leave: u64) {
    let _ = fs::remove_file(filler);
    let free = free_bytes(filler.parent().unwrap());
    let file = fs::File::create(filler).unwrap();
    let len = free.saturating_sub(leave);
    if len > 0 {
        // SAFETY: a descriptor we own.
        let rc = unsafe { libc::fallocate(file.as_raw_fd(), 0, 0, len as libc::off_t) };
        assert_eq!(rc, 0, "fallocate {len}");
    }
}

/// Every multi-file command on a home that is a tiny tmpfs, with 0, 4 KiB, 8 KiB ... free until
/// it succeeds: each shortage is one error line naming the full disk, and the state is exactly
/// the one before.
#[test]
fn a_full_disk_at_any_point_leaves_the_state_before_the_run() {
    if !require_root("a_full_disk_at_any_point_leaves_the_state_before_the_run") {
        return;
    }
    let sb = Sandbox::new();
    // The tmpfs holds the sandbox (bind-mounted over its root) and, beside it, the filler.
    let disk = tempfile::tempdir().unwrap();
    let _tmpfs = Mount::new(&["-t", "tmpfs", "-o", "size=16m", "tmpfs"], disk.path());
    fs::create_dir(disk.path().join("root")).unwrap();
    let _bind = Mount::new(
        &["--bind", &disk.path().join("root").display().to_string()],
        &sb.root,
    );
    fs::create_dir(sb.home()).unwrap();
    let filler = disk.path().join("filler");
    let (_ext, scenarios) = world(&sb);
    let mut report = Vec::new();
    for scenario in &scenarios {
        let (failures, needed) = starve(&sb, scenario, &filler);
        report.push(format!(
            "{}: {failures} full-disk failures, succeeded with {needed} KiB free",
            scenario.name
        ));
        assert!(failures >= 1, "{}: never ran out of space", scenario.name);
    }
    eprintln!("full disk:\n  {}", report.join("\n  "));
}

fn starve(sb: &Sandbox, scenario: &Scenario, filler: &Path) -> (usize, u64) {
    let mut failures = 0;
    let mut leave: u64 = 0;
    loop {
        restore(sb, scenario.template.path());
        let before = exact(sb);
        fill(filler, leave);
        let out = sb.dockcert().args(&scenario.args).output().unwrap();
        let _ = fs::remove_file(filler);
        if out.status.success() {
            check_invariant(sb).unwrap_or_else(|e| panic!("{}: {e}", scenario.name));
            return (failures, leave / 1024);
        }
        let err = assert_one_line_error(&out);
        assert!(
            err.contains("No space left on device"),
            "{} with {leave} bytes free: {err}",
            scenario.name
        );
        assert_eq!(
            exact(sb),
            before,
            "{} with {leave} bytes free: the state changed ({err})",
            scenario.name
        );
        failures += 1;
        // Every page at first, then faster: large batches need hundreds of KiB.
        leave = if leave < 64 * 1024 {
            leave + 4096
        } else {
            (leave * 5 / 4) & !4095
        };
        assert!(
            leave < 15 * 1024 * 1024,
            "{} never succeeded",
            scenario.name
        );
    }
}

/// The fault injector: fails the Nth `write`/`fsync`/`fdatasync`/`syncfs` on a file (descriptor
/// above 2) with EIO, once. Built with the C compiler every Rust build already has.
const INJECTOR: &str = r#"
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
static long calls, at = -1;
static int hit(int fd) {
    if (fd <= 2) return 0;
    if (at < 0) { const char *s = getenv("EIO_AT"); at = s ? atol(s) : 0; }
    return ++calls == at;
}
ssize_t write(int fd, const void *buf, size_t n) {
    static ssize_t (*real)(int, const void *, size_t);
    if (!real) real = dlsym(RTLD_NEXT, "write");
    if (hit(fd)) { errno = EIO; return -1; }
    return real(fd, buf, n);
}
int fsync(int fd) {
    static int (*real)(int);
    if (!real) real = dlsym(RTLD_NEXT, "fsync");
    if (hit(fd)) { errno = EIO; return -1; }
    return real(fd);
}
int fdatasync(int fd) {
    static int (*real)(int);
    if (!real) real = dlsym(RTLD_NEXT, "fdatasync");
    if (hit(fd)) { errno = EIO; return -1; }
    return real(fd);
}
int syncfs(int fd) {
    static int (*real)(int);
    if (!real) real = dlsym(RTLD_NEXT, "syncfs");
    if (hit(fd)) { errno = EIO; return -1; }
    return real(fd);
}
"#;

fn build_injector(dir: &Path) -> Option<PathBuf> {
    let source = dir.join("eio.c");
    let library = dir.join("eio.so");
    fs::write(&source, INJECTOR).unwrap();
    let out = Command::new("cc")
        .args(["-shared", "-fPIC", "-O1", "-o"])
        .arg(&library)
        .arg(&source)
        .arg("-ldl")
        .output()
        .ok()?;
    out.status.success().then_some(library)
}

/// An I/O error at every write and sync of each multi-file command, one at a time: one error line
/// naming it, and the state before the run.
#[test]
fn an_io_error_at_any_write_or_sync_leaves_the_state_before_the_run() {
    let tools = tempfile::tempdir().unwrap();
    let Some(injector) = build_injector(tools.path()) else {
        if crate::helpers::require_peer("cc", "an_io_error_at_any_write_or_sync") {
            panic!("cc is there but failed to build the fault injector");
        }
        return;
    };
    let sb = Sandbox::new();
    let (_ext, scenarios) = world(&sb);
    let mut report = Vec::new();
    for scenario in &scenarios {
        let mut errors = 0;
        let mut n = 1;
        loop {
            restore(&sb, scenario.template.path());
            let before = exact(&sb);
            let out = sb
                .dockcert()
                .args(&scenario.args)
                .env("LD_PRELOAD", &injector)
                .env("EIO_AT", n.to_string())
                .output()
                .unwrap();
            if out.status.success() {
                // A failed sync after the commit is a warning; the next run cleans up.
                let list = sb.run(&["list"]);
                assert!(list.status.success(), "{}", stderr(&list));
                check_invariant(&sb).unwrap_or_else(|e| panic!("{}: {e}", scenario.name));
                break;
            }
            let err = assert_one_line_error(&out);
            assert!(
                err.contains("Input/output error"),
                "{} (I/O error at call {n}): {err}",
                scenario.name
            );
            assert_eq!(
                exact(&sb),
                before,
                "{} (I/O error at call {n}): the state changed ({err})",
                scenario.name
            );
            errors += 1;
            // Small plans: every call; large batches: a sample.
            n += if n < 40 { 1 } else { 7 };
        }
        assert!(errors >= 1, "{}: no write was ever failed", scenario.name);
        report.push(format!("{}: {errors} injected I/O errors", scenario.name));
    }
    eprintln!("I/O errors:\n  {}", report.join("\n  "));
}

/// A read-only target directory (a read-only bind mount): one error naming it, nothing changed.
#[test]
fn a_read_only_target_directory_changes_nothing() {
    if !require_root("a_read_only_target_directory_changes_nothing") {
        return;
    }
    let sb = Sandbox::new();
    sb.init_ok(&[]);
    let out_dir = sb.root.join("ro-client");
    fs::create_dir(&out_dir).unwrap();
    let _bind = Mount::new(&["--bind", &out_dir.display().to_string()], &out_dir);
    remount_read_only(&out_dir);
    let client = sb.cert_path();
    let _client_bind = Mount::new(&["--bind", &client.display().to_string()], &client);
    remount_read_only(&client);
    let before = exact(&sb);
    for args in [
        vec!["issue", "client", "--name", "ro", "--out", "ro-client"],
        vec!["init", "--force"],
        vec!["rotate-ca", "--begin"],
    ] {
        let out = sb.run(&args);
        let err = assert_one_line_error(&out);
        assert!(
            err.contains("Read-only file system")
                && (err.contains("ro-client") || err.contains("client")),
            "{args:?}: {err}"
        );
        assert_eq!(exact(&sb), before, "{args:?} changed something: {err}");
        assert!(stderr(&out).lines().count() == 1);
    }
    check_invariant(&sb).unwrap();
}

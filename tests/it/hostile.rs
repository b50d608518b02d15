//! Hostile files: whatever sits where a certificate, key or daemon.json is expected (a FIFO, a
//! device, a 200 MB file, a symlink loop, an unreadable file, a tree 10,000 deep or wide), `audit`
//! and `inspect` finish with a finding or one error naming it, in bounded memory: the peak RSS of
//! the dockcert process (from `wait4`) stays under 64 MiB.

use std::ffi::CString;
use std::fs;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::helpers::Sandbox;

const MEMORY_LIMIT_KIB: i64 = 64 * 1024;

struct Measured {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    max_rss_kib: i64,
}

/// Runs `cmd`, reaping it with `wait4` for its own peak memory. A run still going after two
/// minutes is killed and reported as a hang.
// Reaped with wait4 (for its rusage), not Child::wait.
#[allow(clippy::zombie_processes)]
fn measure(mut cmd: Command) -> Measured {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id() as libc::pid_t;
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_reader = std::thread::spawn(move || {
        let mut text = Vec::new();
        // Keep only the start: a huge report is read through, not held.
        let mut buf = [0u8; 65536];
        loop {
            match out.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) if text.len() < 1 << 20 => text.extend_from_slice(&buf[..n]),
                Ok(_) => {}
            }
        }
        String::from_utf8_lossy(&text).into_owned()
    });
    let err_reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = err.read_to_string(&mut text);
        text
    });
    let done = Arc::new(AtomicBool::new(false));
    let hung = Arc::new(AtomicBool::new(false));
    {
        let (done, hung) = (done.clone(), hung.clone());
        std::thread::spawn(move || {
            for _ in 0..1200 {
                std::thread::sleep(Duration::from_millis(100));
                if done.load(Ordering::SeqCst) {
                    return;
                }
            }
            hung.store(true, Ordering::SeqCst);
            // SAFETY: our child, not yet reaped (done is set right after wait4).
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
        });
    }
    let mut status = 0;
    // SAFETY: zeroed out-parameters; the pid is our child's.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    done.store(true, Ordering::SeqCst);
    assert_eq!(reaped, pid, "wait4");
    assert!(!hung.load(Ordering::SeqCst), "{cmd:?} hung");
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    Measured {
        code,
        stdout: out_reader.join().unwrap(),
        stderr: err_reader.join().unwrap(),
        max_rss_kib: usage.ru_maxrss,
    }
}

fn dockcert(sb: &Sandbox, args: &[&str]) -> Command {
    let mut cmd = sb.dockcert();
    cmd.args(args);
    cmd
}

fn assert_bounded(what: &str, m: &Measured) {
    assert!(
        m.max_rss_kib < MEMORY_LIMIT_KIB,
        "{what}: peak memory {} KiB (limit {MEMORY_LIMIT_KIB} KiB)",
        m.max_rss_kib
    );
    eprintln!("{what}: exit {:?}, peak {} KiB", m.code, m.max_rss_kib);
}

/// `audit DIR` reports `DIR/cert.pem` by name with `words`, and `inspect DIR/cert.pem` is one
/// error line with them.
fn check_kind(sb: &Sandbox, dir: &Path, words: &str) {
    let m = measure(dockcert(sb, &["audit", &dir.display().to_string()]));
    assert_bounded(&format!("audit {}", dir.display()), &m);
    assert_eq!(m.code, Some(1), "audit: {}{}", m.stdout, m.stderr);
    assert!(
        m.stdout.contains("cert.pem") && m.stdout.contains(words),
        "audit should report cert.pem ({words}): {}",
        m.stdout
    );
    let cert = dir.join("cert.pem");
    let m = measure(dockcert(sb, &["inspect", &cert.display().to_string()]));
    assert_bounded(&format!("inspect {}", cert.display()), &m);
    assert_eq!(m.code, Some(2));
    assert_eq!(m.stderr.lines().count(), 1, "{}", m.stderr);
    assert!(
        m.stderr.contains("cert.pem") && m.stderr.contains(words),
        "{}",
        m.stderr
    );
}

fn dir_with(sb: &Sandbox, name: &str) -> PathBuf {
    let dir = sb.root.join(name);
    fs::create_dir(&dir).unwrap();
    dir
}

#[test]
fn a_fifo_is_reported_without_blocking() {
    let sb = Sandbox::new();
    let dir = dir_with(&sb, "fifo");
    let path = CString::new(dir.join("cert.pem").as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid path.
    assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o644) }, 0);
    check_kind(&sb, &dir, "named pipe");

    // A FIFO daemon.json is a finding too; import-ca of a FIFO is one error line.
    let etc = dir_with(&sb, "etc");
    let daemon_json = CString::new(etc.join("daemon.json").as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid path.
    assert_eq!(unsafe { libc::mkfifo(daemon_json.as_ptr(), 0o644) }, 0);
    let m = measure(dockcert(&sb, &["audit", &etc.display().to_string()]));
    assert_bounded("audit of a FIFO daemon.json", &m);
    assert_eq!(m.code, Some(1), "{}{}", m.stdout, m.stderr);
    assert!(
        m.stdout.contains("daemon.json") && m.stdout.contains("named pipe"),
        "{}",
        m.stdout
    );
    let fifo = dir.join("cert.pem").display().to_string();
    let m = measure(dockcert(
        &sb,
        &["import-ca", "--cert", &fifo, "--key", &fifo],
    ));
    assert_bounded("import-ca of a FIFO", &m);
    assert_eq!(m.code, Some(2));
    assert_eq!(m.stderr.lines().count(), 1, "{}", m.stderr);
    assert!(m.stderr.contains("named pipe"), "{}", m.stderr);
}

#[test]
fn links_to_dev_zero_and_dev_urandom_are_reported_without_reading_them() {
    let sb = Sandbox::new();
    for device in ["/dev/zero", "/dev/urandom"] {
        let dir = dir_with(&sb, &device.replace('/', "_"));
        std::os::unix::fs::symlink(device, dir.join("cert.pem")).unwrap();
        check_kind(&sb, &dir, "character device");
    }
}

#[test]
fn a_200_mb_file_is_refused_by_its_size() {
    let sb = Sandbox::new();
    let dir = dir_with(&sb, "big");
    let file = fs::File::create(dir.join("cert.pem")).unwrap();
    file.set_len(200 * 1024 * 1024).unwrap();
    check_kind(&sb, &dir, "larger than 1 MiB");
}

#[test]
fn a_symlink_loop_is_named() {
    let sb = Sandbox::new();
    let dir = dir_with(&sb, "loop");
    std::os::unix::fs::symlink("other.pem", dir.join("cert.pem")).unwrap();
    std::os::unix::fs::symlink("cert.pem", dir.join("other.pem")).unwrap();
    check_kind(&sb, &dir, "symbolic link loop");
}

/// Runs as an unprivileged user when the tests run as root (root reads any file).
fn unprivileged(sb: &Sandbox, args: &[&str]) -> Command {
    // SAFETY: geteuid cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        return dockcert(sb, args);
    }
    let mut cmd = Command::new("setpriv");
    sb.isolate(&mut cmd);
    cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(env!("CARGO_BIN_EXE_dockcert"))
        .args(args)
        .current_dir("/");
    cmd
}

#[test]
fn unreadable_files_and_directories_are_named() {
    let sb = Sandbox::new();
    // Reachable by the unprivileged user.
    fs::set_permissions(&sb.root, fs::Permissions::from_mode(0o755)).unwrap();
    let dir = dir_with(&sb, "locked");
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
    fs::write(dir.join("cert.pem"), "not readable").unwrap();
    fs::set_permissions(dir.join("cert.pem"), fs::Permissions::from_mode(0o000)).unwrap();
    let m = measure(unprivileged(&sb, &["audit", &dir.display().to_string()]));
    assert_bounded("audit of an unreadable cert.pem", &m);
    assert_eq!(m.code, Some(1), "{}{}", m.stdout, m.stderr);
    assert!(
        m.stdout.contains("cert.pem") && m.stdout.contains("Permission denied"),
        "{}",
        m.stdout
    );

    let closed = dir_with(&sb, "closed");
    fs::write(closed.join("cert.pem"), "x").unwrap();
    fs::set_permissions(&closed, fs::Permissions::from_mode(0o000)).unwrap();
    let m = measure(unprivileged(&sb, &["audit", &closed.display().to_string()]));
    assert_bounded("audit of an unreadable directory", &m);
    assert_eq!(m.code, Some(2), "{}{}", m.stdout, m.stderr);
    assert_eq!(m.stderr.lines().count(), 1, "{}", m.stderr);
    assert!(
        m.stderr.contains("closed") && m.stderr.contains("Permission denied"),
        "{}",
        m.stderr
    );
    fs::set_permissions(&closed, fs::Permissions::from_mode(0o700)).unwrap();
}

/// A directory fd-relative walk: paths 10,000 levels deep are far beyond PATH_MAX.
fn mkdirat(dir: libc::c_int, name: &str) -> libc::c_int {
    let c = CString::new(name).unwrap();
    // SAFETY: valid descriptor and name.
    unsafe {
        if libc::mkdirat(dir, c.as_ptr(), 0o755) != 0
            && std::io::Error::last_os_error().raw_os_error() != Some(libc::EEXIST)
        {
            panic!("mkdirat {name}: {}", std::io::Error::last_os_error());
        }
        let fd = libc::openat(
            dir,
            c.as_ptr(),
            libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC,
        );
        assert!(fd >= 0, "openat {name}");
        fd
    }
}

fn write_at(dir: libc::c_int, name: &str, contents: &[u8]) {
    let c = CString::new(name).unwrap();
    // SAFETY: valid descriptor, name and buffer.
    unsafe {
        let fd = libc::openat(
            dir,
            c.as_ptr(),
            libc::O_WRONLY | libc::O_CREAT | libc::O_TRUNC | libc::O_CLOEXEC,
            0o644,
        );
        assert!(fd >= 0);
        assert_eq!(
            libc::write(fd, contents.as_ptr().cast(), contents.len()),
            contents.len() as isize
        );
        libc::close(fd);
    }
}

#[test]
fn a_tree_of_homes_10000_deep_is_audited_in_bounded_memory() {
    let sb = Sandbox::new();
    let top = dir_with(&sb, "deep");
    let c = CString::new(top.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid path.
    let mut fd = unsafe { libc::open(c.as_ptr(), libc::O_RDONLY | libc::O_DIRECTORY) };
    assert!(fd >= 0);
    // Each level looks like a dockcert home whose clients/x/ is another one.
    for _ in 0..10_000 {
        let ca = mkdirat(fd, "ca");
        write_at(ca, "ca.pem", b"not a certificate\n");
        // SAFETY: descriptors we own.
        unsafe { libc::close(ca) };
        let clients = mkdirat(fd, "clients");
        let next = mkdirat(clients, "x");
        unsafe {
            libc::close(clients);
            libc::close(fd);
        }
        fd = next;
    }
    // SAFETY: our descriptor.
    unsafe { libc::close(fd) };
    let m = measure(dockcert(&sb, &["audit", &top.display().to_string()]));
    assert_bounded("audit of homes 10,000 deep", &m);
    assert_eq!(m.code, Some(1), "{}", m.stderr);
    assert!(m.stdout.contains("deep/ca/ca.pem"), "{}", m.stdout);
    // std's remove_dir_all recurses (the temporary directory's drop would overflow the test's
    // stack); rm walks it iteratively.
    let rm = Command::new("rm").arg("-rf").arg(&top).status().unwrap();
    assert!(rm.success());
}

#[test]
fn a_home_10000_wide_is_audited_in_bounded_memory() {
    let sb = Sandbox::new();
    let top = dir_with(&sb, "wide");
    fs::create_dir_all(top.join("ca")).unwrap();
    fs::write(top.join("ca/ca.pem"), "not a certificate\n").unwrap();
    for i in 0..10_000 {
        let client = top.join("clients").join(format!("c{i}"));
        fs::create_dir_all(&client).unwrap();
        fs::write(client.join("cert.pem"), "x").unwrap();
    }
    let m = measure(dockcert(&sb, &["audit", &top.display().to_string()]));
    assert_bounded("audit of a home 10,000 wide", &m);
    assert_eq!(m.code, Some(1), "{}", m.stderr);
    assert!(m.stdout.contains("c9999/cert.pem"), "every client audited");

    // A key beside 10,000 certificate files: inspect looks at a bounded number of them.
    let crowd = dir_with(&sb, "crowd");
    for i in 0..10_000 {
        fs::write(crowd.join(format!("{i}.pem")), "x").unwrap();
    }
    fs::write(
        crowd.join("key.pem"),
        "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIF5bRYFq8cNWMxdBjEyaR8CJm8jb5FvZ3mR3m4QJrK1b\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    let m = measure(dockcert(
        &sb,
        &["inspect", &crowd.join("key.pem").display().to_string()],
    ));
    assert_bounded("inspect of a key among 10,000 files", &m);
    assert_eq!(m.code, Some(0), "{}", m.stderr);
}

#[test]
fn audit_of_the_root_directory_finishes_in_bounded_memory() {
    let sb = Sandbox::new();
    let m = measure(dockcert(&sb, &["audit", "/"]));
    assert_bounded("audit /", &m);
    assert!(matches!(m.code, Some(0..=2)), "{:?}", m.code);
}

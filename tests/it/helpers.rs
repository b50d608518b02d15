//! A sandbox per test: an isolated HOME and Docker environment, and a way to run dockcert in it.

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// An isolated environment; nothing outside `root` is ever touched.
pub struct Sandbox {
    /// Kept alive for the test's duration; removed on drop.
    _dir: tempfile::TempDir,
    /// The temporary root.
    pub root: PathBuf,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let dir = tempfile::tempdir().expect("temporary directory");
        let root = dir.path().to_path_buf();
        fs::create_dir(root.join("home")).unwrap();
        Sandbox { _dir: dir, root }
    }

    /// `$HOME`.
    pub fn home(&self) -> PathBuf {
        self.root.join("home")
    }

    /// `$DOCKCERT_HOME`.
    pub fn dockcert_home(&self) -> PathBuf {
        self.root.join("dockcert")
    }

    /// `$DOCKER_CERT_PATH`: where the client's files go by default.
    pub fn cert_path(&self) -> PathBuf {
        self.root.join("client")
    }

    /// The default daemon directory.
    pub fn daemon_dir(&self) -> PathBuf {
        self.dockcert_home().join("daemon")
    }

    /// Sets the isolating environment on any command (dockcert, docker, openssl).
    pub fn isolate(&self, cmd: &mut Command) {
        cmd.env("HOME", self.home())
            .env("DOCKCERT_HOME", self.dockcert_home())
            .env("DOCKER_CERT_PATH", self.cert_path())
            .env("DOCKER_CONFIG", self.root.join("docker-config"))
            .env("XDG_DATA_HOME", self.root.join("xdg-data"))
            .env("RUST_BACKTRACE", "0")
            .env("NO_COLOR", "1")
            .env_remove("DOCKER_HOST")
            .env_remove("DOCKER_TLS_VERIFY")
            .env_remove("DOCKER_CONTEXT")
            .env_remove("REQUESTS_CA_BUNDLE")
            .env_remove("CURL_CA_BUNDLE");
    }

    /// A dockcert command in this sandbox.
    pub fn dockcert(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_dockcert"));
        self.isolate(&mut cmd);
        cmd.current_dir(&self.root);
        cmd
    }

    /// Runs dockcert with `args`.
    pub fn run(&self, args: &[&str]) -> Output {
        self.dockcert().args(args).output().expect("run dockcert")
    }

    /// Runs `dockcert init` with `args` and insists that it succeeds.
    pub fn init_ok(&self, args: &[&str]) -> Output {
        let out = self.run(&[&["init"], args].concat());
        assert_success(&out, "dockcert init");
        out
    }

    /// Every file and directory under the root, with mode and contents, for "nothing changed" checks.
    pub fn snapshot(&self) -> Vec<String> {
        snapshot(&self.root)
    }
}

/// Every entry under `root` with its mode and contents, sorted.
pub fn snapshot(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let meta = fs::symlink_metadata(&path).unwrap();
            let contents = if meta.is_file() {
                fs::read(&path).unwrap()
            } else {
                Vec::new()
            };
            out.push(format!(
                "{} {:o} {}",
                path.strip_prefix(root).unwrap().display(),
                meta.mode() & 0o7777,
                String::from_utf8_lossy(&contents)
            ));
            if meta.is_dir() {
                stack.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The permission bits of `path` (not following a symlink).
pub fn mode(path: &Path) -> u32 {
    fs::symlink_metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .mode()
        & 0o7777
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn assert_success(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what} failed ({}):\nstdout: {}\nstderr: {}",
        out.status,
        stdout(out),
        stderr(out)
    );
}

/// Asserts dockcert's error contract: exit code 2, nothing on stdout, exactly one line on stderr
/// starting `dockcert: error: `, and returns that line.
pub fn assert_one_line_error(out: &Output) -> String {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "exit code; stderr: {err}");
    assert!(out.stdout.is_empty(), "stdout on error: {}", stdout(out));
    assert_eq!(err.lines().count(), 1, "one line: {err:?}");
    assert!(err.starts_with("dockcert: error: "), "{err}");
    err.trim_end().to_string()
}

/// Whether `program` is on PATH.
pub fn have(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// For tests that need a real peer: true when it is there. When it is missing, say so loudly, and
/// fail when `DOCKCERT_E2E=1` (as CI sets), because a skipped peer test proves nothing.
pub fn require_peer(program: &str, test: &str) -> bool {
    if have(program) {
        return true;
    }
    let message = format!(
        "{test}: SKIPPED: `{program}` is not installed (install it, e.g. apt-get install docker.io)"
    );
    if std::env::var("DOCKCERT_E2E").as_deref() == Ok("1") {
        panic!("{message}; DOCKCERT_E2E=1 requires it");
    }
    eprintln!("\n!!!!!!!! {message} !!!!!!!!\n");
    false
}

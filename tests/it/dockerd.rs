//! End to end with the real thing: a real dockerd serving the generated server files with
//! `--tlsverify`, and the real docker CLI using the generated client files.

use std::fs;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use crate::helpers::*;

/// A dockerd of our own on loopback address(es) with free ports, with its own data root, exec
/// root and pidfile under a temporary directory. Dropping it stops it, by its pid.
pub struct Dockerd {
    child: Child,
    /// The port of each address it listens on, in the order given.
    pub ports: Vec<u16>,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Dockerd {
    /// Serves the daemon files in `daemon_dir` with --tlsverify on 127.0.0.1.
    pub fn start(daemon_dir: &Path) -> Dockerd {
        Dockerd::start_on(Some(daemon_dir), &["127.0.0.1"])
    }

    /// Serves the daemon files in `daemon_dir` with --tlsverify on 127.0.0.1:`port`.
    pub fn start_on_port(daemon_dir: &Path, port: u16) -> Dockerd {
        Dockerd::start_with(Some(daemon_dir), &["127.0.0.1"], vec![port])
    }

    /// Starts with `--config-file` only (no TLS flags, no -H): everything else comes from that
    /// daemon.json, which must listen on 127.0.0.1:`port`.
    pub fn start_with_config(config: &Path, port: u16) -> Dockerd {
        let dir = tempfile::Builder::new()
            .prefix("dcd")
            .tempdir_in("/tmp")
            .unwrap();
        let child = Command::new("dockerd")
            .arg(format!("--config-file={}", config.display()))
            .arg(format!("--data-root={}", dir.path().join("data").display()))
            .arg(format!("--exec-root={}", dir.path().join("exec").display()))
            .arg(format!(
                "--pidfile={}",
                dir.path().join("dockerd.pid").display()
            ))
            .args(["--iptables=false", "--ip6tables=false", "--bridge=none"])
            .env_remove("DOCKER_HOST")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(fs::File::create(dir.path().join("dockerd.err")).unwrap())
            .spawn()
            .expect("start dockerd");
        let mut daemon = Dockerd {
            child,
            ports: vec![port],
            log: dir.path().join("dockerd.err"),
            _dir: dir,
        };
        // Its daemon.json may set a log level that hides "API listen on": the port itself tells.
        daemon.wait_until(|| TcpStream::connect(("127.0.0.1", port)).is_ok());
        daemon
    }

    /// Serves explicit files (`ca`, `cert`, `key`) with --tlsverify on 127.0.0.1, the way the
    /// docker:dind entrypoint names them.
    pub fn start_with_files(ca: &Path, cert: &Path, key: &Path) -> Dockerd {
        let staging = tempfile::tempdir().unwrap();
        for (from, to) in [
            (ca, "ca.pem"),
            (cert, "server-cert.pem"),
            (key, "server-key.pem"),
        ] {
            std::os::unix::fs::symlink(from, staging.path().join(to)).unwrap();
        }
        let daemon = Dockerd::start(staging.path());
        drop(staging);
        daemon
    }

    /// Listens on each of `addresses`; with `--tlsverify` and the files in `daemon_dir`, or in
    /// plain HTTP when it is `None`.
    pub fn start_on(daemon_dir: Option<&Path>, addresses: &[&str]) -> Dockerd {
        let ports: Vec<u16> = addresses.iter().map(|_| free_port()).collect();
        Dockerd::start_with(daemon_dir, addresses, ports)
    }

    fn start_with(daemon_dir: Option<&Path>, addresses: &[&str], ports: Vec<u16>) -> Dockerd {
        // A short path: containerd's socket lives under the exec root and unix sockets are limited
        // to 108 bytes.
        let dir = tempfile::Builder::new()
            .prefix("dcd")
            .tempdir_in("/tmp")
            .unwrap();
        let mut cmd = Command::new("dockerd");
        if let Some(daemon_dir) = daemon_dir {
            cmd.arg("--tlsverify")
                .arg(format!(
                    "--tlscacert={}",
                    daemon_dir.join("ca.pem").display()
                ))
                .arg(format!(
                    "--tlscert={}",
                    daemon_dir.join("server-cert.pem").display()
                ))
                .arg(format!(
                    "--tlskey={}",
                    daemon_dir.join("server-key.pem").display()
                ));
        }
        for (address, port) in addresses.iter().zip(&ports) {
            cmd.arg(format!("-H=tcp://{address}:{port}"));
        }
        let child = cmd
            .arg(format!(
                "-H=unix://{}",
                dir.path().join("docker.sock").display()
            ))
            .arg(format!("--data-root={}", dir.path().join("data").display()))
            .arg(format!("--exec-root={}", dir.path().join("exec").display()))
            .arg(format!(
                "--pidfile={}",
                dir.path().join("dockerd.pid").display()
            ))
            .arg("--iptables=false")
            .arg("--ip6tables=false")
            .arg("--bridge=none")
            .env_remove("DOCKER_HOST")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(fs::File::create(dir.path().join("dockerd.err")).unwrap())
            .spawn()
            .expect("start dockerd");
        let mut daemon = Dockerd {
            child,
            ports,
            log: dir.path().join("dockerd.err"),
            _dir: dir,
        };
        for (address, port) in addresses.iter().zip(daemon.ports.clone()) {
            daemon.wait_until_listening(address, port);
        }
        daemon
    }

    /// The first address's port.
    pub fn port(&self) -> u16 {
        self.ports[0]
    }

    /// The unix socket it also listens on (no TLS there).
    pub fn socket(&self) -> PathBuf {
        self._dir.path().join("docker.sock")
    }

    fn wait_until_listening(&mut self, address: &str, port: u16) {
        let wanted = format!("API listen on {address}:{port}");
        let log = self.log.clone();
        self.wait_until(|| {
            fs::read_to_string(&log)
                .unwrap_or_default()
                .contains(&wanted)
                && TcpStream::connect((address, port)).is_ok()
        });
    }

    fn wait_until(&mut self, ready: impl Fn() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("dockerd exited early ({status}):\n{}", self.log_text());
            }
            if ready() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "dockerd did not listen within 90 s:\n{}",
                self.log_text()
            );
            sleep(Duration::from_millis(100));
        }
    }

    fn log_text(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// `docker --tlsverify -H tcp://<host>:<port> version` with the client files in `cert_path`.
    fn docker_version(&self, sb: &Sandbox, host: &str, cert_path: &Path) -> Output {
        let mut cmd = Command::new("docker");
        sb.isolate(&mut cmd);
        cmd.env("DOCKER_CERT_PATH", cert_path)
            .args([
                "--tlsverify",
                "-H",
                &format!("tcp://{host}:{}", self.port()),
                "version",
            ])
            .output()
            .expect("run docker")
    }
}

impl Drop for Dockerd {
    fn drop(&mut self) {
        let pid = self.child.id() as libc::pid_t;
        // SAFETY: kill(2) on the pid of the child we started and have not reaped yet.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    let listener = TcpListener::bind(("127.0.0.1", 0)).unwrap();
    listener.local_addr().unwrap().port()
}

pub fn have_peers(test: &str) -> bool {
    require_peer("dockerd", test) && require_peer("docker", test)
}

/// The generated set works with the real daemon and CLI, by IP and by name, through flags and
/// through the environment `init` prints; a client certificate from another CA is refused.
fn dockerd_accepts_the_set(key_type: &str) {
    let sb = Sandbox::new();
    sb.init_ok(&["--key-type", key_type]);
    let daemon = Dockerd::start(&sb.daemon_dir());

    let out = daemon.docker_version(&sb, "127.0.0.1", &sb.cert_path());
    assert_success(&out, &format!("{key_type}: docker --tlsverify version"));
    let text = stdout(&out);
    assert!(
        text.contains("Server:") && text.contains("API version"),
        "{text}"
    );

    // The client environment exactly as init prints it (DOCKER_HOST, DOCKER_TLS_VERIFY=1,
    // DOCKER_CERT_PATH), with the host name instead of the address.
    let mut cmd = Command::new("docker");
    sb.isolate(&mut cmd);
    let out = cmd
        .env("DOCKER_HOST", format!("tcp://localhost:{}", daemon.port()))
        .env("DOCKER_TLS_VERIFY", "1")
        .args(["version", "--format", "{{.Server.Version}}"])
        .output()
        .unwrap();
    assert_success(
        &out,
        &format!("{key_type}: docker version through the environment"),
    );
    assert!(!stdout(&out).trim().is_empty());

    // A client certificate from another CA must be refused by the daemon itself: the client trusts
    // the right CA (so the server check passes) but presents a certificate our CA never signed.
    let other = Sandbox::new();
    other.init_ok(&["--key-type", key_type]);
    let foreign = sb.root.join("foreign-client");
    fs::create_dir(&foreign).unwrap();
    fs::copy(sb.cert_path().join("ca.pem"), foreign.join("ca.pem")).unwrap();
    for name in ["cert.pem", "key.pem"] {
        fs::copy(other.cert_path().join(name), foreign.join(name)).unwrap();
    }
    let out = daemon.docker_version(&sb, "127.0.0.1", &foreign);
    assert!(
        !out.status.success(),
        "{key_type}: a foreign client was accepted:\n{}",
        stdout(&out)
    );
    let err = stderr(&out);
    assert!(
        err.contains("remote error: tls: bad certificate")
            || err.contains("remote error: tls: unknown certificate authority"),
        "{key_type}: the daemon should have refused the client certificate: {err}"
    );
    assert!(
        !stdout(&out).contains("Engine:"),
        "no server information for a foreign client"
    );

    // And a client that trusts another CA refuses our daemon.
    let out = daemon.docker_version(&sb, "127.0.0.1", &other.cert_path());
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("certificate signed by unknown authority"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn dockerd_and_docker_cli_accept_the_default_ecdsa_p256_set() {
    if have_peers("dockerd_and_docker_cli_accept_the_default_ecdsa_p256_set") {
        dockerd_accepts_the_set("ecdsa-p256");
    }
}

#[test]
fn dockerd_and_docker_cli_accept_an_ed25519_set() {
    if have_peers("dockerd_and_docker_cli_accept_an_ed25519_set") {
        dockerd_accepts_the_set("ed25519");
    }
}

#[test]
fn dockerd_and_docker_cli_accept_an_ecdsa_p384_set() {
    if have_peers("dockerd_and_docker_cli_accept_an_ecdsa_p384_set") {
        dockerd_accepts_the_set("ecdsa-p384");
    }
}

#[test]
fn dockerd_and_docker_cli_accept_an_rsa_2048_set() {
    if have_peers("dockerd_and_docker_cli_accept_an_rsa_2048_set") {
        dockerd_accepts_the_set("rsa-2048");
    }
}

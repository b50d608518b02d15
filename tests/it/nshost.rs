//! Test hosts for `provision`: each one a network namespace of its own, reached only over a veth
//! pair this test creates (addresses in 10.200.0.0/13 given to those veths only), with a private
//! mount namespace (tmpfs on /run; its own /etc/docker, /var/lib/docker, /var/log,
//! /etc/default, /etc/hosts and, for a non-root user, /etc/passwd, /etc/group, /etc/shadow
//! and /etc/sudoers.d) and a UTS namespace (its own host name). It runs the real sshd (Debian's
//! openssh-server) with its own host key, and dockerd is started by Debian's real init script
//! (`service docker start`), from a copy whose `ulimit` lines tolerate this sandbox's limits.
//!
//! Dropping a host kills every process in its network namespace by pid, then removes the veth,
//! the namespace and its directory: nothing of it remains, even when the test panicked.

use std::fs;
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread::sleep;
use std::time::{Duration, Instant};

use crate::helpers::*;

static NEXT: AtomicU32 = AtomicU32::new(0);

/// How a test host is set up.
#[derive(Clone, Debug, Default)]
pub struct HostSpec {
    /// A non-root login user to create (uid 2000), in addition to root.
    pub user: Option<String>,
    /// Whether that user has passwordless sudo.
    pub sudo: bool,
    /// `/etc/docker/daemon.json` (default: `{"iptables": false, "bridge": "none"}`).
    pub daemon_json: Option<String>,
    /// `/etc/default/docker` (default: Debian's, all comments).
    pub default_docker: Option<String>,
}

/// The ssh side shared by a test's hosts: one client key, one known_hosts, one ssh config.
pub struct Lab {
    /// Removed on drop.
    pub dir: tempfile::TempDir,
}

impl Lab {
    pub fn new() -> Lab {
        let dir = tempfile::Builder::new()
            .prefix("dcl")
            .tempdir_in("/tmp")
            .unwrap();
        let key = dir.path().join("id_ed25519");
        run_ok(
            Command::new("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", "", "-C", "dockcert-test", "-f"])
                .arg(&key),
            "ssh-keygen",
        );
        fs::write(dir.path().join("known_hosts"), "").unwrap();
        let lab = Lab { dir };
        lab.write_config("");
        lab
    }

    /// The client's private key.
    pub fn key(&self) -> PathBuf {
        self.dir.path().join("id_ed25519")
    }

    /// The ssh configuration file tests pass as --ssh-config (never the real ~/.ssh).
    pub fn config(&self) -> PathBuf {
        self.dir.path().join("ssh_config")
    }

    /// Writes the config: `extra` first (Host blocks win by order), then the defaults.
    pub fn write_config(&self, extra: &str) {
        let text = format!(
            "{extra}\nHost *\n  IdentityFile {key}\n  IdentitiesOnly yes\n  UserKnownHostsFile {kh}\n  \
             GlobalKnownHostsFile /dev/null\n  User root\n  LogLevel ERROR\n",
            key = self.key().display(),
            kh = self.dir.path().join("known_hosts").display()
        );
        fs::write(self.config(), text).unwrap();
    }

    /// Accepts `host`'s key in the lab's known_hosts.
    pub fn trust(&self, host: &NsHost) {
        self.trust_as(host, &host.ip);
    }

    /// Accepts `host`'s key for the name or address `name`.
    pub fn trust_as(&self, host: &NsHost, name: &str) {
        let line = format!(
            "{name} {}",
            fs::read_to_string(host.dir.path().join("hostkey.pub")).unwrap()
        );
        let path = self.dir.path().join("known_hosts");
        let mut text = fs::read_to_string(&path).unwrap();
        text.push_str(&line);
        fs::write(path, text).unwrap();
    }

    /// A new host whose key is NOT in known_hosts.
    pub fn untrusted_host(&self, spec: &HostSpec) -> NsHost {
        NsHost::start(self, spec)
    }

    /// A new host (trusted).
    pub fn host(&self, spec: &HostSpec) -> NsHost {
        let host = NsHost::start(self, spec);
        self.trust(&host);
        host
    }
}

/// One test host. See the module documentation.
pub struct NsHost {
    /// The network namespace's name.
    pub netns: String,
    /// The host's address (its end of the veth).
    pub ip: String,
    /// Its host name (FQDN).
    pub fqdn: String,
    veth: String,
    sshd: Option<Child>,
    /// Its files: etc-docker/, var-log/, etc-default/, …
    pub dir: tempfile::TempDir,
}

/// Whether this machine can make test hosts (root, ip netns, unshare, sshd, dockerd). When not,
/// says so loudly and fails under DOCKCERT_E2E=1.
pub fn can_make_hosts(test: &str) -> bool {
    for program in [
        "ip",
        "unshare",
        "nsenter",
        "ssh",
        "ssh-keygen",
        "dockerd",
        "docker",
    ] {
        if !require_peer(program, test) {
            return false;
        }
    }
    let missing = if !Path::new("/usr/sbin/sshd").is_file() {
        Some("/usr/sbin/sshd (openssh-server)")
    } else if !Path::new("/etc/init.d/docker").is_file() {
        Some("/etc/init.d/docker (docker.io's init script)")
    } else if unsafe { libc::geteuid() } != 0 {
        Some("root (network and mount namespaces)")
    } else {
        None
    };
    if let Some(what) = missing {
        let message = format!("{test}: SKIPPED: needs {what}");
        if std::env::var("DOCKCERT_E2E").as_deref() == Ok("1") {
            panic!("{message}; DOCKCERT_E2E=1 requires it");
        }
        eprintln!("\n!!!!!!!! {message} !!!!!!!!\n");
        return false;
    }
    true
}

fn run_ok(cmd: &mut Command, what: &str) -> Output {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_success(&out, what);
    out
}

fn ip(args: &[&str]) {
    run_ok(
        Command::new("ip").args(args),
        &format!("ip {}", args.join(" ")),
    );
}

/// Debian's init script with only the `ulimit` lines softened: this sandbox's hard limit on open
/// files is below 1048576 and it may not raise the process limit.
fn softened_init_script() -> String {
    let text = fs::read_to_string("/etc/init.d/docker").unwrap();
    let mut changed = 0;
    let out: Vec<String> = text
        .lines()
        .map(|line| {
            let trimmed = line.trim();
            if trimmed == "ulimit -n 1048576" {
                changed += 1;
                line.replace(
                    "ulimit -n 1048576",
                    "ulimit -n 1048576 2>/dev/null || ulimit -n \"$(ulimit -H -n)\"",
                )
            } else if trimmed == "ulimit -p unlimited" || trimmed == "ulimit -u unlimited" {
                changed += 1;
                format!("{line} 2>/dev/null || true")
            } else {
                line.to_string()
            }
        })
        .collect();
    assert!(
        changed >= 2,
        "Debian's init script changed: no ulimit lines found"
    );
    out.join("\n") + "\n"
}

impl NsHost {
    fn start(lab: &Lab, spec: &HostSpec) -> NsHost {
        let pid = std::process::id();
        let (netns, veth, ip_addr, peer, n) = loop {
            let n = NEXT.fetch_add(1, Ordering::SeqCst);
            // 10.(200+pid%8).(n/64).(n%64*4)/30: per process and per host, never an address
            // anything else here uses (checked).
            let b = 200 + pid % 8;
            let c = (n / 64) % 256;
            let d = (n % 64) * 4;
            let ip_addr = format!("10.{b}.{c}.{}", d + 2);
            let peer = format!("10.{b}.{c}.{}", d + 1);
            let used = Command::new("ip").args(["-o", "addr"]).output().unwrap();
            if String::from_utf8_lossy(&used.stdout).contains(&format!("inet {peer}/")) {
                continue;
            }
            break (
                format!("dct{pid}h{n}"),
                format!("dcv{}h{n}", pid % 100000),
                ip_addr,
                peer,
                n,
            );
        };
        let dir = tempfile::Builder::new()
            .prefix("dch")
            .tempdir_in("/tmp")
            .unwrap();
        let mut host = NsHost {
            netns: netns.clone(),
            ip: ip_addr.clone(),
            fqdn: format!("dh{n}.dockcert.test"),
            veth: veth.clone(),
            sshd: None,
            dir,
        };
        // From here on, Drop cleans up whatever exists.
        ip(&["netns", "add", &netns]);
        ip(&[
            "link", "add", &veth, "type", "veth", "peer", "name", "eth0", "netns", &netns,
        ]);
        ip(&["addr", "add", &format!("{peer}/30"), "dev", &veth]);
        ip(&["link", "set", &veth, "up"]);
        ip(&[
            "-n",
            &netns,
            "addr",
            "add",
            &format!("{ip_addr}/30"),
            "dev",
            "eth0",
        ]);
        ip(&["-n", &netns, "link", "set", "eth0", "up"]);
        ip(&["-n", &netns, "link", "set", "lo", "up"]);

        let d = host.dir.path().to_path_buf();
        for sub in [
            "etc-docker",
            "var-lib-docker",
            "var-log",
            "varlib/upper",
            "varlib/work",
            "sudoers.d",
        ] {
            fs::create_dir_all(d.join(sub)).unwrap();
        }
        fs::write(
            d.join("etc-docker/daemon.json"),
            spec.daemon_json
                .clone()
                .unwrap_or_else(|| "{\"iptables\": false, \"bridge\": \"none\"}\n".to_string()),
        )
        .unwrap();
        // All of /etc/default, so that files in it can be replaced by a rename (a bind-mounted
        // single file cannot).
        fs::create_dir_all(d.join("etc-default")).unwrap();
        for entry in fs::read_dir("/etc/default").unwrap().flatten() {
            if entry.path().is_file() {
                fs::copy(entry.path(), d.join("etc-default").join(entry.file_name())).unwrap();
            }
        }
        fs::write(
            d.join("etc-default/docker"),
            spec.default_docker
                .clone()
                .unwrap_or_else(|| fs::read_to_string("/etc/default/docker").unwrap_or_default()),
        )
        .unwrap();
        fs::write(d.join("init-docker"), softened_init_script()).unwrap();
        fs::set_permissions(d.join("init-docker"), fs::Permissions::from_mode(0o755)).unwrap();
        fs::write(
            d.join("hosts"),
            format!("127.0.0.1 localhost\n{ip_addr} {} dh{n}\n", host.fqdn),
        )
        .unwrap();
        run_ok(
            Command::new("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", "", "-C", "", "-f"])
                .arg(d.join("hostkey")),
            "ssh-keygen (host key)",
        );
        fs::copy(lab.key().with_extension("pub"), d.join("authorized_keys")).unwrap();
        let sshd_config = format!(
            "Port 22\nListenAddress 0.0.0.0\nHostKey {hk}\nAuthorizedKeysFile {ak}\nStrictModes no\nUsePAM no\n\
             PasswordAuthentication no\nKbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\n\
             PidFile none\nLogLevel ERROR\nMaxStartups 100\nMaxSessions 100\n",
            hk = d.join("hostkey").display(),
            ak = d.join("authorized_keys").display()
        );
        let mut mounts = vec![
            "mount -t tmpfs -o mode=755 tmpfs /run".to_string(),
            "mkdir -p /run/sshd".to_string(),
            format!(
                "mount -t overlay overlay -o lowerdir=/var/lib,upperdir={0}/varlib/upper,workdir={0}/varlib/work /var/lib",
                d.display()
            ),
            "mkdir -p /var/lib/docker".to_string(),
            format!(
                "mount --bind {}/var-lib-docker /var/lib/docker",
                d.display()
            ),
            format!("mount --bind {}/etc-docker /etc/docker", d.display()),
            format!("mount --bind {}/var-log /var/log", d.display()),
            format!("mount --bind {}/etc-default /etc/default", d.display()),
            format!(
                "mount --bind {}/init-docker /etc/init.d/docker",
                d.display()
            ),
            format!("mount --bind {}/hosts /etc/hosts", d.display()),
            format!("hostname {}", host.fqdn),
        ];
        if let Some(user) = &spec.user {
            let mut passwd = fs::read_to_string("/etc/passwd").unwrap();
            passwd.push_str(&format!("{user}:x:2000:2000::{}:/bin/sh\n", d.display()));
            let mut group = fs::read_to_string("/etc/group").unwrap();
            group.push_str(&format!("{user}:x:2000:\n"));
            let mut shadow = fs::read_to_string("/etc/shadow").unwrap();
            shadow.push_str(&format!("{user}:*:20000:0:99999:7:::\n"));
            fs::write(d.join("passwd"), passwd).unwrap();
            fs::write(d.join("group"), group).unwrap();
            fs::write(d.join("shadow"), shadow).unwrap();
            fs::set_permissions(d.join("shadow"), fs::Permissions::from_mode(0o640)).unwrap();
            if spec.sudo {
                let file = d.join("sudoers.d/dockcert-test");
                fs::write(&file, format!("{user} ALL=(root) NOPASSWD: ALL\n")).unwrap();
                fs::set_permissions(&file, fs::Permissions::from_mode(0o440)).unwrap();
            }
            for (from, to) in [
                ("passwd", "/etc/passwd"),
                ("group", "/etc/group"),
                ("shadow", "/etc/shadow"),
                ("sudoers.d", "/etc/sudoers.d"),
            ] {
                mounts.push(format!("mount --bind {}/{from} {to}", d.display()));
            }
        }
        fs::write(d.join("sshd_config"), &sshd_config).unwrap();
        let script = format!(
            "set -e; {}; exec /usr/sbin/sshd -D -e -f {}/sshd_config",
            mounts.join("; "),
            d.display()
        );
        let child = Command::new("ip")
            .args([
                "netns",
                "exec",
                &netns,
                "unshare",
                "-m",
                "-u",
                "--propagation",
                "private",
                "sh",
                "-c",
                &script,
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(fs::File::create(d.join("sshd.log")).unwrap())
            .spawn()
            .expect("start sshd in the namespace");
        host.sshd = Some(child);
        host.wait_for(22, Duration::from_secs(20), "sshd");
        let out = host.exec("service docker start");
        assert_success(&out, "service docker start");
        host.wait_for_docker();
        host
    }

    fn sshd_pid(&self) -> u32 {
        self.sshd.as_ref().map(Child::id).unwrap_or(0)
    }

    /// Waits until `port` on the host accepts connections.
    pub fn wait_for(&mut self, port: u16, limit: Duration, what: &str) {
        let deadline = Instant::now() + limit;
        loop {
            if TcpStream::connect_timeout(
                &format!("{}:{port}", self.ip).parse().unwrap(),
                Duration::from_millis(200),
            )
            .is_ok()
            {
                return;
            }
            if let Some(Ok(Some(status))) = self.sshd.as_mut().map(Child::try_wait) {
                panic!(
                    "{what} exited ({status}): {}",
                    fs::read_to_string(self.dir.path().join("sshd.log")).unwrap_or_default()
                );
            }
            assert!(
                Instant::now() < deadline,
                "{what} did not listen on {}:{port}",
                self.ip
            );
            sleep(Duration::from_millis(50));
        }
    }

    /// Runs `script` as root inside the host (its namespaces), not over ssh.
    pub fn exec(&self, script: &str) -> Output {
        Command::new("nsenter")
            .args([
                "-t",
                &self.sshd_pid().to_string(),
                "-m",
                "-n",
                "-u",
                "--",
                "sh",
                "-c",
                script,
            ])
            .output()
            .expect("nsenter")
    }

    /// Waits until dockerd answers on the host's unix socket.
    pub fn wait_for_docker(&self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let out = self.exec("docker version --format '{{.Server.Version}}'");
            if out.status.success() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "dockerd did not start on {}: {}",
                self.ip,
                self.docker_log()
            );
            sleep(Duration::from_millis(100));
        }
    }

    /// dockerd's log on the host (/var/log/docker.log).
    pub fn docker_log(&self) -> String {
        fs::read_to_string(self.dir.path().join("var-log/docker.log")).unwrap_or_default()
    }

    /// A file under the host's /etc/docker.
    pub fn etc_docker(&self, rel: &str) -> PathBuf {
        self.dir.path().join("etc-docker").join(rel)
    }

    /// `root@IP`.
    pub fn root(&self) -> String {
        format!("root@{}", self.ip)
    }

    /// Lets only logins from `address` in (sshd `AllowUsers *@ADDR`, reloaded by SIGHUP).
    pub fn allow_only_from(&mut self, address: &str) {
        let path = self.dir.path().join("sshd_config");
        let mut text = fs::read_to_string(&path).unwrap();
        text.push_str(&format!("AllowUsers *@{address}\n"));
        fs::write(&path, text).unwrap();
        // SAFETY: kill(2) on the sshd this test started; SIGHUP makes it re-read its config.
        unsafe { libc::kill(self.sshd_pid() as i32, libc::SIGHUP) };
        sleep(Duration::from_millis(300));
        self.wait_for(22, Duration::from_secs(20), "sshd (reloaded)");
    }

    /// Stops sshd (by its pid): the host can no longer be reached over ssh.
    pub fn stop_sshd(&mut self) {
        if let Some(child) = self.sshd.as_mut() {
            let pid = child.id() as i32;
            // SAFETY: kill(2) on the sshd this test started.
            unsafe { libc::kill(pid, libc::SIGTERM) };
            let _ = child.wait();
        }
    }

    /// A second link from this host to `inner` (a veth pair between the two namespaces); returns
    /// (this side's address, `inner`'s address), and routes `inner`'s address from the test side
    /// through `inner`'s own link, so its TLS port is reachable from here while sshd only lets
    /// this host in.
    pub fn link_to(&self, inner: &NsHost) -> (String, String) {
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let pid = std::process::id();
        let b = 200 + pid % 8;
        let (c, d) = ((n / 64) % 256, (n % 64) * 4);
        let here = format!("10.{b}.{c}.{}", d + 1);
        let there = format!("10.{b}.{c}.{}", d + 2);
        let a_name = format!("dcj{}", n);
        ip(&[
            "-n",
            &self.netns,
            "link",
            "add",
            &a_name,
            "type",
            "veth",
            "peer",
            "name",
            "inner0",
            "netns",
            &inner.netns,
        ]);
        ip(&[
            "-n",
            &self.netns,
            "addr",
            "add",
            &format!("{here}/30"),
            "dev",
            &a_name,
        ]);
        ip(&["-n", &self.netns, "link", "set", &a_name, "up"]);
        ip(&[
            "-n",
            &inner.netns,
            "addr",
            "add",
            &format!("{there}/30"),
            "dev",
            "inner0",
        ]);
        ip(&["-n", &inner.netns, "link", "set", "inner0", "up"]);
        ip(&["route", "add", &format!("{there}/32"), "via", &inner.ip]);
        (here, there)
    }
}

impl Drop for NsHost {
    fn drop(&mut self) {
        // Every process in the namespace is this host's (sshd, its sessions, dockerd, containerd).
        let pids = |ns: &str| -> Vec<i32> {
            Command::new("ip")
                .args(["netns", "pids", ns])
                .output()
                .map(|o| {
                    String::from_utf8_lossy(&o.stdout)
                        .split_whitespace()
                        .filter_map(|p| p.parse().ok())
                        .collect()
                })
                .unwrap_or_default()
        };
        for signal in [libc::SIGTERM, libc::SIGKILL] {
            let deadline = Instant::now() + Duration::from_secs(15);
            loop {
                let alive = pids(&self.netns);
                if alive.is_empty() {
                    break;
                }
                for pid in &alive {
                    // SAFETY: kill(2) on processes of the namespace this test created.
                    unsafe { libc::kill(*pid, signal) };
                }
                if let Some(child) = self.sshd.as_mut() {
                    let _ = child.try_wait();
                }
                if Instant::now() >= deadline {
                    break;
                }
                sleep(Duration::from_millis(100));
            }
        }
        if let Some(mut child) = self.sshd.take() {
            let _ = child.wait();
        }
        let _ = Command::new("ip")
            .args(["link", "del", &self.veth])
            .stderr(Stdio::null())
            .status();
        let _ = Command::new("ip")
            .args(["netns", "del", &self.netns])
            .stderr(Stdio::null())
            .status();
    }
}

/// A sandbox for dockcert with a CA and a client (`init`), for provisioning the lab's hosts.
pub fn provision_sandbox() -> Sandbox {
    let sb = Sandbox::new();
    sb.init_ok(&[]);
    sb
}

/// `dockcert provision` with the lab's ssh config.
pub fn provision(sb: &Sandbox, lab: &Lab, args: &[&str]) -> Output {
    let mut cmd = sb.dockcert();
    cmd.arg("provision")
        .arg("--ssh-config")
        .arg(lab.config())
        .args(args);
    cmd.output().expect("run dockcert provision")
}

/// `docker --context NAME version --format …` from the test side.
pub fn docker_context_version(sb: &Sandbox, context: &str) -> Output {
    let mut cmd = Command::new("docker");
    sb.isolate(&mut cmd);
    cmd.args([
        "--context",
        context,
        "version",
        "--format",
        "{{.Server.Version}}",
    ])
    .output()
    .unwrap()
}

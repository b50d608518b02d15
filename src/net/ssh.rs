//! Remote hosts through the system's OpenSSH client, so that `~/.ssh/config`, the agent,
//! `ProxyJump` and `known_hosts` all apply exactly as they do for `ssh` itself.
//!
//! One multiplexed master connection per host (`ControlMaster`, its socket in a private 0700
//! directory); every command runs over it. Host keys are checked strictly and nothing prompts
//! (`BatchMode`). Secrets never go on a command line: a command's data travels on its stdin.

use std::fs;
use std::io::Write;
use std::os::unix::fs::DirBuilderExt;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, Result, anyhow, bail};

/// A host as given on the command line: `[USER@]HOST[:SSH_PORT]` (IPv6 as `[addr]:port`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Destination {
    /// The login user, when given (else ssh's configuration decides).
    pub user: Option<String>,
    /// A host name, an ssh `Host` alias, or an address.
    pub host: String,
    /// The ssh port, when given (else ssh's configuration decides).
    pub port: Option<u16>,
}

impl Destination {
    /// Parses `[USER@]HOST[:PORT]`.
    pub fn parse(text: &str) -> Result<Destination> {
        let text = text.trim();
        let bad = |why: &str| {
            anyhow!("'{text}' is not a host to provision: {why}; write [USER@]HOST[:SSH_PORT]")
        };
        let (user, rest) = match text.rsplit_once('@') {
            Some((user, rest)) => (Some(user.to_string()), rest),
            None => (None, text),
        };
        if user
            .as_deref()
            .is_some_and(|u| u.is_empty() || u.starts_with('-'))
        {
            return Err(bad("the user name is empty or starts with '-'"));
        }
        let (host, port) = if let Some(inner) = rest.strip_prefix('[') {
            let (host, after) = inner
                .split_once(']')
                .ok_or_else(|| bad("an IPv6 address needs its closing ']'"))?;
            let port = match after.strip_prefix(':') {
                Some(port) => Some(port),
                None if after.is_empty() => None,
                None => return Err(bad("unexpected text after ']'")),
            };
            (host.to_string(), port)
        } else if rest.matches(':').count() > 1 {
            // A bare IPv6 address, without a port.
            (rest.to_string(), None)
        } else {
            match rest.split_once(':') {
                Some((host, port)) => (host.to_string(), Some(port)),
                None => (rest.to_string(), None),
            }
        };
        if host.is_empty() || host.starts_with('-') {
            return Err(bad("the host is empty or starts with '-'"));
        }
        if host
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '/')
        {
            return Err(bad("the host contains a space, a control character or '/'"));
        }
        let port = port
            .map(|p| {
                p.parse::<u16>()
                    .ok()
                    .filter(|p| *p > 0)
                    .ok_or_else(|| bad("the ssh port must be a number from 1 to 65535"))
            })
            .transpose()?;
        Ok(Destination { user, host, port })
    }

    /// As given: `user@host:port`, IPv6 bracketed when a port follows.
    pub fn display(&self) -> String {
        let mut out = String::new();
        if let Some(user) = &self.user {
            out.push_str(user);
            out.push('@');
        }
        match self.port {
            Some(port) if self.host.contains(':') => {
                out.push_str(&format!("[{}]:{port}", self.host))
            }
            Some(port) => out.push_str(&format!("{}:{port}", self.host)),
            None => out.push_str(&self.host),
        }
        out
    }
}

/// How to call ssh.
#[derive(Clone, Debug, Default)]
pub struct SshOptions {
    /// `ssh -F FILE` (CI runners keep their own configuration).
    pub config_file: Option<PathBuf>,
    /// Seconds for the TCP connection (`ConnectTimeout`).
    pub connect_timeout: u32,
}

/// What ssh's configuration makes of a destination (`ssh -G`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolved {
    /// The address or name ssh connects to (`HostName`).
    pub hostname: String,
    /// The login user.
    pub user: String,
    /// The ssh port.
    pub port: u16,
    /// Whether a `ProxyJump` or `ProxyCommand` is in the way.
    pub proxied: bool,
}

/// An open, multiplexed connection to one host. Dropping it closes the master connection and
/// removes its private directory.
pub struct Connection {
    destination: Destination,
    options: SshOptions,
    dir: PathBuf,
    /// What ssh's configuration resolved.
    pub resolved: Resolved,
}

static NEXT_DIR: AtomicUsize = AtomicUsize::new(0);

/// A private (0700) directory for the control socket: short, because unix socket paths are
/// limited to 108 bytes.
fn private_dir() -> Result<PathBuf> {
    let base = std::env::temp_dir();
    for _ in 0..100 {
        let name = format!(
            "dockcert-ssh-{}-{}",
            std::process::id(),
            NEXT_DIR.fetch_add(1, Ordering::Relaxed)
        );
        let dir = base.join(name);
        match fs::DirBuilder::new().mode(0o700).create(&dir) {
            Ok(()) => return Ok(dir),
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(err) => {
                return Err(err).with_context(|| {
                    format!("failed to create a private directory in {}", base.display())
                });
            }
        }
    }
    bail!("failed to create a private directory in {}", base.display())
}

impl Connection {
    /// Opens the master connection (authenticates once). Every failure is a sentence that says
    /// what to do, e.g. how to accept an unknown host key.
    pub fn open(destination: &Destination, options: &SshOptions) -> Result<Connection> {
        if let Some(file) = &options.config_file
            && !file.is_file()
        {
            bail!("--ssh-config {}: no such file", file.display());
        }
        let resolved = resolve(destination, options)?;
        let dir = private_dir()?;
        let connection = Connection {
            destination: destination.clone(),
            options: options.clone(),
            dir,
            resolved,
        };
        let log = connection.dir.join("master.log");
        let log_file = fs::File::create(&log)
            .with_context(|| format!("failed to create {}", log.display()))?;
        // -f: ssh goes to the background once authenticated, so its exit status says whether the
        // login worked. Its stderr goes to a file: a pipe would stay open as long as the master.
        let status = connection
            .base_command()
            .args(["-o", "ControlMaster=yes", "-o", "ControlPersist=600"])
            .args(["-o", "ServerAliveInterval=10", "-f", "-N"])
            .arg(connection.target())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file)
            .status()
            .context("failed to run ssh (is the OpenSSH client installed?)")?;
        if !status.success() {
            let said = fs::read_to_string(&log).unwrap_or_default();
            return Err(explain(&said, destination, &connection.resolved));
        }
        Ok(connection)
    }

    /// The destination as given.
    pub fn destination(&self) -> &Destination {
        &self.destination
    }

    fn target(&self) -> String {
        self.destination.host.clone()
    }

    fn base_command(&self) -> Command {
        let mut cmd = ssh_command(&self.destination, &self.options);
        cmd.arg("-o")
            .arg(format!("ControlPath={}", self.dir.join("m").display()));
        cmd
    }

    /// Runs `command` (one shell command line, never with a secret in it) on the host, with
    /// `input` on its stdin.
    pub fn run(&self, command: &str, input: &[u8]) -> Result<Output> {
        let mut child = self
            .base_command()
            .args(["-o", "ControlMaster=no", "-T"])
            .arg(self.target())
            .arg("--")
            .arg(command)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .context("failed to run ssh")?;
        if let Some(mut stdin) = child.stdin.take() {
            // A command that exits early closes its stdin: its status tells what happened.
            let _ = stdin.write_all(input);
        }
        let out = child.wait_with_output().context("failed to run ssh")?;
        if out.status.code() == Some(255) {
            let said = String::from_utf8_lossy(&out.stderr);
            return Err(explain(&said, &self.destination, &self.resolved));
        }
        Ok(out)
    }

    /// The control socket's path (for tests and diagnostics).
    pub fn control_path(&self) -> PathBuf {
        self.dir.join("m")
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        let _ = self
            .base_command()
            .args(["-O", "exit"])
            .arg(self.target())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// `ssh` with dockcert's fixed options: strict host keys, no prompts, the config file if given.
fn ssh_command(destination: &Destination, options: &SshOptions) -> Command {
    let mut cmd = Command::new("ssh");
    if let Some(file) = &options.config_file {
        cmd.arg("-F").arg(file);
    }
    cmd.args(["-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes"]);
    cmd.arg("-o")
        .arg(format!("ConnectTimeout={}", options.connect_timeout.max(1)));
    if let Some(port) = destination.port {
        cmd.arg("-p").arg(port.to_string());
    }
    if let Some(user) = &destination.user {
        cmd.arg("-l").arg(user);
    }
    cmd.env_remove("SSH_ASKPASS");
    cmd
}

/// `ssh -G`: the host name, user and port ssh will use after its configuration.
pub fn resolve(destination: &Destination, options: &SshOptions) -> Result<Resolved> {
    let out = ssh_command(destination, options)
        .arg("-G")
        .arg(&destination.host)
        .stdin(Stdio::null())
        .output()
        .context("failed to run ssh (is the OpenSSH client installed?)")?;
    if !out.status.success() {
        let said = String::from_utf8_lossy(&out.stderr);
        bail!(
            "ssh cannot read its configuration for {}: {}",
            destination.display(),
            last_line(&said)
        );
    }
    Ok(parse_ssh_g(
        &String::from_utf8_lossy(&out.stdout),
        destination,
    ))
}

/// Reads `ssh -G` output.
pub fn parse_ssh_g(text: &str, destination: &Destination) -> Resolved {
    let mut resolved = Resolved {
        hostname: destination.host.clone(),
        user: destination.user.clone().unwrap_or_default(),
        port: destination.port.unwrap_or(22),
        proxied: false,
    };
    for line in text.lines() {
        let Some((key, value)) = line.split_once(' ') else {
            continue;
        };
        let value = value.trim();
        match key {
            "hostname" => resolved.hostname = value.to_string(),
            "user" => resolved.user = value.to_string(),
            "port" => resolved.port = value.parse().unwrap_or(resolved.port),
            "proxyjump" | "proxycommand" if !value.is_empty() && value != "none" => {
                resolved.proxied = true;
            }
            _ => {}
        }
    }
    resolved
}

fn last_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .rfind(|line| !line.is_empty())
        .unwrap_or("no message")
        .to_string()
}

/// ssh's stderr made into one sentence that names the host and the next step.
pub fn explain(said: &str, destination: &Destination, resolved: &Resolved) -> anyhow::Error {
    let host = destination.display();
    let port = resolved.port;
    let name = &resolved.hostname;
    let scan = if port == 22 {
        format!("ssh-keyscan {name}")
    } else {
        format!("ssh-keyscan -p {port} {name}")
    };
    if said.contains("REMOTE HOST IDENTIFICATION HAS CHANGED") {
        return anyhow!(
            "the host key of {host} has changed since it was recorded in known_hosts; dockcert stops \
             here: find out why (a reinstalled host, or someone in the middle), then remove the old \
             key with 'ssh-keygen -R {name}' and accept the new one"
        );
    }
    if said.contains("host key is known") || said.contains("Host key verification failed") {
        return anyhow!(
            "the host key of {host} is not in known_hosts, and dockcert checks host keys strictly: \
             compare its fingerprint ('{scan} | ssh-keygen -lf -') with the one the host shows \
             ('ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub' on it), then accept it by running \
             'ssh {host} true' once and answering yes, or append the output of '{scan}' to your \
             known_hosts (the UserKnownHostsFile of --ssh-config, if you use one)"
        );
    }
    if said.contains("Permission denied") {
        return anyhow!(
            "ssh could not log in to {host} as {} (permission denied): check the key (ssh-agent or \
             IdentityFile in your ssh configuration) and the host's authorized_keys",
            if resolved.user.is_empty() {
                "the configured user"
            } else {
                &resolved.user
            }
        );
    }
    let what = last_line(said);
    if said.contains("Connection refused")
        || said.contains("timed out")
        || said.contains("No route to host")
        || said.contains("Could not resolve hostname")
        || said.contains("Network is unreachable")
        || said.contains("Connection closed")
    {
        return anyhow!("cannot reach {host} over ssh ({name} port {port}); ssh said: {what}");
    }
    anyhow!("ssh to {host} failed; ssh said: {what}")
}

/// A command line run by root: as is for root, under `sudo -n` (never a prompt) otherwise.
pub fn as_root(script: &str, sudo: bool) -> String {
    let quoted = quote(script);
    if sudo {
        format!("sudo -n sh -c {quoted}")
    } else {
        format!("sh -c {quoted}")
    }
}

/// One word for a POSIX shell.
pub fn quote(word: &str) -> String {
    if !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c))
    {
        return word.to_string();
    }
    format!("'{}'", word.replace('\'', "'\\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_parse_with_users_ports_and_ipv6() {
        let d = Destination::parse("deploy@d1.example:2222").unwrap();
        assert_eq!(d.user.as_deref(), Some("deploy"));
        assert_eq!(d.host, "d1.example");
        assert_eq!(d.port, Some(2222));
        assert_eq!(d.display(), "deploy@d1.example:2222");
        let d = Destination::parse("[2001:db8::7]:22").unwrap();
        assert_eq!((d.host.as_str(), d.port), ("2001:db8::7", Some(22)));
        assert_eq!(d.display(), "[2001:db8::7]:22");
        let d = Destination::parse("2001:db8::7").unwrap();
        assert_eq!((d.host.as_str(), d.port), ("2001:db8::7", None));
        assert_eq!(Destination::parse("h").unwrap().display(), "h");
        for bad in [
            "",
            "@h",
            "-oProxyCommand=x",
            "h:0",
            "h:x",
            "h:70000",
            "a b",
            "[::1",
            "u@-h",
        ] {
            assert!(Destination::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn ssh_g_output_gives_the_real_host_and_proxying() {
        let d = Destination::parse("web").unwrap();
        let text = "user deploy\nhostname 10.1.2.3\nport 2200\nproxyjump bastion\n";
        let r = parse_ssh_g(text, &d);
        assert_eq!(r.hostname, "10.1.2.3");
        assert_eq!(r.user, "deploy");
        assert_eq!(r.port, 2200);
        assert!(r.proxied);
        assert!(!parse_ssh_g("hostname h\nproxycommand none\n", &d).proxied);
    }

    #[test]
    fn ssh_errors_become_sentences_with_the_next_step() {
        let d = Destination::parse("root@h:2222").unwrap();
        let r = Resolved {
            hostname: "10.0.0.2".into(),
            user: "root".into(),
            port: 2222,
            proxied: false,
        };
        let unknown = explain(
            "No ED25519 host key is known for [10.0.0.2]:2222 and you have requested strict checking.\nHost key verification failed.\n",
            &d,
            &r,
        )
        .to_string();
        assert!(unknown.contains("not in known_hosts"), "{unknown}");
        assert!(
            unknown.contains("ssh-keyscan -p 2222 10.0.0.2"),
            "{unknown}"
        );
        let denied = explain("root@10.0.0.2: Permission denied (publickey).\n", &d, &r).to_string();
        assert!(denied.contains("as root (permission denied)"), "{denied}");
        let refused = explain(
            "ssh: connect to host 10.0.0.2 port 2222: Connection refused\n",
            &d,
            &r,
        )
        .to_string();
        assert!(refused.contains("cannot reach root@h:2222"), "{refused}");
    }

    #[test]
    fn quoting_survives_single_quotes() {
        assert_eq!(quote("abc"), "abc");
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("it's"), "'it'\\''s'");
        assert_eq!(as_root("id -u", true), "sudo -n sh -c 'id -u'");
    }
}

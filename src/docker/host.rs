//! A remote Docker host: what dockcert finds on it before touching anything (discovery), the
//! changes that make dockerd serve mutual TLS without conflicts, and the shell scripts that apply
//! and undo them. Pure: the text comes from and goes to [`crate::net::ssh`] in the command.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use anyhow::{Result, anyhow, bail};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::docker::daemon_json;
use crate::docker::discover;
use crate::docker::{Layout, TlsFiles};
use crate::net::ssh::quote;

/// Where the server's files go on the host by default.
pub const DEFAULT_TLS_DIR: &str = "/etc/docker/tls";
/// dockerd's configuration file.
pub const DAEMON_JSON: &str = "/etc/docker/daemon.json";
/// The init script's (and Debian's unit's) environment file.
pub const DEFAULT_DOCKER: &str = "/etc/default/docker";
/// The drop-in that clears `-H` from the unit's command line.
pub const DROP_IN: &str = "/etc/systemd/system/docker.service.d/dockcert-hosts.conf";
/// The local socket dockerd keeps serving.
pub const UNIX_SOCKET: &str = "unix:///var/run/docker.sock";

/// Run as root on the host: prints what dockcert needs to know, in sections. File contents are
/// base64 so that no content can fake a section marker.
pub const DISCOVERY_SCRIPT: &str = r#"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin; export PATH
s() { printf '\n@@dockcert:%s\n' "$1"; }
b() { base64 < "$1" | tr -d '\n'; echo; }
s uid; id -u
s os; ( . /etc/os-release 2>/dev/null && printf '%s\n' "$PRETTY_NAME" ) || uname -sr
s init; if [ -d /run/systemd/system ]; then echo systemd; else echo sysv; fi
s service; command -v service || true
s dockerd; dockerd --version 2>/dev/null || true
s daemon.json; if [ -f /etc/docker/daemon.json ]; then b /etc/docker/daemon.json; fi
s systemctl; if [ -d /run/systemd/system ]; then systemctl show docker.service --property=ExecStart --no-pager 2>/dev/null || true; fi
s units; for f in /etc/systemd/system/docker.service /run/systemd/system/docker.service /lib/systemd/system/docker.service /usr/lib/systemd/system/docker.service /etc/systemd/system/docker.service.d/*.conf /run/systemd/system/docker.service.d/*.conf /lib/systemd/system/docker.service.d/*.conf /usr/lib/systemd/system/docker.service.d/*.conf; do if [ -f "$f" ]; then printf '%s ' "$f"; b "$f"; fi; done
s default; if [ -f /etc/default/docker ]; then b /etc/default/docker; fi
s running; if [ -d /run/systemd/system ]; then systemctl is-active --quiet docker.service && echo yes; elif [ -x /etc/init.d/docker ]; then /etc/init.d/docker status >/dev/null 2>&1 && echo yes; fi; true
s listen; ss -Hltnp 2>/dev/null || true
s fqdn; hostname -f 2>/dev/null || hostname 2>/dev/null || true
s addrs; ip -o addr show 2>/dev/null || true
s end
"#;

/// One round trip for "who am I, may I sudo, and what is there": runs [`DISCOVERY_SCRIPT`] as root
/// (directly for root, else under `sudo -n`), or prints a `refused` section saying why not.
/// `sudo`: `Some(true)` always sudo, `Some(false)` never, `None` when the login is not root.
pub fn look_script(sudo: Option<bool>) -> String {
    let discover = quote(DISCOVERY_SCRIPT);
    let use_sudo = match sudo {
        Some(true) => "1",
        Some(false) => "0",
        None => "auto",
    };
    format!(
        "u=$(id -u); n=$(id -un); printf '@@dockcert:login\\n%s %s\\n' \"$u\" \"$n\"; s={use_sudo}; \
         if [ \"$s\" = auto ]; then if [ \"$u\" = 0 ]; then s=0; else s=1; fi; fi; \
         if [ \"$s\" = 0 ]; then if [ \"$u\" = 0 ]; then exec sh -c {discover}; fi; \
         printf '@@dockcert:refused\\nno-sudo\\n'; exit 0; fi; \
         if sudo -n true 2>/dev/null; then printf '@@dockcert:sudo\\nyes\\n'; exec sudo -n sh -c {discover}; fi; \
         printf '@@dockcert:refused\\nsudo\\n'; sudo -n true 2>&1 | tail -n 1; exit 0"
    )
}

/// Why the look was refused before anything ran as root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refused {
    /// The login is not root and sudo was ruled out.
    NoSudo {
        /// The login name.
        user: String,
    },
    /// `sudo -n` failed.
    Sudo {
        /// The login name.
        user: String,
        /// What sudo said.
        said: String,
    },
}

/// The login and sudo part of [`look_script`]'s output: `Err` when it was refused.
pub fn parse_login(text: &str) -> std::result::Result<(String, bool), Refused> {
    let mut user = String::new();
    let mut section = "";
    let mut refused: Option<String> = None;
    let mut said = String::new();
    let mut sudo = false;
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("@@dockcert:") {
            section = if name == "login" || name == "refused" || name == "sudo" {
                name
            } else {
                ""
            };
            if section == "sudo" {
                sudo = true;
            }
            continue;
        }
        match section {
            "login" if user.is_empty() => {
                user = line
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or_default()
                    .to_string();
            }
            "refused" if refused.is_none() => refused = Some(line.trim().to_string()),
            "refused" if !line.trim().is_empty() => said = line.trim().to_string(),
            _ => {}
        }
    }
    match refused.as_deref() {
        Some("no-sudo") => Err(Refused::NoSudo { user }),
        Some(_) => Err(Refused::Sudo { user, said }),
        None => Ok((user, sudo)),
    }
}

/// How dockerd is started on the host.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum InitSystem {
    /// systemd runs (`/run/systemd/system` exists).
    Systemd,
    /// An init script (`service docker …` / `/etc/init.d/docker`).
    Sysv,
}

/// What discovery found.
#[derive(Clone, Debug, Default)]
pub struct Discovery {
    /// The uid the script ran as (0 when root or under sudo).
    pub uid: Option<u32>,
    /// `PRETTY_NAME` of os-release.
    pub os: String,
    /// systemd or not.
    pub init: Option<InitSystem>,
    /// Whether `service` exists.
    pub has_service: bool,
    /// `dockerd --version`.
    pub dockerd_version: Option<String>,
    /// Whether `dockerd --validate` exists (Docker 23 and later).
    pub can_validate: bool,
    /// The current daemon.json, when there is one.
    pub daemon_json: Option<String>,
    /// ExecStart from `systemctl show`.
    pub systemctl_exec_start: Option<String>,
    /// docker.service's unit files and drop-ins on disk.
    pub unit_files: Vec<(PathBuf, String)>,
    /// `/etc/default/docker`, when there is one.
    pub default_docker: Option<String>,
    /// Whether dockerd runs now.
    pub running: bool,
    /// Listening TCP sockets: `(address, port, process)`.
    pub listeners: Vec<(String, u16, String)>,
    /// `hostname -f`.
    pub fqdn: Option<String>,
    /// The host's addresses, except loopback and link-local.
    pub addresses: Vec<IpAddr>,
}

fn base64_decode(text: &str) -> Result<String> {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for byte in text.bytes().filter(|b| !b.is_ascii_whitespace()) {
        if byte == b'=' {
            break;
        }
        let value = TABLE
            .iter()
            .position(|c| *c == byte)
            .ok_or_else(|| anyhow!("the host sent a file in a form dockcert cannot read"))?;
        acc = (acc << 6) | value as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    String::from_utf8(out)
        .map_err(|_| anyhow!("a configuration file on the host is not UTF-8 text"))
}

/// Reads the discovery script's output.
pub fn parse_discovery(text: &str) -> Result<Discovery> {
    let mut sections: Vec<(String, Vec<String>)> = Vec::new();
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("@@dockcert:") {
            sections.push((name.trim().to_string(), Vec::new()));
        } else if let Some((_, lines)) = sections.last_mut() {
            lines.push(line.to_string());
        }
    }
    if !sections.iter().any(|(name, _)| name == "end") {
        bail!("the host did not finish dockcert's look around (is /bin/sh a POSIX shell?)");
    }
    let get = |name: &str| -> Vec<String> {
        sections
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, lines)| {
                lines
                    .iter()
                    .filter(|l| !l.trim().is_empty())
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    };
    let first = |name: &str| get(name).first().map(|l| l.trim().to_string());
    let mut found = Discovery {
        uid: first("uid").and_then(|u| u.parse().ok()),
        os: first("os").unwrap_or_else(|| "unknown OS".to_string()),
        init: match first("init").as_deref() {
            Some("systemd") => Some(InitSystem::Systemd),
            Some("sysv") => Some(InitSystem::Sysv),
            _ => None,
        },
        has_service: first("service").is_some(),
        dockerd_version: first("dockerd"),
        can_validate: first("dockerd").as_deref().is_some_and(has_validate),
        running: first("running").as_deref() == Some("yes"),
        fqdn: first("fqdn").filter(|f| !f.is_empty()),
        ..Discovery::default()
    };
    if let Some(encoded) = first("daemon.json") {
        found.daemon_json = Some(base64_decode(&encoded)?);
    }
    if let Some(encoded) = first("default") {
        found.default_docker = Some(base64_decode(&encoded)?);
    }
    found.systemctl_exec_start = get("systemctl")
        .iter()
        .find_map(|line| discover::exec_start_from_systemctl_show(line));
    for line in get("units") {
        if let Some((path, encoded)) = line.trim().split_once(' ') {
            found
                .unit_files
                .push((PathBuf::from(path), base64_decode(encoded)?));
        } else {
            // An empty file: its name only.
            found
                .unit_files
                .push((PathBuf::from(line.trim()), String::new()));
        }
    }
    for line in get("listen") {
        // LISTEN 0 4096 *:2376 *:* users:(("dockerd",pid=812,fd=9))
        let words: Vec<&str> = line.split_whitespace().collect();
        let Some(local) = words.get(3) else { continue };
        let Some((address, port)) = local.rsplit_once(':') else {
            continue;
        };
        let Ok(port) = port.parse::<u16>() else {
            continue;
        };
        let process = line
            .split("((\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or("")
            .to_string();
        found.listeners.push((address.to_string(), port, process));
    }
    for line in get("addrs") {
        // 2: eth0    inet 10.0.0.5/24 brd … scope global eth0
        let words: Vec<&str> = line.split_whitespace().collect();
        let Some(at) = words.iter().position(|w| *w == "inet" || *w == "inet6") else {
            continue;
        };
        let Some(ip) = words
            .get(at + 1)
            .and_then(|cidr| cidr.split('/').next())
            .and_then(|ip| ip.parse::<IpAddr>().ok())
        else {
            continue;
        };
        if is_usable_address(&ip) && !found.addresses.contains(&ip) {
            found.addresses.push(ip);
        }
    }
    Ok(found)
}

/// Whether a `dockerd --version` line names Docker 23 or later, the first with `--validate`
/// (deduced from the version: running `dockerd --help` costs a tenth of a second per host).
pub fn has_validate(version_line: &str) -> bool {
    version_line
        .split_whitespace()
        .nth(2)
        .and_then(|v| v.split('.').next())
        .and_then(|major| major.parse::<u32>().ok())
        .is_some_and(|major| major >= 23)
}

/// An address a client could use: not loopback (the defaults cover it), not link-local.
pub fn is_usable_address(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => !v4.is_loopback() && !v4.is_link_local() && !v4.is_unspecified(),
        IpAddr::V6(v6) => {
            !v6.is_loopback() && !v6.is_unspecified() && (v6.segments()[0] & 0xffc0) != 0xfe80
        }
    }
}

/// A file dockcert writes on the host.
#[derive(Clone, Debug, Serialize)]
pub struct RemoteFile {
    /// Where.
    pub path: PathBuf,
    /// Final mode.
    pub mode: u32,
    /// What it is, for people.
    pub what: String,
    /// Whether a file is there now (then it is backed up first).
    pub existed: bool,
    /// The contents (never serialized: keys travel only over ssh's stdin).
    #[serde(skip)]
    pub contents: zeroize::Zeroizing<Vec<u8>>,
}

/// Everything that changes on one host besides the TLS files.
#[derive(Clone, Debug, Serialize)]
pub struct Changes {
    /// The merged daemon.json.
    pub daemon_json: String,
    /// `-`/`+`/` ` lines from the old daemon.json to the new one.
    pub daemon_json_diff: Vec<String>,
    /// The configuration files to write, daemon.json first.
    pub files: Vec<RemoteFile>,
    /// dockerd's command line as the host starts it, and where it was read.
    pub command_line: Option<(String, String)>,
    /// The listening addresses dockerd gets (`hosts`).
    pub hosts: Vec<String>,
    /// The restart command.
    pub restart: String,
    /// Notes for people (what else changes).
    pub notes: Vec<String>,
}

/// The server's files in `tls_dir`.
pub fn tls_files(tls_dir: &Path) -> TlsFiles {
    Layout::Daemon.files_in(tls_dir)
}

/// Plans the configuration: daemon.json merged (every other key kept), the `-H` conflict resolved
/// where dockerd's command line is read (a systemd drop-in built from the unit's own command line,
/// or `DOCKER_OPTS` in /etc/default/docker), and the host's own restart command.
pub fn plan_changes(found: &Discovery, tls_dir: &Path, port: u16) -> Result<Changes> {
    let init = found
        .init
        .ok_or_else(|| anyhow!("cannot tell whether systemd runs on the host"))?;
    if found.dockerd_version.is_none() {
        bail!(
            "dockerd is not installed (dockcert configures an installed Docker Engine and installs \
             nothing; install docker.io or docker-ce first)"
        );
    }
    let existing: Option<Value> = match &found.daemon_json {
        Some(text) if !text.trim().is_empty() => {
            let value: Value = serde_json::from_str(text).map_err(|_| {
                anyhow!("{DAEMON_JSON} is not valid JSON; fix it on the host first (nothing was changed)")
            })?;
            if !value.is_object() {
                bail!(
                    "{DAEMON_JSON} is not a JSON object; fix it on the host first (nothing was changed)"
                );
            }
            Some(value)
        }
        _ => None,
    };
    let mut notes = Vec::new();

    // dockerd's command line: systemd's answer, else the unit files on disk; the init script's
    // DOCKER_OPTS. Debian's unit also reads DOCKER_OPTS (EnvironmentFile=-/etc/default/docker).
    let unit = match init {
        InitSystem::Systemd => found
            .systemctl_exec_start
            .clone()
            .map(|line| (line, "systemctl show docker.service".to_string()))
            .or_else(|| {
                discover::exec_start_from_unit_files(&found.unit_files).map(|u| {
                    let from: Vec<String> =
                        u.from.iter().map(|p| p.display().to_string()).collect();
                    (u.line, from.join(", "))
                })
            }),
        InitSystem::Sysv => None,
    };
    let opts = found.default_docker.as_deref().and_then(docker_opts);

    // Listening addresses: the local sockets dockerd already serves, and TLS on `port`.
    let mut hosts: Vec<String> = Vec::new();
    let mut old_hosts: Vec<String> = existing
        .as_ref()
        .and_then(|v| v.get("hosts"))
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|h| h.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    if let Some((line, _)) = &unit {
        old_hosts.extend(line_hosts(line));
    }
    if let Some(opts) = &opts {
        old_hosts.extend(line_hosts(opts));
    }
    for host in &old_hosts {
        if host.starts_with("unix://") {
            if !hosts.contains(host) {
                hosts.push(host.clone());
            }
        } else if !host.starts_with("fd://") && *host != format!("tcp://0.0.0.0:{port}") {
            // fd:// is systemd's socket; dockerd serves the unix socket itself instead.
            notes.push(format!("dockerd stops listening on {host}"));
        }
    }
    if !hosts.iter().any(|h| h.starts_with("unix://")) {
        hosts.insert(0, UNIX_SOCKET.to_string());
    }
    hosts.push(format!("tcp://0.0.0.0:{port}"));

    let files = tls_files(tls_dir);
    let (merged, _) = daemon_json::merge(existing.clone(), &files, &hosts);
    let daemon_json = serde_json::to_string_pretty(&merged)? + "\n";
    let old_text = existing
        .as_ref()
        .map(|v| serde_json::to_string_pretty(v).unwrap_or_default() + "\n")
        .unwrap_or_default();
    let daemon_json_diff = line_diff(&old_text, &daemon_json);

    let mut out_files = vec![RemoteFile {
        path: PathBuf::from(DAEMON_JSON),
        mode: 0o644,
        what: "dockerd configuration".to_string(),
        existed: found.daemon_json.is_some(),
        contents: zeroize::Zeroizing::new(daemon_json.clone().into_bytes()),
    }];
    if let Some((line, _)) = &unit
        && daemon_json::has_host_flag(line)
    {
        out_files.push(RemoteFile {
            path: PathBuf::from(DROP_IN),
            mode: 0o644,
            what: "systemd drop-in: the unit's command line without -H".to_string(),
            existed: found
                .unit_files
                .iter()
                .any(|(p, _)| p == Path::new(DROP_IN)),
            contents: zeroize::Zeroizing::new(daemon_json::drop_in(line).into_bytes()),
        });
    }
    if let Some(text) = &found.default_docker
        && let Some(edited) = strip_hosts_from_default(text)
    {
        out_files.push(RemoteFile {
            path: PathBuf::from(DEFAULT_DOCKER),
            mode: 0o644,
            what: "DOCKER_OPTS without -H".to_string(),
            existed: true,
            contents: zeroize::Zeroizing::new(edited.into_bytes()),
        });
    }
    let restart = match init {
        InitSystem::Systemd => {
            "systemctl daemon-reload && systemctl restart docker.service".to_string()
        }
        InitSystem::Sysv if found.has_service => "service docker restart".to_string(),
        InitSystem::Sysv => "/etc/init.d/docker restart".to_string(),
    };
    let command_line =
        unit.or_else(|| opts.map(|o| (format!("DOCKER_OPTS={o}"), DEFAULT_DOCKER.to_string())));
    Ok(Changes {
        daemon_json,
        daemon_json_diff,
        files: out_files,
        command_line,
        hosts,
        restart,
        notes,
    })
}

fn line_hosts(line: &str) -> Vec<String> {
    let words: Vec<String> = line.split_whitespace().map(str::to_string).collect();
    crate::x509::audit::command_line_hosts(&words)
}

/// The value of the last `DOCKER_OPTS=` line of /etc/default/docker, unquoted.
pub fn docker_opts(text: &str) -> Option<String> {
    text.lines()
        .filter_map(|line| line.trim().strip_prefix("DOCKER_OPTS="))
        .next_back()
        .map(|value| unquote(value.trim()))
}

fn unquote(value: &str) -> String {
    let value = value.trim();
    for q in ['"', '\''] {
        if let Some(inner) = value.strip_prefix(q).and_then(|v| v.strip_suffix(q)) {
            return inner.to_string();
        }
    }
    value.to_string()
}

/// /etc/default/docker with `-H`/`--host` removed from every `DOCKER_OPTS=` line (other lines
/// and comments kept); `None` when there is nothing to remove.
pub fn strip_hosts_from_default(text: &str) -> Option<String> {
    let mut changed = false;
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches('\n');
        let trimmed = body.trim_start();
        if let Some(value) = trimmed.strip_prefix("DOCKER_OPTS=") {
            let opts = unquote(value);
            if daemon_json::has_host_flag(&opts) {
                let kept = daemon_json::without_hosts(&opts);
                let indent = &body[..body.len() - trimmed.len()];
                out.push_str(&format!("{indent}DOCKER_OPTS=\"{kept}\""));
                if line.ends_with('\n') {
                    out.push('\n');
                }
                changed = true;
                continue;
            }
        }
        out.push_str(line);
    }
    changed.then_some(out)
}

/// A line diff (longest common subsequence), `-`/`+`/two spaces in front.
pub fn line_diff(old: &str, new: &str) -> Vec<String> {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let mut table = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            table[i][j] = if a[i] == b[j] {
                table[i + 1][j + 1] + 1
            } else {
                table[i + 1][j].max(table[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            out.push(format!("  {}", a[i]));
            i += 1;
            j += 1;
        } else if i < a.len() && (j == b.len() || table[i + 1][j] >= table[i][j + 1]) {
            out.push(format!("- {}", a[i]));
            i += 1;
        } else {
            out.push(format!("+ {}", b[j]));
            j += 1;
        }
    }
    out
}

/// Writes stdin to `file.path` by a temporary file in the same directory and a rename (so dockerd
/// never reads half a file), with its final mode before the rename; an existing file is first
/// copied to `<path>.dockcert-backup-<stamp>` and the script prints `existed`.
pub fn install_script(file: &RemoteFile, stamp: &str) -> String {
    let path = quote(&file.path.display().to_string());
    format!(
        "set -e; umask 077; p={path}; d=$(dirname \"$p\"); [ -d \"$d\" ] || mkdir -p -m 0755 \"$d\"; \
         t=$(mktemp \"$d/.dockcert.XXXXXX\"); trap 'rm -f \"$t\"' EXIT; cat > \"$t\"; chmod {mode:04o} \"$t\"; \
         if [ -e \"$p\" ]; then cp -p \"$p\" \"$p.dockcert-backup-{stamp}\"; echo existed; fi; mv -f \"$t\" \"$p\"; trap - EXIT",
        mode = file.mode
    )
}

/// Installs every file in one round trip: their contents follow each other on stdin (`head -c`
/// reads exactly each one's size), each is written like [`install_script`] does, and a line
/// `installed existed|new PATH` is printed after each rename (so a failure midway still says what
/// to restore).
pub fn install_all_script(files: &[RemoteFile], stamp: &str) -> String {
    let mut script = String::from(
        "set -e; umask 077; t=''; trap 'if [ -n \"$t\" ]; then rm -f \"$t\"; fi' EXIT; \
         one() { p=$1; d=$(dirname \"$p\"); [ -d \"$d\" ] || mkdir -p -m 0755 \"$d\"; \
         t=$(mktemp \"$d/.dockcert.XXXXXX\"); head -c \"$3\" > \"$t\"; \
         if [ \"$(wc -c < \"$t\")\" -ne \"$3\" ]; then echo \"dockcert: short input for $p\" >&2; exit 1; fi; \
         chmod \"$2\" \"$t\"; e=new; \
         if [ -e \"$p\" ]; then cp -p \"$p\" \"$p.dockcert-backup-",
    );
    script.push_str(stamp);
    script.push_str("\"; e=existed; fi; mv -f \"$t\" \"$p\"; t=''; echo \"installed $e $p\"; }; ");
    for file in files {
        script.push_str(&format!(
            "one {} {:04o} {}; ",
            quote(&file.path.display().to_string()),
            file.mode,
            file.contents.len()
        ));
    }
    script.push_str("true");
    script
}

/// The files [`install_all_script`] reported installed, with whether each existed before.
pub fn parse_installed(text: &str) -> Vec<(PathBuf, bool)> {
    text.lines()
        .filter_map(|line| {
            let rest = line.strip_prefix("installed ")?;
            let (state, path) = rest.split_once(' ')?;
            Some((PathBuf::from(path), state == "existed"))
        })
        .collect()
}

/// Puts back what [`install_script`] replaced (or removes what it created) for each file.
pub fn restore_script(files: &[(PathBuf, bool)], stamp: &str) -> String {
    let mut script = String::from("r=0; ");
    for (path, existed) in files {
        let path = quote(&path.display().to_string());
        if *existed {
            script.push_str(&format!(
                "p={path}; if cp -p \"$p.dockcert-backup-{stamp}\" \"$p.dockcert-restore\" && mv -f \"$p.dockcert-restore\" \"$p\"; then :; else r=1; fi; "
            ));
        } else {
            script.push_str(&format!("rm -f {path} || r=1; "));
        }
    }
    script.push_str("exit $r");
    script
}

/// Whether dockerd runs (exit status 0).
pub fn status_command(init: InitSystem) -> &'static str {
    match init {
        InitSystem::Systemd => "systemctl is-active --quiet docker.service",
        InitSystem::Sysv => "/etc/init.d/docker status >/dev/null 2>&1",
    }
}

/// dockerd's last log lines.
pub fn log_command(init: InitSystem) -> &'static str {
    match init {
        InitSystem::Systemd => {
            "journalctl -u docker.service -n 12 --no-pager -o cat 2>/dev/null || true"
        }
        InitSystem::Sysv => "tail -n 12 /var/log/docker.log 2>/dev/null || true",
    }
}

/// `dockerd --validate` on the merged file (sent on stdin), where dockerd has it.
pub const VALIDATE_SCRIPT: &str = "t=$(mktemp /etc/docker/.dockcert-validate.XXXXXX) || exit 1; cat > \"$t\"; \
     dockerd --validate --config-file \"$t\"; r=$?; rm -f \"$t\"; exit $r";

/// A host that dockcert provisioned, as recorded in its home (`hosts.json`) so that `renew` and
/// `rotate-ca` can push new files the same safe way.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provisioned {
    /// The destination as given (`user@host:port`).
    pub destination: String,
    /// The address clients use (ssh's resolved HostName).
    pub address: String,
    /// The TLS port.
    pub port: u16,
    /// The server files' directory on the host.
    pub tls_dir: PathBuf,
    /// The docker context made for it.
    pub context: Option<String>,
    /// `--ssh-config`, when one was given.
    pub ssh_config: Option<PathBuf>,
    /// The serial of the server certificate installed.
    pub serial: String,
}

/// `hosts.json`: every host provisioned from this home.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProvisionedHosts {
    /// The hosts, in the order they were first provisioned.
    pub hosts: Vec<Provisioned>,
}

impl ProvisionedHosts {
    /// Reads `hosts.json` (absent: none).
    pub fn read(path: &Path) -> Result<ProvisionedHosts> {
        match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str(&text).map_err(|err| {
                anyhow!(
                    "{} is damaged ({err}); move it away to start over",
                    path.display()
                )
            }),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(err) => Err(anyhow!("failed to read {}: {err}", path.display())),
        }
    }

    /// Adds or replaces the host with the same destination.
    pub fn upsert(&mut self, host: Provisioned) {
        match self
            .hosts
            .iter_mut()
            .find(|h| h.destination == host.destination)
        {
            Some(known) => *known = host,
            None => self.hosts.push(host),
        }
    }

    /// As written.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(text: &str) -> String {
        const TABLE: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for chunk in text.as_bytes().chunks(3) {
            let n = chunk.len();
            let v = (u32::from(chunk[0]) << 16)
                | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
                | u32::from(*chunk.get(2).unwrap_or(&0));
            for i in 0..4 {
                if i <= n {
                    out.push(TABLE[((v >> (18 - 6 * i)) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    const DEBIAN_UNIT: &str = "[Service]\nEnvironmentFile=-/etc/default/docker\nExecStart=/usr/sbin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock $DOCKER_OPTS\n";

    fn discovery(init: &str, daemon_json: Option<&str>, default: Option<&str>) -> String {
        format!(
            "\n@@dockcert:uid\n0\n@@dockcert:os\nDebian GNU/Linux 12 (bookworm)\n@@dockcert:init\n{init}\n\
             @@dockcert:service\n/usr/sbin/service\n@@dockcert:dockerd\nDocker version 20.10.24+dfsg1, build 5d6db84\n\
             @@dockcert:daemon.json\n{}\n@@dockcert:systemctl\n\
             @@dockcert:units\n/lib/systemd/system/docker.service {}\n@@dockcert:default\n{}\n\
             @@dockcert:running\nyes\n@@dockcert:listen\nLISTEN 0 128 10.9.0.2:22 0.0.0.0:* users:((\"sshd\",pid=5,fd=3))\n\
             LISTEN 0 4096 *:2375 *:* users:((\"dockerd\",pid=9,fd=3))\n\
             @@dockcert:fqdn\nd1.example.test\n@@dockcert:addrs\n1: lo    inet 127.0.0.1/8 scope host lo\n\
             2: eth0    inet 10.9.0.2/30 scope global eth0\n2: eth0    inet6 fe80::1/64 scope link\n\
             2: eth0    inet6 2001:db8::2/64 scope global\n@@dockcert:end\n",
            daemon_json.map(b64).unwrap_or_default(),
            b64(DEBIAN_UNIT),
            default.map(b64).unwrap_or_default(),
        )
    }

    #[test]
    fn discovery_reads_every_section() {
        let found = parse_discovery(&discovery("systemd", Some("{\"debug\":true}"), None)).unwrap();
        assert_eq!(found.uid, Some(0));
        assert_eq!(found.init, Some(InitSystem::Systemd));
        assert!(found.dockerd_version.unwrap().contains("20.10.24"));
        assert!(!found.can_validate);
        assert!(has_validate("Docker version 28.2.2, build e6534b4"));
        assert!(!has_validate(
            "Docker version 20.10.24+dfsg1, build 5d6db84"
        ));
        assert!(!has_validate("garbage"));
        assert_eq!(found.daemon_json.as_deref(), Some("{\"debug\":true}"));
        assert_eq!(found.unit_files[0].1, DEBIAN_UNIT);
        assert!(found.running);
        assert_eq!(found.fqdn.as_deref(), Some("d1.example.test"));
        assert_eq!(
            found.addresses,
            [
                "10.9.0.2".parse::<IpAddr>().unwrap(),
                "2001:db8::2".parse().unwrap()
            ]
        );
        assert_eq!(
            found.listeners[1],
            ("*".to_string(), 2375, "dockerd".to_string())
        );
        assert!(
            parse_discovery("@@dockcert:uid\n0\n").is_err(),
            "a cut-off answer"
        );
    }

    #[test]
    fn systemd_with_fd_keeps_other_keys_and_drops_h_from_the_real_unit_line() {
        let found = parse_discovery(&discovery(
            "systemd",
            Some("{\"log-level\":\"warn\",\"hosts\":[\"tcp://0.0.0.0:2375\"]}"),
            None,
        ))
        .unwrap();
        let changes = plan_changes(&found, Path::new(DEFAULT_TLS_DIR), 2376).unwrap();
        let merged: Value = serde_json::from_str(&changes.daemon_json).unwrap();
        assert_eq!(merged["log-level"], "warn");
        assert_eq!(
            merged["hosts"],
            serde_json::json!([UNIX_SOCKET, "tcp://0.0.0.0:2376"])
        );
        assert_eq!(merged["tlskey"], "/etc/docker/tls/server-key.pem");
        assert!(
            changes
                .notes
                .iter()
                .any(|n| n.contains("tcp://0.0.0.0:2375"))
        );
        let drop_in = &changes.files[1];
        assert_eq!(drop_in.path, Path::new(DROP_IN));
        let text = String::from_utf8(drop_in.contents.to_vec()).unwrap();
        assert!(
            text.contains("ExecStart=\nExecStart=/usr/sbin/dockerd --containerd=/run/containerd/containerd.sock $DOCKER_OPTS\n"),
            "{text}"
        );
        assert_eq!(
            changes.restart,
            "systemctl daemon-reload && systemctl restart docker.service"
        );
        assert!(
            changes
                .daemon_json_diff
                .contains(&"+   \"tls\": true,".to_string()),
            "{:?}",
            changes.daemon_json_diff
        );
        assert!(
            changes
                .daemon_json_diff
                .iter()
                .any(|l| l.starts_with("- ") && l.contains("2375"))
        );
    }

    #[test]
    fn sysv_edits_docker_opts_and_uses_service() {
        let default = "# comment\nDOCKER_OPTS=\"-H tcp://0.0.0.0:2375 --dns 8.8.8.8\"\n";
        let found = parse_discovery(&discovery("sysv", None, Some(default))).unwrap();
        let changes = plan_changes(&found, Path::new("/srv/tls"), 2376).unwrap();
        assert_eq!(
            changes.files.len(),
            2,
            "daemon.json and /etc/default/docker"
        );
        assert!(!changes.files[0].existed);
        assert_eq!(
            String::from_utf8(changes.files[1].contents.to_vec()).unwrap(),
            "# comment\nDOCKER_OPTS=\"--dns 8.8.8.8\"\n"
        );
        assert_eq!(changes.restart, "service docker restart");
        assert_eq!(strip_hosts_from_default("DOCKER_OPTS=\"--debug\"\n"), None);
        let merged: Value = serde_json::from_str(&changes.daemon_json).unwrap();
        assert_eq!(merged["tlscacert"], "/srv/tls/ca.pem");
    }

    #[test]
    fn refusals_come_before_any_change() {
        let mut found = parse_discovery(&discovery("sysv", Some("[1]"), None)).unwrap();
        let err = plan_changes(&found, Path::new("/t"), 2376)
            .unwrap_err()
            .to_string();
        assert!(err.contains("not a JSON object"), "{err}");
        found.daemon_json = None;
        found.dockerd_version = None;
        let err = plan_changes(&found, Path::new("/t"), 2376)
            .unwrap_err()
            .to_string();
        assert!(err.contains("dockerd is not installed"), "{err}");
    }

    #[test]
    fn scripts_quote_paths_and_keep_backups() {
        let file = RemoteFile {
            path: PathBuf::from("/etc/docker/tls/server-key.pem"),
            mode: 0o400,
            what: String::new(),
            existed: true,
            contents: zeroize::Zeroizing::new(Vec::new()),
        };
        let script = install_script(&file, "20260101T000000Z");
        assert!(script.contains("chmod 0400"), "{script}");
        assert!(
            script.contains("p=/etc/docker/tls/server-key.pem;"),
            "{script}"
        );
        assert!(
            script.contains("\"$p.dockcert-backup-20260101T000000Z\""),
            "{script}"
        );
        let restore = restore_script(
            &[
                (PathBuf::from("/etc/docker/daemon.json"), true),
                (PathBuf::from("/x y"), false),
            ],
            "S",
        );
        assert!(
            restore.contains("p=/etc/docker/daemon.json; if cp -p \"$p.dockcert-backup-S\""),
            "{restore}"
        );
        assert!(restore.contains("rm -f '/x y'"), "{restore}");
        assert_eq!(line_diff("a\nb\n", "a\nc\n"), ["  a", "- b", "+ c"]);
        let all = install_all_script(&[file], "S");
        assert!(
            all.contains("one /etc/docker/tls/server-key.pem 0400 0;"),
            "{all}"
        );
        assert_eq!(
            parse_installed("installed existed /a b\ninstalled new /c\nother\n"),
            [(PathBuf::from("/a b"), true), (PathBuf::from("/c"), false)]
        );
    }

    #[test]
    fn the_login_says_who_and_whether_sudo_is_used_or_refused() {
        assert_eq!(
            parse_login("@@dockcert:login\n0 root\n@@dockcert:uid\n0\n"),
            Ok(("root".to_string(), false))
        );
        assert_eq!(
            parse_login("@@dockcert:login\n1000 deploy\n@@dockcert:sudo\nyes\n@@dockcert:uid\n0\n"),
            Ok(("deploy".to_string(), true))
        );
        assert_eq!(
            parse_login(
                "@@dockcert:login\n1000 alice\n@@dockcert:refused\nsudo\nsudo: a password is required\n"
            ),
            Err(Refused::Sudo {
                user: "alice".to_string(),
                said: "sudo: a password is required".to_string()
            })
        );
        assert_eq!(
            parse_login("@@dockcert:login\n1000 alice\n@@dockcert:refused\nno-sudo\n"),
            Err(Refused::NoSudo {
                user: "alice".to_string()
            })
        );
        assert!(look_script(None).contains("s=auto"));
    }
}

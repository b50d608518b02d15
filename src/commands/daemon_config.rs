//! `dockcert daemon-config`: the daemon side of mutual TLS in daemon.json, merged into what is
//! there, with the systemd `hosts` conflict detected and resolved by a drop-in.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, anyhow, bail};
use serde_json::Value;
use time::OffsetDateTime;

use crate::cli::DaemonConfigArgs;
use crate::docker::daemon_json::{drop_in, drop_in_path, has_host_flag, merge};
use crate::docker::{Layout, TlsFiles};
use crate::env::Env;
use crate::report::DaemonConfigReport;
use crate::store::home::Home;
use crate::store::{self, Plan};

/// The default listening addresses: the local socket and TLS on every interface.
pub const DEFAULT_HOSTS: [&str; 2] = ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2376"];

/// Runs `daemon-config`.
pub fn run(args: &DaemonConfigArgs, env: &Env, now: OffsetDateTime) -> Result<DaemonConfigReport> {
    let home = Home::resolve(args.home.as_deref(), env.dockcert_home.as_deref())?;
    let daemon_dir =
        crate::env::absolute(&args.daemon_dir.clone().unwrap_or_else(|| home.daemon_dir()))?;
    let files = Layout::Daemon.files_in(&daemon_dir);
    for file in [&files.ca, &files.cert, &files.key] {
        if !file.is_file() {
            bail!(
                "{} does not exist; make the daemon's files with 'dockcert init' or give --daemon-dir DIR",
                file.display()
            );
        }
    }
    let hosts: Vec<String> = if args.hosts.is_empty() {
        DEFAULT_HOSTS.iter().map(ToString::to_string).collect()
    } else {
        args.hosts.clone()
    };
    for host in &hosts {
        check_host(host)?;
    }
    let config_path = crate::env::absolute(&args.config)?;
    let existing = read_config(&config_path)?;
    let (merged, changes) = merge(existing.clone(), &files, &hosts);
    let text = to_json(&merged)?;

    // The hosts conflict: -H on dockerd's command line and "hosts" in daemon.json.
    let exec_start = if args.systemd {
        // Where systemd does not answer (image builds, chroots): the unit files on disk, never a
        // guessed stock line (Debian's unit runs /usr/sbin/dockerd … $DOCKER_OPTS).
        let files = crate::docker::discover::local_unit_files(&args.unit_root);
        let unit = crate::docker::discover::exec_start_from_unit_files(&files).ok_or_else(|| {
            anyhow!(
                "--systemd: found no docker.service with an ExecStart in {} under {}; without the \
                 unit's own command line a drop-in would start a different dockerd",
                crate::docker::discover::UNIT_DIRS.join(", "),
                args.unit_root.display()
            )
        })?;
        Some(unit.line)
    } else {
        systemd_exec_start()
    };
    let drop_in = exec_start
        .as_deref()
        .filter(|line| has_host_flag(line))
        .map(|line| (drop_in_path(&args.systemd_dir), drop_in(line)));
    let validation = validate(&text, &merged, &files)?;

    let mut written = Vec::new();
    if args.apply {
        // Journaled in the home when there is one (the daemon's files usually live there).
        let _lock = if home.root().is_dir() {
            Some(super::lock_home(&home)?)
        } else {
            None
        };
        let mut plan = if home.root().is_dir() {
            home.plan()
        } else {
            Plan::default()
        };
        plan.add(config_path.clone(), text.as_bytes(), 0o644);
        if let Some((path, contents)) = &drop_in {
            plan.add(path.clone(), contents.as_bytes(), 0o644);
        }
        // Replacing daemon.json (and an earlier drop-in) keeps the old file as a backup.
        written = store::apply(&plan, true, now)?;
    }
    Ok(DaemonConfigReport {
        config: config_path,
        applied: args.apply,
        daemon_json: merged,
        changes,
        exec_start,
        drop_in,
        validation,
        backups: written.into_iter().filter_map(|w| w.backup).collect(),
    })
}

fn check_host(host: &str) -> Result<()> {
    let scheme = host.split_once("://").map(|(scheme, _)| scheme);
    match scheme {
        Some("unix" | "tcp" | "fd") => Ok(()),
        _ => bail!("--host {host}: give unix:///path, tcp://ADDR:PORT or fd://"),
    }
}

fn read_config(path: &Path) -> Result<Option<Value>> {
    match crate::bounded::read_to_string(path) {
        Ok(text) if text.trim().is_empty() => Ok(None),
        Ok(text) => {
            let value: Value = serde_json::from_str(&text).map_err(|err| {
                anyhow!(
                    "{} is not valid JSON ({err}); fix it first — it was left untouched",
                    path.display()
                )
            })?;
            if !value.is_object() {
                bail!(
                    "{} is not a JSON object; fix it first — it was left untouched",
                    path.display()
                );
            }
            Ok(Some(value))
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(err).with_context(|| format!("failed to read {}", path.display())),
    }
}

fn to_json(value: &Value) -> Result<String> {
    Ok(serde_json::to_string_pretty(value)? + "\n")
}

/// ExecStart of docker.service, from systemctl, when systemd runs here.
fn systemd_exec_start() -> Option<String> {
    let out = Command::new("systemctl")
        .args(["show", "docker.service", "--property=ExecStart"])
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    crate::docker::discover::exec_start_from_systemctl_show(&String::from_utf8_lossy(&out.stdout))
}

/// Asks dockerd to validate the file when it can (`--validate`, Docker 23 and later); otherwise
/// checks the keys and files itself and says so.
fn validate(text: &str, merged: &Value, files: &TlsFiles) -> Result<String> {
    let help = Command::new("dockerd").arg("--help").output();
    let supports = help
        .as_ref()
        .map(|out| String::from_utf8_lossy(&out.stdout).contains("--validate"))
        .unwrap_or(false);
    if supports {
        // The document goes in on standard input: nothing is written before --apply.
        let mut child = Command::new("dockerd")
            .args(["--validate", "--config-file", "/dev/stdin"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .context("failed to run dockerd --validate")?;
        if let Some(mut stdin) = child.stdin.take() {
            use std::io::Write;
            stdin
                .write_all(text.as_bytes())
                .context("failed to pass daemon.json to dockerd --validate")?;
        }
        let out = child
            .wait_with_output()
            .context("failed to run dockerd --validate")?;
        if !out.status.success() {
            bail!(
                "dockerd --validate rejects the merged daemon.json: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        return Ok("dockerd --validate accepts it".to_string());
    }
    // Our own check of what we set: types, and files dockerd will open.
    let object = merged
        .as_object()
        .ok_or_else(|| anyhow!("internal error: not an object"))?;
    for key in ["tls", "tlsverify"] {
        if !object.get(key).is_some_and(Value::is_boolean) {
            bail!("daemon.json: '{key}' must be true or false");
        }
    }
    for path in [&files.ca, &files.cert, &files.key] {
        crate::bounded::open(path)
            .with_context(|| format!("dockerd would not be able to read {}", path.display()))?;
    }
    let version = match help {
        Ok(_) => Command::new("dockerd")
            .arg("--version")
            .output()
            .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_string())
            .unwrap_or_default(),
        Err(_) => "no dockerd here".to_string(),
    };
    Ok(format!(
        "checked by dockcert (keys, types and files): this dockerd cannot validate a configuration ({})",
        if version.is_empty() {
            "unknown version".to_string()
        } else {
            version
        }
    ))
}

//! What the commands that write Docker's own configuration print: `context create` and
//! `daemon-config`.

use std::fmt::Write as _;
use std::path::PathBuf;

use serde::Serialize;

use super::write_stdout;

/// What `context create` wrote.
#[derive(Debug, Serialize)]
pub struct ContextReport {
    /// The context's name.
    pub name: String,
    /// Its docker endpoint.
    pub host: String,
    /// Its meta.json.
    pub meta: PathBuf,
    /// The directory of its TLS copies.
    pub tls_dir: PathBuf,
    /// Whether it is now the current context.
    pub current: bool,
    /// Whether dockcert's inventory records the copies (so that renewal refreshes them).
    pub recorded: bool,
    /// Files kept as backups (a replaced context, config.json).
    pub backups: Vec<PathBuf>,
}

/// Prints what `context create` wrote.
pub fn print_context(report: &ContextReport, json: bool) -> anyhow::Result<()> {
    if json {
        return write_stdout(&(serde_json::to_string_pretty(report)? + "\n"));
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Created the docker context '{}' for {}.",
        report.name, report.host
    );
    let _ = writeln!(out, "  {}", report.meta.display());
    let _ = writeln!(
        out,
        "  {}/{{ca,cert,key}}.pem (0600)",
        report.tls_dir.display()
    );
    if report.recorded {
        out.push_str("Its certificate is in dockcert's inventory: 'dockcert renew' refreshes these copies.\n");
    }
    if report.current {
        let _ = writeln!(
            out,
            "It is now the current context: 'docker version' uses it."
        );
    } else {
        let _ = writeln!(
            out,
            "Use it with 'docker --context {0} version' or 'docker context use {0}'.",
            report.name
        );
    }
    write_stdout(&out)
}

/// What `daemon-config` produced.
#[derive(Debug, Serialize)]
pub struct DaemonConfigReport {
    /// The daemon.json.
    pub config: PathBuf,
    /// Whether it was written.
    pub applied: bool,
    /// The merged document.
    pub daemon_json: serde_json::Value,
    /// What changed, `key: old -> new`.
    pub changes: Vec<String>,
    /// dockerd's command line under systemd, when known.
    pub exec_start: Option<String>,
    /// The systemd drop-in needed (path, contents), when the command line sets -H.
    pub drop_in: Option<(PathBuf, String)>,
    /// How the result was validated.
    pub validation: String,
    /// Files kept as backups.
    pub backups: Vec<PathBuf>,
}

/// Prints what `daemon-config` produced.
pub fn print_daemon_config(report: &DaemonConfigReport, json: bool) -> anyhow::Result<()> {
    if json {
        return write_stdout(&(serde_json::to_string_pretty(report)? + "\n"));
    }
    let mut out = String::new();
    let verb = if report.applied {
        "Wrote"
    } else {
        "Would write"
    };
    let _ = writeln!(out, "{verb} {}:", report.config.display());
    out.push_str(&serde_json::to_string_pretty(&report.daemon_json)?);
    out.push_str("\n\nChanges:\n");
    if report.changes.is_empty() {
        out.push_str("  none: it already serves mutual TLS with these files\n");
    }
    for change in &report.changes {
        let _ = writeln!(out, "  {change}");
    }
    let _ = writeln!(out, "\nValidation: {}.", report.validation);
    if let Some((path, contents)) = &report.drop_in {
        let _ = writeln!(
            out,
            "\ndockerd's systemd command line sets -H ({}), which conflicts with \"hosts\" in daemon.json;\n{} {}:\n{contents}",
            report.exec_start.as_deref().unwrap_or_default(),
            if report.applied {
                "wrote"
            } else {
                "would write"
            },
            path.display()
        );
    }
    for backup in &report.backups {
        let _ = writeln!(out, "The previous file was kept as {}.", backup.display());
    }
    if report.applied {
        out.push_str("\nRestart dockerd to use it (dockcert never does):\n  sudo systemctl daemon-reload && sudo systemctl restart docker\n");
    } else {
        out.push_str("\nRun again with --apply to write it.\n");
    }
    write_stdout(&out)
}

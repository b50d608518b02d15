//! What `provision` prints: the plan (`--dry-run`), the final table, and `--json`.

use std::fmt::Write as _;

use serde::Serialize;

use crate::docker::host::{Changes, RemoteFile};

/// One host's plan, as `--dry-run` prints it.
#[derive(Debug, Serialize)]
pub struct HostPlan {
    /// The host as given.
    pub host: String,
    /// OS, init system and dockerd version.
    pub found: String,
    /// Whether changes run under `sudo -n`.
    pub sudo: bool,
    /// How the new daemon.json is validated before the restart.
    pub validation: String,
    /// What the restart means for running containers.
    pub containers: String,
    /// The certificate's SANs.
    pub sans: Vec<String>,
    /// The TLS files to install.
    pub tls_files: Vec<RemoteFile>,
    /// The configuration changes.
    pub changes: Changes,
    /// The docker endpoint clients get.
    pub endpoint: String,
}

/// One host's result.
#[derive(Debug, Default, Serialize)]
pub struct HostOutcome {
    /// The host as given.
    pub host: String,
    /// Whether it serves mutual TLS now, checked.
    pub ok: bool,
    /// `provisioned`, `rolled back`, `failed`, `planned`.
    pub result: String,
    /// What went wrong, as a sentence.
    pub error: Option<String>,
    /// dockerd's last log lines, when it did not come back.
    pub dockerd_log: Vec<String>,
    /// The certificate's SANs.
    pub sans: Vec<String>,
    /// The check's TLS version.
    pub tls_version: Option<String>,
    /// The engine's version, from the check.
    pub engine_version: Option<String>,
    /// The docker endpoint, e.g. `tcp://10.0.0.5:2376`.
    pub endpoint: Option<String>,
    /// The docker context written.
    pub context: Option<String>,
    /// The server certificate's serial.
    pub serial: Option<String>,
    /// Seconds for the whole host.
    pub seconds: f64,
    /// Seconds from the restart command until the TLS port answered.
    pub restart_seconds: f64,
    /// Other things worth knowing (what else changed, a context not written).
    pub notes: Vec<String>,
}

/// What `provision` did.
#[derive(Debug, Serialize)]
pub struct ProvisionReport {
    /// `--dry-run`.
    pub dry_run: bool,
    /// The plans (`--dry-run`).
    pub plans: Vec<HostPlan>,
    /// Every host's result, in the order given.
    pub hosts: Vec<HostOutcome>,
    /// Seconds for the whole run.
    pub seconds: f64,
}

impl ProvisionReport {
    /// Whether every host succeeded.
    pub fn all_ok(&self) -> bool {
        self.hosts.iter().all(|h| h.ok)
    }
}

/// Prints the report.
pub fn print(report: &ProvisionReport, json: bool) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(report)?);
    } else {
        print!("{}", text(report));
    }
    Ok(())
}

/// The report as text.
pub fn text(report: &ProvisionReport) -> String {
    let mut out = String::new();
    for plan in &report.plans {
        let _ = writeln!(out, "Plan for {} ({}):", plan.host, plan.found);
        let _ = writeln!(out, "  certificate SANs: {}", plan.sans.join(", "));
        let _ = writeln!(out, "  files:");
        for file in plan.tls_files.iter().chain(&plan.changes.files) {
            let _ = writeln!(
                out,
                "    {} {:04o}  {}{}",
                file.path.display(),
                file.mode,
                file.what,
                if file.existed {
                    " (the old file is kept as <name>.dockcert-backup-<time>)"
                } else {
                    ""
                }
            );
        }
        let _ = writeln!(out, "  /etc/docker/daemon.json:");
        for line in &plan.changes.daemon_json_diff {
            let _ = writeln!(out, "    {line}");
        }
        let _ = writeln!(out, "  validation: {}", plan.validation);
        if let Some((line, from)) = &plan.changes.command_line {
            let _ = writeln!(out, "  dockerd's command line (from {from}): {line}");
        }
        let _ = writeln!(
            out,
            "  commands{}:",
            if plan.sudo { " (under sudo -n)" } else { "" }
        );
        let _ = writeln!(out, "    {}", plan.changes.restart);
        let _ = writeln!(out, "      ({})", plan.containers);
        let _ = writeln!(
            out,
            "    then: wait for {}, check it as 'dockcert verify' does, roll back if it fails",
            plan.endpoint
        );
        for note in &plan.changes.notes {
            let _ = writeln!(out, "  note: {note}");
        }
        out.push('\n');
    }
    let failed: Vec<&HostOutcome> = report.hosts.iter().filter(|h| !h.ok).collect();
    if report.dry_run {
        for host in &failed {
            let _ = writeln!(
                out,
                "{}: {}",
                host.host,
                host.error.as_deref().unwrap_or("failed")
            );
        }
        let _ = writeln!(out, "Dry run: nothing was changed on any host.");
        return out;
    }
    let rows: Vec<[String; 6]> = report
        .hosts
        .iter()
        .map(|h| {
            [
                h.host.clone(),
                h.result.clone(),
                if h.sans.is_empty() {
                    "-".to_string()
                } else {
                    h.sans.join(",")
                },
                h.tls_version.clone().unwrap_or_else(|| "-".to_string()),
                h.engine_version.clone().unwrap_or_else(|| "-".to_string()),
                format!("{:.1}s", h.seconds),
            ]
        })
        .collect();
    let header = ["HOST", "RESULT", "SANS", "TLS", "ENGINE", "TIME"];
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let mut text = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                text.push_str(cell);
            } else {
                let _ = write!(text, "{cell:<width$}  ", width = widths[i]);
            }
        }
        text.trim_end().to_string() + "\n"
    };
    out.push_str(&line(&header.map(str::to_string)));
    for row in &rows {
        out.push_str(&line(row));
    }
    for host in &report.hosts {
        if let Some(error) = &host.error {
            let _ = writeln!(out, "\n{}: {error}", host.host);
            for log in &host.dockerd_log {
                let _ = writeln!(out, "    dockerd: {log}");
            }
        }
        for note in &host.notes {
            let _ = writeln!(out, "{}: note: {note}", host.host);
        }
    }
    let contexts: Vec<&str> = report
        .hosts
        .iter()
        .filter(|h| h.ok)
        .filter_map(|h| h.context.as_deref())
        .collect();
    if !contexts.is_empty() {
        let _ = writeln!(out, "\nUse them with: docker --context {} ps", contexts[0]);
        if contexts.len() > 1 {
            let _ = writeln!(out, "Contexts: {}", contexts.join(", "));
        }
    }
    let _ = writeln!(
        out,
        "{} of {} host(s) provisioned in {:.1}s.",
        report.hosts.len() - failed.len(),
        report.hosts.len(),
        report.seconds
    );
    out
}

/// The pushes of `renew` and `rotate-ca` to provisioned hosts, as text (empty when none).
pub fn pushed_text(pushed: &[HostOutcome]) -> String {
    let mut out = String::new();
    if pushed.is_empty() {
        return out;
    }
    out.push_str("\nPushed to the provisioned hosts (dockerd restarted and checked):\n");
    for host in pushed {
        let _ = writeln!(
            out,
            "  {}: {}{}",
            host.host,
            host.result,
            host.error
                .as_deref()
                .map(|e| format!(": {e}"))
                .unwrap_or_default()
        );
        for log in &host.dockerd_log {
            let _ = writeln!(out, "      dockerd: {log}");
        }
    }
    out
}

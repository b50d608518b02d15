//! What `dockcert doctor` prints: per client, where it connects and why; the environment's
//! pitfalls; the audit of the files; the live check of each distinct endpoint; a verdict per
//! client and the commands that fix each problem.

use std::fmt::Write as _;

use serde::Serialize;

use crate::docker::endpoint::{Client, Endpoint, Refusal};
use crate::finding::{Finding, Severity};

use super::{AuditReport, VerifyReport};

/// The version of `doctor --json`'s schema.
pub const DOCTOR_SCHEMA: u32 = 1;

/// Everything `doctor` found.
#[derive(Debug, Serialize)]
pub struct DoctorReport {
    /// The version of this JSON schema.
    pub schema: u32,
    /// True when every client works.
    pub ok: bool,
    /// The docker CLI, then the Python docker SDK.
    pub clients: Vec<ClientView>,
    /// Whether both clients reach the same endpoint with the same files.
    pub same_endpoint: bool,
    /// How they differ, in sentences.
    pub differences: Vec<String>,
    /// Environment pitfalls.
    pub environment: Vec<Finding>,
    /// The audit of the files the clients use and of the context store.
    pub audit: Option<AuditReport>,
    /// The live check of each distinct TLS endpoint.
    pub checks: Vec<VerifyReport>,
    /// The commands that fix each problem, in order, without repeats.
    pub fixes: Vec<String>,
}

/// One client's view.
#[derive(Debug, Serialize)]
pub struct ClientView {
    /// Which client.
    pub client: Client,
    /// Where it connects (None when it refuses to start).
    pub endpoint: Option<Endpoint>,
    /// Its refusal, in its own words.
    pub refusal: Option<Refusal>,
    /// Index into `checks` of its live check.
    pub check: Option<usize>,
    /// The verdict.
    pub verdict: Verdict,
}

/// A client's verdict.
#[derive(Debug, Serialize)]
pub struct Verdict {
    /// works, fails, or no-tls (a socket or ssh: nothing of dockcert's to check).
    pub state: VerdictState,
    /// One sentence.
    pub summary: String,
}

/// The three verdicts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum VerdictState {
    /// The client reaches the daemon with TLS (or its socket answers).
    Works,
    /// The client fails.
    Fails,
    /// No TLS is involved and nothing could be checked (ssh, a named pipe).
    NotChecked,
}

/// Prints the doctor report as text or JSON.
pub fn print_doctor(report: &DoctorReport, json: bool) -> anyhow::Result<()> {
    let text = if json {
        serde_json::to_string_pretty(report)? + "\n"
    } else {
        doctor_text(report)
    };
    super::write_stdout(&text)
}

fn finding_lines(out: &mut String, finding: &Finding, indent: &str) {
    let label = match finding.severity {
        Severity::Info => "ok",
        Severity::Warning => "WARNING",
        Severity::Error => "FAILED",
    };
    let _ = writeln!(out, "{indent}{label:8}{}", finding.message);
    if let Some(fix) = &finding.fix {
        let _ = writeln!(out, "{indent}        fix: {fix}");
    }
}

/// The human text.
pub fn doctor_text(report: &DoctorReport) -> String {
    let mut out = String::from("dockcert doctor: which daemon each client reaches, and why\n");
    for view in &report.clients {
        let _ = writeln!(
            out,
            "\n{}{}",
            view.client.name(),
            match view.client {
                Client::DockerCli => "",
                Client::PythonSdk => " (docker.from_env())",
            }
        );
        if let Some(endpoint) = &view.endpoint {
            for line in endpoint.origin_lines() {
                let _ = writeln!(out, "  {line}");
            }
            for note in &endpoint.notes {
                let _ = writeln!(out, "  note: {note}");
            }
        }
        if let Some(refusal) = &view.refusal {
            for note in &refusal.notes {
                let _ = writeln!(out, "  note: {note}");
            }
            let _ = writeln!(
                out,
                "  refuses to start: \"{}\"\n  because {}",
                refusal.message, refusal.cause
            );
        }
    }
    out.push('\n');
    if report.same_endpoint {
        out.push_str("Both clients reach the same endpoint with the same files.\n");
    } else {
        out.push_str("The two clients DIFFER:\n");
        for difference in &report.differences {
            let _ = writeln!(out, "  {difference}");
        }
    }
    if !report.environment.is_empty() {
        out.push_str("\nEnvironment\n");
        for finding in &report.environment {
            finding_lines(&mut out, finding, "  ");
        }
    }
    if let Some(audit) = &report.audit {
        let _ = writeln!(
            out,
            "\nFiles (dockcert audit): {} error{}, {} warning{}",
            audit.summary.errors,
            if audit.summary.errors == 1 { "" } else { "s" },
            audit.summary.warnings,
            if audit.summary.warnings == 1 { "" } else { "s" }
        );
        for target in &audit.targets {
            let _ = writeln!(out, "  checked {}: {}", target.kind, target.path.display());
        }
        for finding in audit
            .findings
            .iter()
            .filter(|f| f.severity != Severity::Info)
        {
            finding_lines(&mut out, finding, "  ");
        }
    }
    for (i, check) in report.checks.iter().enumerate() {
        let users: Vec<&str> = report
            .clients
            .iter()
            .filter(|c| c.check == Some(i))
            .map(|c| c.client.name())
            .collect();
        let _ = writeln!(
            out,
            "\nLive check of {} (as the {} {} it)",
            check.host,
            users.join(" and the "),
            if users.len() > 1 { "use" } else { "uses" }
        );
        for finding in &check.findings {
            finding_lines(&mut out, finding, "  ");
        }
    }
    out.push_str("\nVerdict\n");
    for view in &report.clients {
        let _ = writeln!(out, "  {}: {}", view.client.name(), view.verdict.summary);
    }
    if !report.fixes.is_empty() {
        out.push_str("\nTo fix\n");
        for fix in &report.fixes {
            let _ = writeln!(out, "  {fix}");
        }
    }
    out
}

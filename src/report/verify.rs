//! What `verify` prints.

use std::fmt::Write as _;
use std::path::PathBuf;

use serde::Serialize;
use time::OffsetDateTime;

use super::write_stdout;

/// What `verify` found, as printed.
#[derive(Debug, Serialize)]
pub struct VerifyReport {
    /// True when the daemon works with these certificates (no error findings).
    pub ok: bool,
    /// The daemon, `tcp://host:port`.
    pub host: String,
    /// The client's files.
    pub ca: PathBuf,
    /// The client certificate.
    pub cert: PathBuf,
    /// The client key.
    pub key: PathBuf,
    /// Every step and problem, in order.
    pub findings: Vec<crate::finding::Finding>,
    /// The TLS session, when the handshake completed.
    pub tls: Option<crate::engine::Session>,
    /// The daemon's certificate, when it presented one.
    pub daemon_certificate: Option<crate::x509::certinfo::CertSummary>,
    /// The engine, when `/version` answered.
    pub engine: Option<crate::engine::Engine>,
    /// Daemon clock minus local clock, in seconds.
    pub clock_skew_seconds: Option<i64>,
    /// Days until the client certificate expires.
    pub client_days_left: Option<i64>,
    /// Days until the (soonest-expiring) CA certificate expires.
    pub ca_days_left: Option<i64>,
    /// When the check ran.
    #[serde(with = "time::serde::rfc3339")]
    pub now: OffsetDateTime,
    /// Where the endpoint and each file came from, and what the client does silently.
    pub origin: Vec<String>,
    /// The endpoint as resolved, each value with its origin.
    pub endpoint: Option<crate::docker::endpoint::Endpoint>,
}

impl VerifyReport {
    /// An empty report for `host` and `files`.
    pub fn new(host: String, files: crate::docker::TlsFiles) -> VerifyReport {
        VerifyReport {
            ok: false,
            host,
            ca: files.ca,
            cert: files.cert,
            key: files.key,
            findings: Vec::new(),
            tls: None,
            daemon_certificate: None,
            engine: None,
            clock_skew_seconds: None,
            client_days_left: None,
            ca_days_left: None,
            now: OffsetDateTime::UNIX_EPOCH,
            origin: Vec::new(),
            endpoint: None,
        }
    }
}

/// Prints the verify report as text or JSON.
pub fn print_verify(report: &VerifyReport, json: bool) -> anyhow::Result<()> {
    let text = if json {
        serde_json::to_string_pretty(report)? + "\n"
    } else {
        verify_text(report)
    };
    write_stdout(&text)
}

fn verify_text(report: &VerifyReport) -> String {
    use crate::finding::Severity;
    let mut out = String::new();
    let dir = report
        .cert
        .parent()
        .map(|d| d.display().to_string())
        .unwrap_or_default();
    if report.host.is_empty() {
        out.push_str("dockcert verify: the client's configuration\n");
    } else if dir.is_empty() {
        let _ = writeln!(out, "dockcert verify {}", report.host);
    } else {
        let _ = writeln!(
            out,
            "dockcert verify {} with the client files in {dir}",
            report.host
        );
    }
    for line in &report.origin {
        let _ = writeln!(out, "  {line}");
    }
    out.push('\n');
    for finding in &report.findings {
        let label = match finding.severity {
            Severity::Info => "ok",
            Severity::Warning => "WARNING",
            Severity::Error => "FAILED",
        };
        let _ = writeln!(out, "  {label:8}{}", finding.message);
        for line in &finding.details {
            let _ = writeln!(out, "          {line}");
        }
        if let Some(fix) = &finding.fix {
            let _ = writeln!(out, "          fix: {fix}");
        }
    }
    out.push('\n');
    if let Some(tls) = &report.tls {
        let _ = writeln!(
            out,
            "TLS:                {} with {}",
            tls.version, tls.cipher_suite
        );
    }
    if let Some(cert) = &report.daemon_certificate {
        let _ = writeln!(
            out,
            "Daemon certificate: {}; SANs: {}; expires {} ({} days)",
            cert.subject,
            if cert.sans.is_empty() {
                "none".to_string()
            } else {
                cert.sans.join(", ")
            },
            cert.not_after.date(),
            cert.days_left(report.now)
        );
    }
    if let Some(engine) = &report.engine {
        let _ = writeln!(
            out,
            "Docker Engine:      {} (API {}, minimum API {}), {}/{}",
            engine.version, engine.api_version, engine.min_api_version, engine.os, engine.arch
        );
    }
    if let Some(skew) = report.clock_skew_seconds {
        let _ = writeln!(out, "Clock skew:         {skew:+} s (daemon minus local)");
    }
    if let (Some(client), Some(ca)) = (report.client_days_left, report.ca_days_left) {
        let _ = writeln!(
            out,
            "Days left:          client certificate {client}, CA {ca}"
        );
    }
    let errors = report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let warnings = report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Warning)
        .count();
    if report.ok && warnings == 0 {
        out.push_str("\nResult: the daemon works with these certificates.\n");
    } else if report.ok {
        let _ = writeln!(
            out,
            "\nResult: the daemon works with these certificates. See the {warnings} warning{} above.",
            if warnings == 1 { "" } else { "s" }
        );
    } else {
        let _ = writeln!(
            out,
            "\nResult: FAILED ({errors} problem{}).",
            if errors == 1 { "" } else { "s" }
        );
    }
    out
}

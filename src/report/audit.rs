//! What `audit` and `inspect` print.

use std::fmt::Write as _;
use std::path::PathBuf;

use serde::Serialize;

use super::write_stdout;

/// What `audit` checked and found, as printed.
#[derive(Debug, Serialize)]
pub struct AuditReport {
    /// The version of this JSON schema.
    pub schema: u32,
    /// The moment validity was checked at, RFC 3339.
    pub checked_at: String,
    /// Every set of files checked, in order.
    pub targets: Vec<AuditTarget>,
    /// Counts by severity.
    pub summary: AuditSummary,
    /// Every finding, grouped by target in order.
    pub findings: Vec<crate::finding::Finding>,
}

/// One set of files checked.
#[derive(Debug, Serialize)]
pub struct AuditTarget {
    /// What it is, e.g. "client directory", "docker context 'prod'".
    pub kind: String,
    /// Its main file or directory.
    pub path: PathBuf,
}

/// Counts of findings by severity.
#[derive(Debug, Default, Serialize)]
pub struct AuditSummary {
    /// Errors.
    pub errors: usize,
    /// Warnings.
    pub warnings: usize,
    /// Things checked and found fine.
    pub ok: usize,
}

impl AuditSummary {
    /// Counts `findings`.
    pub fn of(findings: &[crate::finding::Finding]) -> AuditSummary {
        use crate::finding::Severity;
        let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
        AuditSummary {
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            ok: count(Severity::Info),
        }
    }
}

/// Whether to colour stdout: only on a terminal, and never when `NO_COLOR` is set (non-empty).
pub fn use_color() -> bool {
    use std::io::IsTerminal;
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal()
}

/// Prints the audit as text (grouped by file) or JSON.
pub fn print_audit(report: &AuditReport, json: bool, color: bool) -> anyhow::Result<()> {
    let text = if json {
        serde_json::to_string_pretty(report)? + "\n"
    } else {
        audit_text(report, color)
    };
    write_stdout(&text)
}

fn paint(text: &str, code: &str, color: bool) -> String {
    if color {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

/// The human form: each file once, its findings under it, worst first.
pub fn audit_text(report: &AuditReport, color: bool) -> String {
    use crate::finding::Severity;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Checked {} set(s) of Docker TLS files as of {}:",
        report.targets.len(),
        report.checked_at
    );
    for target in &report.targets {
        let _ = writeln!(out, "  {}: {}", target.kind, target.path.display());
    }
    // Group by file, files in order of first appearance (thousands of files: no quadratic scans).
    let mut groups: Vec<(&str, Vec<&crate::finding::Finding>)> = Vec::new();
    let mut index: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for finding in &report.findings {
        let slot = *index.entry(finding.subject.as_str()).or_insert_with(|| {
            groups.push((finding.subject.as_str(), Vec::new()));
            groups.len() - 1
        });
        groups[slot].1.push(finding);
    }
    for (subject, mut here) in groups {
        let _ = writeln!(out, "\n{}", paint(subject, "1", color));
        here.sort_by_key(|f| std::cmp::Reverse(f.severity));
        for finding in here {
            let (label, code) = match finding.severity {
                Severity::Error => ("error", "31;1"),
                Severity::Warning => ("warning", "33;1"),
                Severity::Info => ("ok", "32"),
            };
            let _ = writeln!(
                out,
                "  {} [{}] {}",
                paint(&format!("{label:>7}"), code, color),
                finding.code,
                finding.message
            );
            for detail in &finding.details {
                let _ = writeln!(out, "            {detail}");
            }
            if let Some(fix) = &finding.fix {
                let _ = writeln!(out, "            fix: {fix}");
            }
        }
    }
    let s = &report.summary;
    let verdict = if s.errors > 0 {
        paint("FAIL", "31;1", color)
    } else {
        paint("OK", "32;1", color)
    };
    let _ = writeln!(
        out,
        "\n{verdict}: {} error(s), {} warning(s), {} check(s) fine",
        s.errors, s.warnings, s.ok
    );
    out
}

/// Prints an inspection as text or JSON.
pub fn print_inspect(report: &crate::x509::inspect::Inspection, json: bool) -> anyhow::Result<()> {
    let text = if json {
        serde_json::to_string_pretty(report)? + "\n"
    } else {
        inspect_text(report)
    };
    write_stdout(&text)
}

/// The human form of an inspection.
pub fn inspect_text(report: &crate::x509::inspect::Inspection) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} ({}):",
        report.file,
        match report.encoding {
            crate::x509::load::Encoding::Pem => "PEM",
            crate::x509::load::Encoding::Der => "DER",
        }
    );
    let total = report.certificates.len();
    for (index, cert) in report.certificates.iter().enumerate() {
        if total > 1 {
            let _ = writeln!(out, "\nCertificate {} of {total}:", index + 1);
        } else {
            out.push('\n');
        }
        let rows: Vec<(&str, String)> = vec![
            ("subject", cert.subject.clone()),
            ("issuer", cert.issuer.clone()),
            ("version", format!("v{}", cert.version)),
            ("serial", cert.serial.clone()),
            ("not before", cert.not_before.clone()),
            (
                "not after",
                format!(
                    "{} ({})",
                    cert.not_after,
                    if cert.days_left < 0 {
                        format!("expired {} days ago", -cert.days_left)
                    } else {
                        format!("{} days left", cert.days_left)
                    }
                ),
            ),
            (
                "SANs",
                if cert.sans.is_empty() {
                    "none".to_string()
                } else {
                    cert.sans.join(", ")
                },
            ),
            ("public key", cert.public_key.clone()),
            ("signature", cert.signature_algorithm.clone()),
            ("basic constr.", cert.basic_constraints.clone()),
            ("key usage", cert.key_usage.clone()),
            ("ext. key usage", cert.extended_key_usage.clone()),
            ("subject key id", cert.subject_key_id.clone()),
            ("authority key id", cert.authority_key_id.clone()),
            ("SHA-256", cert.sha256.clone()),
        ];
        for (name, value) in rows {
            let _ = writeln!(out, "  {name:<17} {value}");
        }
    }
    if let Some(key) = &report.key {
        let _ = writeln!(out, "\nPrivate key ({}):", key.format);
        let _ = writeln!(out, "  {:<17} {}", "type", key.key_type);
        if let Some(problem) = &key.problem {
            let _ = writeln!(out, "  {:<17} {}", "problem", problem);
        }
        let matches = if key.matches.is_empty() {
            "no certificate in the same directory".to_string()
        } else {
            key.matches.join(", ")
        };
        let _ = writeln!(out, "  {:<17} {}", "matches", matches);
    }
    out
}

#[cfg(test)]
mod audit_tests {
    use super::*;
    use crate::finding::Finding;

    fn report() -> AuditReport {
        let findings = vec![
            Finding::ok("cert-valid", "/d/cert.pem", "valid"),
            Finding::error("key-readable", "/d/key.pem", "readable")
                .with_fix("chmod 0400 /d/key.pem"),
            Finding::warning("cert-expiring", "/d/cert.pem", "soon"),
        ];
        AuditReport {
            schema: 1,
            checked_at: "2026-01-01T00:00:00Z".to_string(),
            targets: vec![AuditTarget {
                kind: "client directory".to_string(),
                path: PathBuf::from("/d"),
            }],
            summary: AuditSummary::of(&findings),
            findings,
        }
    }

    #[test]
    fn text_is_grouped_by_file_worst_first_and_coloured_only_when_asked() {
        let plain = audit_text(&report(), false);
        assert!(!plain.contains('\x1b'));
        let cert = plain.find("/d/cert.pem\n").unwrap();
        let warning = plain.find("[cert-expiring]").unwrap();
        let ok = plain.find("[cert-valid]").unwrap();
        assert!(cert < warning && warning < ok, "{plain}");
        assert!(plain.contains("fix: chmod 0400 /d/key.pem"));
        assert!(plain.ends_with("FAIL: 1 error(s), 1 warning(s), 1 check(s) fine\n"));
        let coloured = audit_text(&report(), true);
        assert!(coloured.contains("\x1b[31;1m  error\x1b[0m"), "{coloured}");
    }
}

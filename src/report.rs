//! Everything dockcert prints on stdout: human text and `--json`.

use std::fmt::Write as _;
use std::path::PathBuf;

use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::pki::{Issued, Role};

/// What `init` did, as printed.
#[derive(Debug, Serialize)]
pub struct InitReport {
    /// The key type of all three keys.
    pub key_type: String,
    /// Every file written, in order.
    pub files: Vec<FileEntry>,
    /// The three certificates.
    pub certificates: Vec<CertEntry>,
    /// Internationalised names converted to punycode.
    pub conversions: Vec<Conversion>,
    /// The dockerd command line that uses the daemon's files.
    pub dockerd: Vec<String>,
    /// The client environment, in order.
    pub client_env: Vec<EnvVar>,
}

/// A file written.
#[derive(Debug, Serialize)]
pub struct FileEntry {
    /// Absolute path.
    pub path: PathBuf,
    /// Mode, octal, e.g. `0400`.
    pub mode: String,
    /// What it holds, e.g. "server key".
    pub content: String,
    /// Where the file it replaced was kept.
    pub backup: Option<PathBuf>,
}

/// A certificate made.
#[derive(Debug, Serialize)]
pub struct CertEntry {
    /// CA, server or client.
    pub role: Role,
    /// The subject, e.g. `CN=client`.
    pub subject: String,
    /// Subject alternative names, `DNS:…`/`IP:…`.
    pub sans: Vec<String>,
    /// Serial number, hex.
    pub serial: String,
    /// Validity start, RFC 3339.
    pub not_before: String,
    /// Validity end, RFC 3339.
    pub not_after: String,
    /// Whole days from now to not-after.
    pub days_left: i64,
}

/// An internationalised name and its punycode form.
#[derive(Debug, Serialize)]
pub struct Conversion {
    /// As typed.
    pub from: String,
    /// As written into the certificate.
    pub to: String,
}

/// One environment variable.
#[derive(Debug, Serialize)]
pub struct EnvVar {
    /// Its name.
    pub name: String,
    /// Its value.
    pub value: String,
}

impl CertEntry {
    /// Describes an issued certificate as of `now`.
    pub fn new(issued: &Issued, now: OffsetDateTime) -> CertEntry {
        let spec = &issued.spec;
        let mut subject = format!("CN={}", spec.common_name);
        if spec.role == Role::Ca {
            subject.push_str(", O=dockcert");
        }
        CertEntry {
            role: spec.role,
            subject,
            sans: spec.sans.iter().map(ToString::to_string).collect(),
            serial: spec.serial.hex(),
            not_before: rfc3339(spec.validity.not_before),
            not_after: rfc3339(spec.validity.not_after),
            // X.509 times have whole seconds: compare like with like, so a fresh 365-day
            // certificate shows 365 days, not 364.
            days_left: (spec.validity.not_after - now.replace_nanosecond(0).unwrap_or(now))
                .whole_days(),
        }
    }
}

fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_else(|_| at.to_string())
}

/// Quotes `word` for a POSIX shell when it needs it.
pub fn shell_quote(word: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "-_./:=@%+,[]".contains(c);
    if !word.is_empty() && word.chars().all(safe) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// Prints the report as text or JSON.
pub fn print_init(report: &InitReport, json: bool) -> anyhow::Result<()> {
    let text = if json {
        serde_json::to_string_pretty(report)? + "\n"
    } else {
        init_text(report)
    };
    write_stdout(&text)
}

/// Writes to stdout; a closed pipe (`dockcert … | head`) is not an error.
fn write_stdout(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(anyhow::Error::new(err).context("failed to write to stdout"))
        }
        _ => Ok(()),
    }
}

fn init_text(report: &InitReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Created a Docker mutual-TLS certificate set ({} keys).",
        report.key_type
    );
    if !report.conversions.is_empty() {
        out.push('\n');
        for conversion in &report.conversions {
            let _ = writeln!(
                out,
                "Converted {} to {} (punycode).",
                conversion.from, conversion.to
            );
        }
    }
    out.push_str("\nFiles written:\n");
    let width = report
        .files
        .iter()
        .map(|f| f.path.as_os_str().len())
        .max()
        .unwrap_or(0);
    for file in &report.files {
        let _ = writeln!(
            out,
            "  {}  {:width$}  {}",
            file.mode,
            file.path.display().to_string(),
            file.content
        );
        if let Some(backup) = &file.backup {
            let _ = writeln!(
                out,
                "        (the old file was kept as {})",
                backup.display()
            );
        }
    }
    out.push_str("\nCertificates:\n");
    for cert in &report.certificates {
        let _ = writeln!(
            out,
            "  {:7} {}  expires {} ({} days)",
            cert.role.name(),
            cert.subject,
            &cert.not_after[..10.min(cert.not_after.len())],
            cert.days_left
        );
        if !cert.sans.is_empty() {
            let _ = writeln!(out, "          SANs: {}", cert.sans.join(", "));
        }
    }
    out.push_str("\nStart the daemon with these flags (or the same keys in daemon.json):\n  ");
    let words: Vec<String> = report.dockerd.iter().map(|w| shell_quote(w)).collect();
    out.push_str(&words.join(" \\\n      "));
    out.push_str("\n\nThen point the docker CLI at it:\n  export");
    for var in &report.client_env {
        let _ = write!(out, " {}={}", var.name, shell_quote(&var.value));
    }
    out.push_str("\n  docker version\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_what_needs_it() {
        assert_eq!(shell_quote("/a/b.pem"), "/a/b.pem");
        assert_eq!(shell_quote("--tlscert=/a b/c"), "'--tlscert=/a b/c'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
    }
}

// ---- audit and inspect ----

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
pub fn print_inspect(report: &crate::inspect::Inspection, json: bool) -> anyhow::Result<()> {
    let text = if json {
        serde_json::to_string_pretty(report)? + "\n"
    } else {
        inspect_text(report)
    };
    write_stdout(&text)
}

/// The human form of an inspection.
pub fn inspect_text(report: &crate::inspect::Inspection) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} ({}):",
        report.file,
        match report.encoding {
            crate::load::Encoding::Pem => "PEM",
            crate::load::Encoding::Der => "DER",
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

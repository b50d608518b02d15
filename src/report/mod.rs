//! Everything dockcert prints on stdout: human text and `--json`.

use std::fmt::Write as _;
use std::path::PathBuf;

use serde::Serialize;
use time::OffsetDateTime;

use crate::pki::{Issued, Role};
use crate::x509::certinfo::rfc3339;

mod doctor;
pub use doctor::*;
pub mod provision;

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
    /// The names `--san auto` added.
    pub discovered: Vec<String>,
    /// The docker:dind DOCKER_TLS_CERTDIR written (with `--layout dind`).
    pub dind_certdir: Option<PathBuf>,
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
    if !report.discovered.is_empty() {
        let _ = writeln!(out, "--san auto added: {}", report.discovered.join(", "));
    }
    if let Some(certdir) = &report.dind_certdir {
        let _ = write!(
            out,
            "\nMount {0} as the docker:dind container's DOCKER_TLS_CERTDIR (e.g. -v {0}:/certs with \
             DOCKER_TLS_CERTDIR=/certs):\nits entrypoint then uses server/ as it is (there is no ca/key.pem for it \
             to regenerate from) and runs the equivalent of:\n  ",
            certdir.display()
        );
    } else {
        out.push_str("\nStart the daemon with these flags (or the same keys in daemon.json):\n  ");
    }
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

/// What `issue` made.
#[derive(Debug, Serialize)]
pub struct IssueReport {
    /// The certificates.
    pub certificates: Vec<CertEntry>,
    /// Every file written.
    pub files: Vec<FileEntry>,
    /// The inventory that records them.
    pub inventory: PathBuf,
    /// Anything the user should know (a shortened validity).
    pub notes: Vec<String>,
}

/// Prints what `issue` made.
pub fn print_issue(report: &IssueReport, json: bool) -> anyhow::Result<()> {
    if json {
        return write_stdout(&(serde_json::to_string_pretty(report)? + "\n"));
    }
    let mut out = String::new();
    let count = report.certificates.len();
    let _ = writeln!(
        out,
        "Issued {count} certificate{}:",
        if count == 1 { "" } else { "s" }
    );
    for note in &report.notes {
        let _ = writeln!(out, "Note: {note}.");
    }
    for cert in &report.certificates {
        let _ = writeln!(
            out,
            "  {:7} {}  serial {}  expires {} ({} days)",
            cert.role.name(),
            cert.subject,
            cert.serial,
            &cert.not_after[..10.min(cert.not_after.len())],
            cert.days_left
        );
        if !cert.sans.is_empty() {
            let _ = writeln!(out, "          SANs: {}", cert.sans.join(", "));
        }
    }
    out.push_str("\nFiles written:\n");
    for file in &report.files {
        let _ = writeln!(out, "  {}  {}", file.mode, file.path.display());
        if let Some(backup) = &file.backup {
            let _ = writeln!(
                out,
                "        (the old file was kept as {})",
                backup.display()
            );
        }
    }
    let _ = writeln!(out, "\nRecorded in {}.", report.inventory.display());
    write_stdout(&out)
}

/// One inventory record, as listed.
#[derive(Debug, Serialize)]
pub struct ListEntry {
    /// The record.
    #[serde(flatten)]
    pub record: crate::store::inventory::Record,
    /// Whole days until it expires (negative once expired).
    pub days_left: i64,
}

/// What `list` shows.
#[derive(Debug, Serialize)]
pub struct ListReport {
    /// The inventory file.
    pub inventory: PathBuf,
    /// The certificates.
    pub certificates: Vec<ListEntry>,
}

/// Prints the inventory.
pub fn print_list(report: &ListReport, json: bool) -> anyhow::Result<()> {
    if json {
        return write_stdout(&(serde_json::to_string_pretty(report)? + "\n"));
    }
    let mut out = String::new();
    if report.certificates.is_empty() {
        let _ = writeln!(
            out,
            "No certificates recorded in {}.",
            report.inventory.display()
        );
        return write_stdout(&out);
    }
    let width = report
        .certificates
        .iter()
        .map(|c| c.record.name.len())
        .max()
        .unwrap_or(4)
        .max(4);
    let _ = writeln!(
        out,
        "{:7} {:width$}  {:>9}  {:10}  {:32}  where",
        "ROLE", "NAME", "DAYS LEFT", "EXPIRES", "SERIAL"
    );
    for entry in &report.certificates {
        let record = &entry.record;
        let dirs: Vec<String> = record
            .locations
            .iter()
            .map(|l| l.dir.display().to_string())
            .collect();
        let status = if record.is_current() {
            ""
        } else {
            " (replaced)"
        };
        let _ = writeln!(
            out,
            "{:7} {:width$}  {:>9}  {:10}  {:32}  {}{status}",
            record.role,
            record.name,
            entry.days_left,
            record.not_after.date().to_string(),
            record.serial,
            dirs.join(", ")
        );
        if !record.sans.is_empty() && record.role == "server" {
            let _ = writeln!(
                out,
                "{:7} {:width$}  SANs: {}",
                "",
                "",
                record.sans.join(", ")
            );
        }
    }
    write_stdout(&out)
}

/// One certificate renewed (or, in a dry run, due).
#[derive(Debug, Serialize)]
pub struct Renewed {
    /// `server` or `client`.
    pub role: String,
    /// Its name (CN).
    pub name: String,
    /// The serial it had.
    pub old_serial: String,
    /// When it would have expired.
    #[serde(with = "time::serde::rfc3339")]
    pub old_not_after: OffsetDateTime,
    /// The new serial (none in a dry run).
    pub new_serial: Option<String>,
    /// The new expiry (none in a dry run).
    #[serde(with = "time::serde::rfc3339::option")]
    pub new_not_after: Option<OffsetDateTime>,
    /// The new validity, in days.
    pub days: i64,
}

/// What `renew` did.
#[derive(Debug, Serialize)]
pub struct RenewReport {
    /// Nothing was written.
    pub dry_run: bool,
    /// The horizon.
    pub within_days: i64,
    /// What was (or would be) renewed.
    pub renewed: Vec<Renewed>,
    /// Daemon directories whose dockerd must be restarted (it does not reload TLS files).
    pub restart: Vec<PathBuf>,
    /// Client directories whose files must be copied to their users.
    pub distribute: Vec<PathBuf>,
    /// Provisioned hosts the new server certificates were pushed to (`provision`'s safe way).
    pub pushed: Vec<provision::HostOutcome>,
}

/// Prints what `renew` did.
pub fn print_renew(report: &RenewReport, json: bool) -> anyhow::Result<()> {
    if json {
        return write_stdout(&(serde_json::to_string_pretty(report)? + "\n"));
    }
    let mut out = String::new();
    if report.renewed.is_empty() {
        let _ = writeln!(
            out,
            "Nothing expires within {} days; nothing to renew.",
            report.within_days
        );
        return write_stdout(&out);
    }
    let verb = if report.dry_run {
        "Would renew"
    } else {
        "Renewed"
    };
    let _ = writeln!(out, "{verb} {} certificate(s):", report.renewed.len());
    for item in &report.renewed {
        let _ = write!(
            out,
            "  {:7} {}  (expired or expiring {})",
            item.role,
            item.name,
            item.old_not_after.date()
        );
        if let (Some(serial), Some(until)) = (&item.new_serial, item.new_not_after) {
            let _ = write!(
                out,
                " -> serial {serial}, valid until {} ({} days)",
                until.date(),
                item.days
            );
        }
        out.push('\n');
    }
    if !report.restart.is_empty() {
        out.push_str("\nRestart these daemons (dockerd does not reload its TLS files), e.g. systemctl restart docker:\n");
        for dir in &report.restart {
            let _ = writeln!(out, "  {}", dir.display());
        }
    }
    if !report.distribute.is_empty() {
        out.push_str("\nCopy the new cert.pem and key.pem to each client of these directories:\n");
        for dir in &report.distribute {
            let _ = writeln!(out, "  {}", dir.display());
        }
    }
    out.push_str(&provision::pushed_text(&report.pushed));
    if report.dry_run {
        out.push_str("\n(dry run: nothing was written)\n");
    }
    write_stdout(&out)
}

/// What `rotate-ca` did, or where the rotation stands.
#[derive(Debug, Serialize)]
pub struct RotateReport {
    /// `status`, `begin`, `reissue` or `finish`.
    pub step: String,
    /// The phase after this run.
    pub phase: Option<crate::store::home::Phase>,
    /// The old CA's serial.
    pub old_serial: Option<String>,
    /// The new CA's serial.
    pub new_serial: Option<String>,
    /// Where the old CA's key is archived.
    pub old_key_archive: Option<PathBuf>,
    /// The ca.pem files rewritten.
    pub rewritten: Vec<PathBuf>,
    /// The certificates re-issued.
    pub renewed: Vec<Renewed>,
    /// Daemon directories whose dockerd must be restarted.
    pub restart: Vec<PathBuf>,
    /// Client directories whose files must be copied to their users.
    pub distribute: Vec<PathBuf>,
    /// What to do next.
    pub next: String,
    /// Provisioned hosts the new files were pushed to (`provision`'s safe way).
    pub pushed: Vec<provision::HostOutcome>,
}

/// Prints what `rotate-ca` did.
pub fn print_rotate(report: &RotateReport, json: bool) -> anyhow::Result<()> {
    if json {
        return write_stdout(&(serde_json::to_string_pretty(report)? + "\n"));
    }
    let mut out = String::new();
    match report.step.as_str() {
        "begin" => {
            let _ = writeln!(
                out,
                "Began a CA rotation: the new CA (serial {}) signs from now on; every ca.pem trusts old and new.",
                report.new_serial.as_deref().unwrap_or("?")
            );
        }
        "reissue" => {
            let _ = writeln!(
                out,
                "Re-issued {} certificate(s) under the new CA.",
                report.renewed.len()
            );
        }
        "finish" => {
            let _ = writeln!(
                out,
                "Finished the CA rotation: every ca.pem now trusts the new CA only."
            );
        }
        _ => {
            let phase = match report.phase {
                None => "no rotation has been started".to_string(),
                Some(phase) => format!("the last rotation is at phase {phase:?}"),
            };
            let _ = writeln!(out, "CA rotation: {phase}.");
        }
    }
    if let (Some(archive), "begin" | "finish") = (&report.old_key_archive, report.step.as_str()) {
        let _ = writeln!(
            out,
            "The old CA's key is archived at {} (0400).",
            archive.display()
        );
    }
    for item in &report.renewed {
        let _ = writeln!(
            out,
            "  {:7} {} -> serial {}",
            item.role,
            item.name,
            item.new_serial.as_deref().unwrap_or("?")
        );
    }
    if !report.rewritten.is_empty() {
        out.push_str("\nRewrote:\n");
        for path in &report.rewritten {
            let _ = writeln!(out, "  {}", path.display());
        }
    }
    if !report.restart.is_empty() {
        out.push_str("\nRestart these daemons (dockerd does not reload its TLS files):\n");
        for dir in &report.restart {
            let _ = writeln!(out, "  {}", dir.display());
        }
    }
    if !report.distribute.is_empty() {
        out.push_str("\nCopy the new files of these client directories to their users:\n");
        for dir in &report.distribute {
            let _ = writeln!(out, "  {}", dir.display());
        }
    }
    out.push_str(&provision::pushed_text(&report.pushed));
    let _ = writeln!(out, "\nNext: {}.", report.next);
    write_stdout(&out)
}

/// What `import-ca` adopted.
#[derive(Debug, Serialize)]
pub struct ImportReport {
    /// The CA's subject.
    pub subject: String,
    /// Its serial.
    pub serial: String,
    /// When it expires.
    #[serde(with = "time::serde::rfc3339")]
    pub not_after: OffsetDateTime,
    /// Days until then.
    pub days_left: i64,
    /// How its key was stored (PKCS#8, PKCS#1, SEC1).
    pub key_format: String,
    /// Whether dockcert stores it encrypted.
    pub encrypted_at_rest: bool,
    /// The files written.
    pub files: Vec<PathBuf>,
}

/// Prints what `import-ca` adopted.
pub fn print_import(report: &ImportReport, json: bool) -> anyhow::Result<()> {
    if json {
        return write_stdout(&(serde_json::to_string_pretty(report)? + "\n"));
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Adopted the CA {} (serial {}).",
        report.subject, report.serial
    );
    let _ = writeln!(
        out,
        "It expires {} ({} days).",
        report.not_after.date(),
        report.days_left
    );
    let _ = writeln!(
        out,
        "Its {} key is stored as PKCS#8{}.",
        report.key_format,
        if report.encrypted_at_rest {
            ", encrypted"
        } else {
            ""
        }
    );
    for path in &report.files {
        let _ = writeln!(out, "  {}", path.display());
    }
    out.push_str(
        "\nNext: 'dockcert issue client --name NAME' and 'dockcert issue server --name HOST'.\n",
    );
    write_stdout(&out)
}

/// Prints text as it is (for `env`).
pub fn print_text(text: &str) -> anyhow::Result<()> {
    write_stdout(text)
}

/// Prints one line on stderr that is not an error: what was recovered from an interrupted run.
/// On stderr, so that it never mixes into `--json` or `env` output.
pub fn print_notice(line: &str) {
    eprintln!("dockcert: {line}");
}

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

//! What the commands that make and keep certificates print: `init`, `issue`, `list`, `renew`,
//! `rotate-ca` and `import-ca`.

use std::fmt::Write as _;
use std::path::PathBuf;

use serde::Serialize;
use time::OffsetDateTime;

use super::{provision, shell_quote, write_stdout};
use crate::pki::{Issued, Role};
use crate::store::home::Phase;
use crate::x509::certinfo::rfc3339;

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

/// Prints the report as text or JSON.
pub fn print_init(report: &InitReport, json: bool) -> anyhow::Result<()> {
    let text = if json {
        serde_json::to_string_pretty(report)? + "\n"
    } else {
        init_text(report)
    };
    write_stdout(&text)
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
                Some(Phase::Begun) => "begun: every ca.pem trusts both CAs".to_string(),
                Some(Phase::Reissued) => {
                    "every certificate re-issued from the new CA; ca.pem still trusts both"
                        .to_string()
                }
                Some(Phase::Finished) => "finished: only the new CA is trusted".to_string(),
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

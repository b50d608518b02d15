//! `dockcert inspect`: read a certificate or key file (or standard input) and describe it.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use time::OffsetDateTime;

use crate::cli::InspectArgs;
use crate::x509::inspect::{self, Inspection};
use crate::x509::load::{self, LoadError};

/// The most certificate files looked at when matching a key to its certificate.
const MAX_NEIGHBOURS: usize = 256;

/// Runs `inspect`.
pub fn run(args: &InspectArgs, now: OffsetDateTime) -> Result<Inspection> {
    let stdin = args.file == Path::new("-");
    let (label, bytes) = if stdin {
        let mut bytes = Vec::new();
        std::io::stdin()
            .take(crate::bounded::MAX_FILE_SIZE + 1)
            .read_to_end(&mut bytes)
            .context("failed to read standard input")?;
        if bytes.len() as u64 > crate::bounded::MAX_FILE_SIZE {
            anyhow::bail!(
                "standard input holds more than 1 MiB, far more than any certificate or key; \
                 dockcert does not read it"
            );
        }
        (PathBuf::from("(standard input)"), bytes)
    } else {
        let bytes = crate::bounded::read(&args.file)
            .with_context(|| format!("cannot read {}", args.file.display()))?;
        (args.file.clone(), bytes)
    };
    let cert_err = match load::parse_certificates(&label, &bytes) {
        Ok(file) => {
            // A combined PEM (certificate and key in one file, as some tools write) shows both.
            let key = if bytes.windows(11).any(|w| w == b"PRIVATE KEY") {
                match load::parse_private_key(&label, &bytes) {
                    Ok(key) => {
                        let (mut details, info) = describe_key(&key);
                        if let Ok(info) = &info {
                            details.matches = file
                                .certs
                                .first()
                                .and_then(|der| {
                                    crate::x509::certinfo::CertSummary::from_der(der.as_ref())
                                })
                                .filter(|s| load::same_public_key(&s.spki, &info.spki))
                                .map(|_| {
                                    vec![format!(
                                        "{} (certificate 1)",
                                        display_name(&args.file, stdin)
                                    )]
                                })
                                .unwrap_or_default();
                        }
                        Some(details)
                    }
                    Err(LoadError::EncryptedKey { .. }) => Some(encrypted_key()),
                    Err(_) => None,
                }
            } else {
                None
            };
            return Ok(Inspection {
                file: display_name(&args.file, stdin),
                encoding: file.encoding,
                certificates: file
                    .certs
                    .iter()
                    .filter_map(|der| inspect::cert_details(der.as_ref(), now))
                    .collect(),
                key,
            });
        }
        Err(err) => err,
    };
    let key = match load::parse_private_key(&label, &bytes) {
        Ok(key) => key,
        Err(LoadError::EncryptedKey { .. }) => {
            return Ok(Inspection {
                file: display_name(&args.file, stdin),
                encoding: load::Encoding::Pem,
                certificates: Vec::new(),
                key: Some(encrypted_key()),
            });
        }
        // Neither: the certificate error says more when the file claims to be a certificate.
        Err(key_err) => {
            let text = String::from_utf8_lossy(&bytes);
            if text.contains("PRIVATE KEY") {
                return Err(key_err.into());
            }
            return Err(cert_err.into());
        }
    };
    let (mut details, info) = describe_key(&key);
    if let (Ok(info), false) = (&info, stdin) {
        details.matches = matching_certificates(&args.file, &info.spki);
    }
    Ok(Inspection {
        file: display_name(&args.file, stdin),
        encoding: key.encoding,
        certificates: Vec::new(),
        key: Some(details),
    })
}

fn encrypted_key() -> inspect::KeyDetails {
    inspect::KeyDetails {
        format: "encrypted".to_string(),
        key_type: "unknown (encrypted)".to_string(),
        problem: Some(
            "encrypted: dockerd and the docker CLI cannot use it; decrypt it with \
             'openssl pkey -in FILE -out PLAIN'"
                .to_string(),
        ),
        matches: Vec::new(),
    }
}

fn display_name(path: &Path, stdin: bool) -> String {
    if stdin {
        "-".to_string()
    } else {
        path.display().to_string()
    }
}

/// Certificate files next to `key_path` whose first certificate carries `spki`.
fn matching_certificates(key_path: &Path, spki: &[u8]) -> Vec<String> {
    let dir = match key_path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && p.extension().is_some_and(|ext| {
                    ["pem", "crt", "cer", "der"].contains(&&*ext.to_string_lossy())
                })
        })
        .take(MAX_NEIGHBOURS)
        .collect();
    paths.sort();
    paths
        .into_iter()
        .filter(|path| {
            load::read_certificates(path).is_ok_and(|file| {
                file.certs.first().is_some_and(|der| {
                    crate::x509::certinfo::CertSummary::from_der(der.as_ref())
                        .is_some_and(|s| load::same_public_key(&s.spki, spki))
                })
            })
        })
        .map(|p| p.display().to_string())
        .collect()
}

/// A key's details, and the loaded key (for matching it to certificates).
fn describe_key(
    key: &load::KeyFile,
) -> (inspect::KeyDetails, Result<load::KeyInfo, load::LoadError>) {
    let info = load::key_info(key);
    let details = inspect::key_details(
        key.format,
        info.as_ref()
            .map(|i| i.spki.as_slice())
            .map_err(|e| e.to_string()),
    );
    (details, info)
}

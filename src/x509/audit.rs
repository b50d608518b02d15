//! Findings as data: what is wrong with a chain of certificates, a key, and the files that hold
//! them, as of a moment passed in. No file access and no clock here: the command reads the files
//! (and their modes) and hands them over, so every lint is tested on bytes.
//!
//! The chain's verdict, path building and signature checks are Docker's: `x509::goverify`, the
//! rules of Go's crypto/x509 as dockerd and the docker CLI (every Go they ship with) apply them.
//! On top of it come the lints (weak algorithms and keys, serials, key usage of issuers, v1
//! certificates, key identifiers, modes, keys). A chain Docker refuses is never reported clean.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use rustls_pki_types::CertificateDer;
use time::OffsetDateTime;
use x509_parser::oid_registry::{self, Oid};
use x509_parser::prelude::{FromDer, GeneralName, X509Certificate, X509Version};
use x509_parser::public_key::PublicKey;

use crate::finding::{Finding, Severity};
use crate::x509::load::LoadError;

/// What the leaf certificate is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Purpose {
    /// A dockerd server certificate: serverAuth, SANs, the host name.
    Server,
    /// A docker CLI client certificate: clientAuth.
    Client,
}

impl Purpose {
    /// The EKU name.
    pub fn eku_name(self) -> &'static str {
        match self {
            Purpose::Server => "serverAuth",
            Purpose::Client => "clientAuth",
        }
    }
}

/// One file's certificates and permission bits, as read by the caller.
#[derive(Clone, Debug)]
pub struct CertsIn {
    /// The file.
    pub path: PathBuf,
    /// Its permission bits (`None` when not known, e.g. stdin).
    pub mode: Option<u32>,
    /// Its certificates, DER, in file order (each parses as X.509).
    pub certs: Vec<CertificateDer<'static>>,
}

/// What became of reading a private key file.
#[derive(Clone, Debug)]
pub enum KeyState {
    /// Read and loaded: its public key (SubjectPublicKeyInfo DER).
    Loaded {
        /// The public half.
        spki: Vec<u8>,
    },
    /// Encrypted (PKCS#8 `ENCRYPTED PRIVATE KEY` or a `Proc-Type: 4,ENCRYPTED` header).
    Encrypted,
    /// Present but unusable: why.
    Unusable(String),
}

/// A private key file, as read by the caller.
#[derive(Clone, Debug)]
pub struct KeyIn {
    /// The file.
    pub path: PathBuf,
    /// Its permission bits.
    pub mode: Option<u32>,
    /// What it holds.
    pub state: KeyState,
}

/// One chain to check: a leaf (with any intermediates bundled after it), extra intermediates, the
/// trust anchors, and the leaf's key.
#[derive(Clone, Debug)]
pub struct ChainIn {
    /// The trust anchors (ca.pem, `--ca`).
    pub ca: CertsIn,
    /// The leaf first, then any intermediates in the same file.
    pub cert: CertsIn,
    /// `--intermediates`.
    pub intermediates: Option<CertsIn>,
    /// The leaf's private key, when there is one.
    pub key: Option<KeyIn>,
    /// What the leaf is for.
    pub purpose: Purpose,
    /// The name the server must be reached by (servers only).
    pub host: Option<String>,
}

/// Settings shared by every check.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// The moment to check validity at.
    pub now: OffsetDateTime,
    /// Warn when a certificate expires within this many days.
    pub warn_days: i64,
}

/// The RFC 5280 profile (`audit --strict`): codes that are warnings by default, because Docker
/// (Go) accepts what they describe, and errors under `--strict`, because RFC 5280 forbids it and
/// strict verifiers refuse it (which of them OpenSSL's `X509_STRICT` refuses: [`OPENSSL_STRICT`]).
/// `v1-ca` is such a warning only for a v1 root (Go accepts it; as an intermediate Go refuses it:
/// an error).
pub const STRICT_PROFILE: &[&str] = &[
    "bad-serial",
    "v1-cert",
    "v1-ca",
    "aki-missing",
    "ski-missing",
    "ca-no-key-usage",
    "empty-name",
    "basic-constraints-not-critical",
    "path-length-not-ca",
    "extensions-need-v3",
    "extension-criticality",
    "leaf-is-ca",
];

/// The codes that OpenSSL with `X509_V_FLAG_X509_STRICT` refuses a chain of two certificates or
/// more for (`check_chain_extensions` and `check_chain` in OpenSSL 3.0's `crypto/x509/x509_vfy.c`):
/// the [`STRICT_PROFILE`] codes it enforces, and two errors (`key-id-critical`,
/// `leaf-keycertsign`) that it refuses too. What `verify` warns strict OpenSSL clients about is
/// exactly these findings on the daemon's chain ([`openssl_strict_findings`]). The rest of
/// [`STRICT_PROFILE`] is RFC 5280 that `openssl verify -x509_strict` (3.0) accepts, as
/// `tests/it/docker_verdict.rs` checks: a serial of 0 or a negative one (`bad-serial`), a v1 leaf
/// (`v1-cert`), a `CA:TRUE` leaf with its CA extensions right (`leaf-is-ca`), a non-critical
/// nameConstraints (`extension-criticality`).
pub const OPENSSL_STRICT: &[&str] = &[
    "v1-ca",
    "aki-missing",
    "ski-missing",
    "ca-no-key-usage",
    "empty-name",
    "basic-constraints-not-critical",
    "path-length-not-ca",
    "extensions-need-v3",
    "key-id-critical",
    "leaf-keycertsign",
];

/// What OpenSSL in strict mode (`X509_STRICT`) refuses a daemon's chain for: [`audit_chain`] run
/// on the chain as the daemon presented it (`leaf`, then `intermediates`) up to the client's
/// trust anchors (`roots`, its ca.pem), keeping its [`OPENSSL_STRICT`] findings, so that `verify`
/// and `audit --strict` say the same. The caller applies OpenSSL's exemption of a single
/// certificate (a pinned self-signed one: RFC 6818 2). Labels: "the daemon's certificate", "the
/// daemon's intermediates" and "ca.pem", with "(certificate N)" where a file holds several.
pub fn openssl_strict_findings(
    leaf: &[u8],
    intermediates: &[&[u8]],
    roots: &[&[u8]],
    now: OffsetDateTime,
) -> Vec<Finding> {
    let certs_in = |path: &str, ders: &[&[u8]]| CertsIn {
        path: PathBuf::from(path),
        mode: None,
        certs: ders
            .iter()
            .map(|der| CertificateDer::from(der.to_vec()))
            .collect(),
    };
    let input = ChainIn {
        ca: certs_in("ca.pem", roots),
        cert: certs_in("the daemon's certificate", &[leaf]),
        intermediates: (!intermediates.is_empty())
            .then(|| certs_in("the daemon's intermediates", intermediates)),
        key: None,
        purpose: Purpose::Server,
        host: None,
    };
    let opts = Options { now, warn_days: 0 };
    audit_chain(&input, &opts)
        .into_iter()
        .filter(|finding| OPENSSL_STRICT.contains(&finding.code))
        .collect()
}

/// Which rules a verdict follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Profile {
    /// What Docker (Go, every release Docker ships with) accepts; RFC 5280-only rules warn.
    #[default]
    Docker,
    /// RFC 5280 as strict verifiers apply it: [`STRICT_PROFILE`] warnings become errors.
    Strict,
}

/// Applies `profile` to findings made under the Docker profile.
pub fn apply_profile(findings: &mut [Finding], profile: Profile) {
    if profile == Profile::Strict {
        for finding in findings {
            if finding.severity == Severity::Warning && STRICT_PROFILE.contains(&finding.code) {
                finding.severity = Severity::Error;
            }
        }
    }
}

/// What to do about a certificate that dockcert did not make: `dockcert init --force` would
/// replace the whole set with a new CA, which is not what its owner wants.
pub const REISSUE_FOREIGN: &str = "from your CA, or `dockcert import-ca` then `dockcert issue …`";

/// Fits the fixes to who made each file: a fix that points to `dockcert init` is rewritten for
/// files `made_by_dockcert` says dockcert did not make ("re-issue it from your CA (or `dockcert
/// import-ca` then `dockcert issue …`)"). A finding's subject is a path, possibly followed by
/// " (certificate N)".
pub fn fit_fixes(findings: &mut [Finding], made_by_dockcert: impl Fn(&Path) -> bool) {
    for finding in findings {
        let path = finding
            .subject
            .split(" (certificate ")
            .next()
            .unwrap_or_default();
        if made_by_dockcert(Path::new(path)) {
            continue;
        }
        let Some(fix) = &finding.fix else { continue };
        let Some(start) = fix.find("(dockcert init") else {
            continue;
        };
        let Some(len) = fix[start..].find(')') else {
            continue;
        };
        let rewritten = format!(
            "{}({REISSUE_FOREIGN}){}",
            &fix[..start],
            &fix[start + len + 1..]
        );
        finding.fix = Some(rewritten);
    }
}

/// Every stable finding code with its severity under the Docker profile, for the README and the
/// tests ([`STRICT_PROFILE`] lists those that `--strict` makes errors).
pub const CODES: &[(&str, Severity)] = &[
    ("file-missing", Severity::Error),
    ("file-malformed", Severity::Error),
    ("cert-expired", Severity::Error),
    ("cert-not-yet-valid", Severity::Error),
    ("bad-signature", Severity::Error),
    ("no-path", Severity::Error),
    ("wrong-eku", Severity::Error),
    ("chain-eku", Severity::Error),
    ("no-san", Severity::Error),
    ("host-not-covered", Severity::Error),
    ("key-mismatch", Severity::Error),
    ("key-encrypted", Severity::Error),
    ("weak-signature", Severity::Error),
    ("weak-key", Severity::Error),
    ("bad-serial", Severity::Warning),
    ("unknown-critical-extension", Severity::Error),
    ("issuer-not-ca", Severity::Error),
    ("issuer-no-keycertsign", Severity::Error),
    ("path-length", Severity::Error),
    ("name-constraints", Severity::Error),
    ("v1-ca", Severity::Error),
    ("v1-cert", Severity::Warning),
    ("aki-missing", Severity::Warning),
    ("ski-missing", Severity::Warning),
    ("key-id-critical", Severity::Error),
    ("empty-name", Severity::Warning),
    ("ca-no-key-usage", Severity::Warning),
    ("basic-constraints-not-critical", Severity::Warning),
    ("leaf-keycertsign", Severity::Error),
    ("extension-criticality", Severity::Warning),
    ("path-length-not-ca", Severity::Warning),
    ("extensions-need-v3", Severity::Warning),
    ("chain-invalid", Severity::Error),
    ("key-readable", Severity::Error),
    ("daemon-tcp-no-tlsverify", Severity::Error),
    ("daemon-json-invalid", Severity::Error),
    ("cert-expiring", Severity::Warning),
    ("leaf-is-ca", Severity::Warning),
    ("cert-writable", Severity::Warning),
    ("ca-bundle", Severity::Warning),
    ("context-stale", Severity::Warning),
    ("daemon-hosts-conflict", Severity::Warning),
    ("daemon-no-tls", Severity::Warning),
    ("nothing-found", Severity::Warning),
    ("chain-ok", Severity::Info),
    ("cert-valid", Severity::Info),
    ("key-matches", Severity::Info),
    ("modes-ok", Severity::Info),
    ("host-covered", Severity::Info),
    ("ca-ok", Severity::Info),
    ("daemon-json-ok", Severity::Info),
];

fn display(path: &Path) -> String {
    path.display().to_string()
}

/// The finding for a file that could not be used.
pub fn load_error_finding(err: &LoadError) -> Finding {
    match err {
        LoadError::Io { path, source } if source.kind() == std::io::ErrorKind::NotFound => {
            Finding::error("file-missing", display(path), "the file does not exist")
                .with_fix("create it (dockcert init), or point dockcert at the right directory")
        }
        LoadError::EncryptedKey { path } => Finding::error(
            "key-encrypted",
            display(path),
            "the private key is encrypted; dockerd and the docker CLI cannot use encrypted keys",
        )
        .with_fix(format!(
            "decrypt it: openssl pkey -in {0} -out {0}.plain && mv {0}.plain {0} && chmod 0400 {0}",
            path.display()
        )),
        LoadError::Io { path, source } => Finding::error(
            "file-malformed",
            display(path),
            format!("cannot be read: {source}"),
        )
        .with_fix("check the file's permissions and that it is a regular file"),
        LoadError::Empty { path } => {
            Finding::error("file-malformed", display(path), "the file is empty")
                .with_fix("restore it from a backup or issue a new one (dockcert init --force)")
        }
        LoadError::Malformed { path, detail } => {
            Finding::error("file-malformed", display(path), detail.clone())
                .with_fix("restore it from a backup or issue a new one (dockcert init --force)")
        }
    }
}

/// The [`KeyState`] for a key file that failed to load, or `None` when the failure is not about
/// the key's contents (missing, unreadable: reported by [`load_error_finding`]).
pub fn key_state_for(err: &LoadError) -> Option<KeyState> {
    match err {
        LoadError::EncryptedKey { .. } => Some(KeyState::Encrypted),
        _ => None,
    }
}

/// One parsed certificate and where it came from.
struct Node<'a> {
    der: &'a CertificateDer<'static>,
    cert: X509Certificate<'a>,
    /// `path` or `path (certificate N)`.
    label: String,
    path: &'a Path,
}

fn parse_nodes(file: &CertsIn) -> Vec<Node<'_>> {
    let many = file.certs.len() > 1;
    file.certs
        .iter()
        .enumerate()
        .filter_map(|(index, der)| {
            let (_, cert) = X509Certificate::from_der(der.as_ref()).ok()?;
            let label = if many {
                format!("{} (certificate {})", file.path.display(), index + 1)
            } else {
                display(&file.path)
            };
            Some(Node {
                der,
                cert,
                label,
                path: &file.path,
            })
        })
        .collect()
}

/// Checks one chain: the leaf, its path to the anchors, its key and the files' modes.
pub fn audit_chain(input: &ChainIn, opts: &Options) -> Vec<Finding> {
    let mut out = Vec::new();
    let anchors = parse_nodes(&input.ca);
    let cert_nodes = parse_nodes(&input.cert);
    let extra: Vec<Node<'_>> = input.intermediates.iter().flat_map(parse_nodes).collect();
    let Some((leaf, bundled)) = cert_nodes.split_first() else {
        out.push(Finding::error(
            "file-malformed",
            display(&input.cert.path),
            "holds no certificate",
        ));
        return out;
    };
    if anchors.is_empty() {
        out.push(Finding::error(
            "file-malformed",
            display(&input.ca.path),
            "holds no CA certificate",
        ));
        return out;
    }
    let intermediates: Vec<&Node<'_>> = bundled.iter().chain(extra.iter()).collect();

    // Docker's verdict (Go's crypto/x509, every Go release Docker ships with) and the path it
    // verified; our own builder otherwise, to say which link is broken and to lint what is there.
    let verdict = docker_verdict_of(leaf, &intermediates, &anchors, input, opts.now);
    let path = match docker_path(&verdict, leaf, &intermediates, &anchors) {
        Some(issuers) => BuiltPath {
            issuers,
            anchored: true,
            findings: Vec::new(),
        },
        None => build_path(leaf, &intermediates, &anchors),
    };
    out.extend(path.findings.iter().cloned());

    // Per-certificate lints along the path (the anchor's own signature is not checked by anyone).
    // A certificate pinned as its own trust anchor: the anchor is only a key (RFC 5280 6.1.1 d),
    // so there is no issuer to lint.
    let pinned = path.anchored
        && path.issuers.len() == 1
        && path.issuers[0].der.as_ref() == leaf.der.as_ref();
    let chain: Vec<&Node<'_>> = std::iter::once(leaf)
        .chain(path.issuers.iter().copied().filter(|_| !pinned))
        .collect();
    for (depth, node) in chain.iter().enumerate() {
        let is_anchor = path.anchored && depth + 1 == chain.len() && depth > 0;
        lint_validity(node, opts, &mut out);
        lint_key(node, &mut out);
        // A trust anchor's serial is nobody's concern: Go and browsers trust roots with serial 0
        // (Starfield Root G2).
        if !is_anchor {
            lint_serial(node, &mut out);
        }
        lint_critical_extensions(node, &mut out);
        lint_profile(node, &mut out);
        if !is_anchor || !is_self_signed(&node.cert) {
            lint_signature_algorithm(node, &mut out);
        }
        if depth > 0 {
            lint_issuer(node, depth, &chain, &mut out);
            lint_chain_eku(node, input.purpose, &mut out);
        } else if node.cert.version() != X509Version::V3 {
            out.push(
                Finding::warning(
                    "v1-cert",
                    &node.label,
                    format!(
                        "is an X.509 v{} certificate: Docker (Go) accepts it, but rustls and RFC 5280 \
                         path validation need v3 (and v1 cannot carry SANs or EKU)",
                        node.cert.version().0 + 1
                    ),
                )
                .with_fix("issue a v3 certificate (dockcert init)"),
            );
        }
    }
    lint_leaf(leaf, input, &mut out);

    // Several certificates in ca.pem: Docker trusts all of them.
    if input.ca.certs.len() > 1 {
        out.push(
            Finding::warning(
                "ca-bundle",
                display(&input.ca.path),
                format!(
                    "holds {} certificates; every one of them is trusted",
                    input.ca.certs.len()
                ),
            )
            .with_fix("keep only the CA that issued your certificates (during a CA rotation two are expected)"),
        );
    }

    if let Some(key) = &input.key {
        lint_key_file(key, leaf, &mut out);
    }
    lint_cert_mode(&input.cert, &mut out);
    lint_cert_mode(&input.ca, &mut out);
    if let Some(file) = &input.intermediates {
        lint_cert_mode(file, &mut out);
    }

    docker_verdict(&verdict, leaf, &mut out);
    dedup(&mut out);

    if !out.iter().any(|f| f.severity == Severity::Error) {
        let mut details = vec![format!("leaf: {}", leaf.cert.subject())];
        for issuer in &path.issuers {
            details.push(format!("issued by: {}", issuer.cert.subject()));
        }
        out.push(
            Finding::ok(
                "chain-ok",
                display(&input.cert.path),
                format!(
                    "chains to {} for {} as of {}",
                    input.ca.path.display(),
                    input.purpose.eku_name(),
                    opts.now.date()
                ),
            )
            .with_details(details),
        );
    }
    out
}

/// The path our own builder found.
struct BuiltPath<'n, 'a> {
    /// Issuers, nearest first; the last is an anchor when `anchored`.
    issuers: Vec<&'n Node<'a>>,
    anchored: bool,
    findings: Vec<Finding>,
}

/// Signature of `child` checked against `issuer`'s key.
enum Link {
    Good,
    Bad,
    /// The algorithm cannot be checked (unsupported, or a key too weak to verify with).
    Unknown,
}

fn check_link(child: &X509Certificate<'_>, issuer: &X509Certificate<'_>) -> Link {
    match child.verify_signature(Some(issuer.public_key())) {
        Ok(()) => Link::Good,
        Err(x509_parser::error::X509Error::SignatureUnsupportedAlgorithm) => Link::Unknown,
        Err(_) if key_weakness(issuer).is_some() => Link::Unknown,
        Err(_) => Link::Bad,
    }
}

fn is_self_signed(cert: &X509Certificate<'_>) -> bool {
    cert.subject().as_raw() == cert.issuer().as_raw()
}

/// Walks from the leaf up by issuer name, preferring certificates whose signature checks; stops at
/// an anchor. The maximum depth keeps hostile inputs cheap.
fn build_path<'n, 'a>(
    leaf: &'n Node<'a>,
    intermediates: &[&'n Node<'a>],
    anchors: &'n [Node<'a>],
) -> BuiltPath<'n, 'a> {
    const MAX_DEPTH: usize = 8;
    let mut issuers: Vec<&'n Node<'a>> = Vec::new();
    let mut findings = Vec::new();
    let mut current = leaf;
    for _ in 0..MAX_DEPTH {
        let name = current.cert.issuer().as_raw();
        // Anchors first: a path ends as early as it can.
        let anchor_candidates: Vec<&'n Node<'a>> = anchors
            .iter()
            .filter(|a| a.cert.subject().as_raw() == name)
            .collect();
        let mut bad_anchor = None;
        for anchor in &anchor_candidates {
            match check_link(&current.cert, &anchor.cert) {
                Link::Good | Link::Unknown => {
                    issuers.push(anchor);
                    return BuiltPath {
                        issuers,
                        anchored: true,
                        findings,
                    };
                }
                Link::Bad => bad_anchor = Some(*anchor),
            }
        }
        let next = intermediates.iter().copied().find(|candidate| {
            candidate.cert.subject().as_raw() == name
                && !std::ptr::eq(*candidate, current)
                && !issuers.iter().any(|seen| std::ptr::eq(*seen, *candidate))
                && !matches!(check_link(&current.cert, &candidate.cert), Link::Bad)
        });
        match next {
            Some(next) => {
                issuers.push(next);
                current = next;
            }
            None => {
                if let Some(anchor) = bad_anchor {
                    findings.push(
                        Finding::error(
                            "bad-signature",
                            &current.label,
                            format!(
                                "names {} as its issuer, but the signature does not verify with \
                                 that CA's key in {}: it was signed by another key with the same name",
                                current.cert.issuer(),
                                anchor.label
                            ),
                        )
                        .with_fix(
                            "use the ca.pem that belongs to this certificate, or issue the \
                             certificate again from this CA",
                        ),
                    );
                } else {
                    let names: Vec<String> = anchors
                        .iter()
                        .map(|a| a.cert.subject().to_string())
                        .collect();
                    findings.push(
                        Finding::error(
                            "no-path",
                            &current.label,
                            format!(
                                "no path to a trust anchor: its issuer {} is not in {}{}",
                                current.cert.issuer(),
                                anchors.first().map(|a| display(a.path)).unwrap_or_default(),
                                if intermediates.is_empty() {
                                    ""
                                } else {
                                    " nor among the intermediates"
                                }
                            ),
                        )
                        .with_details(names.into_iter().map(|n| format!("trusted: {n}")).collect())
                        .with_fix(
                            "use the CA that issued this certificate (or add the missing \
                             intermediate after the certificate in the same file)",
                        ),
                    );
                }
                return BuiltPath {
                    issuers,
                    anchored: false,
                    findings,
                };
            }
        }
    }
    findings.push(Finding::error(
        "no-path",
        &leaf.label,
        format!("no path to a trust anchor within {MAX_DEPTH} certificates"),
    ));
    BuiltPath {
        issuers,
        anchored: false,
        findings,
    }
}

fn lint_validity(node: &Node<'_>, opts: &Options, out: &mut Vec<Finding>) {
    let validity = node.cert.validity();
    let not_before = validity.not_before.to_datetime();
    let not_after = validity.not_after.to_datetime();
    if opts.now > not_after {
        out.push(
            Finding::error(
                "cert-expired",
                &node.label,
                format!(
                    "expired on {} ({} days ago): {}",
                    not_after.date(),
                    (opts.now - not_after).whole_days(),
                    node.cert.subject()
                ),
            )
            .with_fix(if node.cert.is_ca() {
                "make a new CA and issue new certificates from it (dockcert init --force)"
            } else {
                "issue a new certificate (dockcert init --force, or your CA's renewal)"
            }),
        );
    } else if opts.now < not_before {
        out.push(
            Finding::error(
                "cert-not-yet-valid",
                &node.label,
                format!(
                    "is not valid before {} ({} days from now)",
                    not_before.date(),
                    (not_before - opts.now).whole_days()
                ),
            )
            .with_fix("check this machine's clock and the issuing machine's clock"),
        );
    } else {
        let days = (not_after - opts.now).whole_days();
        if days < opts.warn_days {
            out.push(
                Finding::warning(
                    "cert-expiring",
                    &node.label,
                    format!("expires on {} (in {days} days)", not_after.date()),
                )
                .with_fix("renew it before then (dockcert init --force)"),
            );
        } else {
            out.push(Finding::ok(
                "cert-valid",
                &node.label,
                format!("valid until {} ({days} days)", not_after.date()),
            ));
        }
    }
}

/// Bits of an unsigned big-endian integer.
fn bit_length(bytes: &[u8]) -> usize {
    let trimmed: &[u8] = match bytes.iter().position(|b| *b != 0) {
        Some(start) => &bytes[start..],
        None => return 0,
    };
    let first = trimmed.first().copied().unwrap_or(0);
    (trimmed.len() - 1) * 8 + (8 - first.leading_zeros() as usize)
}

/// Why a certificate's public key is weak or unusable, if it is.
fn key_weakness(cert: &X509Certificate<'_>) -> Option<String> {
    let spki = cert.public_key();
    let alg = &spki.algorithm.algorithm;
    if *alg == oid_registry::OID_PKCS1_RSAENCRYPTION {
        if let Ok(PublicKey::RSA(rsa)) = spki.parsed() {
            let bits = bit_length(rsa.modulus);
            if bits < 2048 {
                return Some(format!("an RSA key of {bits} bits (below 2048)"));
            }
        }
        return None;
    }
    if *alg == oid_registry::OID_KEY_TYPE_EC_PUBLIC_KEY {
        let curve = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.as_oid().ok());
        return match curve {
            Some(c) if c == oid_registry::OID_EC_P256 => None,
            Some(c) if c == oid_registry::OID_NIST_EC_P384 => None,
            Some(c) if c == oid_registry::OID_NIST_EC_P521 => None,
            Some(c) if c.to_id_string() == "1.2.840.10045.3.1.1" => {
                Some("an ECDSA key on P-192 (too weak; Go does not support it)".to_string())
            }
            Some(c) => Some(format!(
                "an ECDSA key on curve {} (weak or not supported by Go and rustls)",
                c.to_id_string()
            )),
            None => Some("an ECDSA key with explicit or missing curve parameters".to_string()),
        };
    }
    if *alg == oid_registry::OID_SIG_ED25519 {
        return None;
    }
    if alg.to_id_string() == "1.2.840.10040.4.1" {
        return Some("a DSA key (not supported by Go since 1.24, nor by rustls)".to_string());
    }
    Some(format!(
        "a public key of algorithm {} that Docker cannot use",
        alg.to_id_string()
    ))
}

fn lint_key(node: &Node<'_>, out: &mut Vec<Finding>) {
    if let Some(weakness) = key_weakness(&node.cert) {
        out.push(
            Finding::error("weak-key", &node.label, format!("has {weakness}")).with_fix(
                "issue it again with an ECDSA P-256 or RSA-2048+ key (dockcert init --force)",
            ),
        );
    }
}

fn lint_serial(node: &Node<'_>, out: &mut Vec<Finding>) {
    let raw = node.cert.raw_serial();
    let problem = if raw.first().is_some_and(|b| b & 0x80 != 0) {
        Some("is negative")
    } else if raw.iter().all(|b| *b == 0) {
        Some("is zero")
    } else if raw.len() - usize::from(raw.len() > 1 && raw[0] == 0) > 20 {
        // A 20-octet value with its top bit set needs a 21st, zero, sign octet in DER: allowed.
        Some("is longer than 20 octets")
    } else {
        None
    };
    if let Some(problem) = problem {
        out.push(
            Finding::warning(
                "bad-serial",
                &node.label,
                format!(
                    "its serial number {problem}: Docker accepts it (the docker CLI 28 is built to \
                     allow negative serials), but RFC 5280 4.1.2.2 forbids it and Go 1.23+ programs \
                     with default settings refuse negative ones"
                ),
            )
            .with_fix("issue it again with a positive random serial of at most 20 octets"),
        );
    }
}

/// Extensions that Go's crypto/x509 and webpki understand when critical.
fn known_extension(oid: &Oid<'_>) -> bool {
    [
        oid_registry::OID_X509_EXT_BASIC_CONSTRAINTS,
        oid_registry::OID_X509_EXT_KEY_USAGE,
        oid_registry::OID_X509_EXT_EXTENDED_KEY_USAGE,
        oid_registry::OID_X509_EXT_SUBJECT_ALT_NAME,
        oid_registry::OID_X509_EXT_NAME_CONSTRAINTS,
        oid_registry::OID_X509_EXT_SUBJECT_KEY_IDENTIFIER,
        oid_registry::OID_X509_EXT_AUTHORITY_KEY_IDENTIFIER,
    ]
    .iter()
    .any(|known| known == oid)
}

/// RFC 5280 profile rules that path validators enforce (x509-limbo's rfc5280 cases) and Go and
/// webpki do not: key identifiers, names, and the agreement of basicConstraints and keyUsage.
fn lint_profile(node: &Node<'_>, out: &mut Vec<Finding>) {
    let cert = &node.cert;
    let fix = "issue it again from a CA that follows RFC 5280 (dockcert init does)";
    if cert.version() != X509Version::V3 {
        // Go does not read a v1 or v2 certificate's extensions (it accepts them, unread); RFC
        // 5280 4.1.2.9 and OpenSSL's X509_STRICT allow extensions in v3 only.
        if !cert.extensions().is_empty() {
            out.push(
                Finding::warning(
                    "extensions-need-v3",
                    &node.label,
                    format!(
                        "is an X.509 v{} certificate with extensions, which only v3 may carry \
                         (RFC 5280 4.1.2.9): Docker ignores them",
                        cert.version().0 + 1
                    ),
                )
                .with_fix(fix),
            );
        }
        return; // Otherwise v1-ca and v1-cert say what matters.
    }
    let is_ca = cert.is_ca();
    // A duplicated extension counts as absent here (Go refuses it when it parses).
    let extension = |oid: &Oid<'static>| cert.get_extension_unique(oid).ok().flatten();
    let aki = extension(&oid_registry::OID_X509_EXT_AUTHORITY_KEY_IDENTIFIER);
    let ski = extension(&oid_registry::OID_X509_EXT_SUBJECT_KEY_IDENTIFIER);
    let aki_has_key_id = aki.is_some_and(|ext| {
        matches!(
            ext.parsed_extension(),
            x509_parser::extensions::ParsedExtension::AuthorityKeyIdentifier(a)
                if a.key_identifier.is_some()
        )
    });
    if !is_self_signed(cert) && !aki_has_key_id {
        out.push(
            Finding::warning(
                "aki-missing",
                &node.label,
                "has no authorityKeyIdentifier keyIdentifier: Docker accepts that, but RFC 5280 \
                 4.2.1.1 requires it in every certificate but a self-signed one",
            )
            .with_fix(fix),
        );
    }
    if is_ca && ski.is_none() {
        out.push(
            Finding::warning(
                "ski-missing",
                &node.label,
                "is a CA certificate without subjectKeyIdentifier: Docker accepts that, but RFC 5280 \
                 4.2.1.2 requires it",
            )
            .with_fix(fix),
        );
    }
    // RFC 5280 4.2.1.3: a CA's certificate MUST carry keyUsage. Go only reads it when it is
    // there; OpenSSL's X509_STRICT refuses its absence ("CA cert does not include key usage
    // extension"), which `verify` also warns about for the daemon's chain.
    if is_ca && extension(&oid_registry::OID_X509_EXT_KEY_USAGE).is_none() {
        out.push(
            Finding::warning(
                "ca-no-key-usage",
                &node.label,
                "is a CA certificate without keyUsage: Docker accepts that, but RFC 5280 4.2.1.3 \
                 requires it and OpenSSL in strict mode (X509_STRICT) refuses it",
            )
            .with_fix(fix),
        );
    }
    for (ext, name) in [
        (aki, "authorityKeyIdentifier"),
        (ski, "subjectKeyIdentifier"),
    ] {
        if ext.is_some_and(|e| e.critical) {
            out.push(
                Finding::error(
                    "key-id-critical",
                    &node.label,
                    format!(
                        "marks {name} critical, which RFC 5280 4.2.1.1/4.2.1.2 forbid and the docker \
                         CLI 28 (Go 1.24) refuses when it parses the certificate"
                    ),
                )
                .with_fix(fix),
            );
        }
    }
    // Extensions RFC 5280 says MUST be critical (or critical in this case).
    let subject_empty = cert.subject().iter().next().is_none();
    for ext in cert.extensions() {
        let rule = if ext.oid == oid_registry::OID_X509_EXT_NAME_CONSTRAINTS {
            Some("nameConstraints (RFC 5280 4.2.1.10)")
        } else if ext.oid == oid_registry::OID_X509_EXT_POLICY_CONSTRAINTS {
            Some("policyConstraints (RFC 5280 4.2.1.11)")
        } else {
            None
        };
        if let Some(rule) = rule.filter(|_| !ext.critical) {
            out.push(
                Finding::warning(
                    "extension-criticality",
                    &node.label,
                    format!("does not mark {rule} critical, as it must"),
                )
                .with_fix(fix),
            );
        }
    }
    // An empty subject needs its subjectAltName critical (RFC 5280 4.2.1.6; OpenSSL's X509_STRICT:
    // "Subject empty and Subject Alt Name extension not critical").
    if subject_empty
        && extension(&oid_registry::OID_X509_EXT_SUBJECT_ALT_NAME).is_some_and(|ext| !ext.critical)
    {
        out.push(
            Finding::warning(
                "empty-name",
                &node.label,
                "has an empty subject name and a subjectAltName not marked critical, as RFC 5280 \
                 4.2.1.6 requires",
            )
            .with_fix(fix),
        );
    }
    if cert.issuer().iter().next().is_none() {
        out.push(
            Finding::warning(
                "empty-name",
                &node.label,
                "has an empty issuer name (RFC 5280 4.1.2.4)",
            )
            .with_fix(fix),
        );
    }
    if is_ca && cert.subject().iter().next().is_none() {
        out.push(
            Finding::warning(
                "empty-name",
                &node.label,
                "is a CA with an empty subject name (RFC 5280 4.1.2.6)",
            )
            .with_fix(fix),
        );
    }
    if let Ok(Some(bc)) = cert.basic_constraints()
        && !bc.value.ca
        && bc.value.path_len_constraint.is_some()
    {
        out.push(
            Finding::warning(
                "path-length-not-ca",
                &node.label,
                "has a basicConstraints path length but is not a CA (RFC 5280 4.2.1.9)",
            )
            .with_fix(fix),
        );
    }
    if let Ok(Some(bc)) = cert.basic_constraints()
        && bc.value.ca
        && !bc.critical
    {
        out.push(
            Finding::warning(
                "basic-constraints-not-critical",
                &node.label,
                "is a CA whose basicConstraints is not marked critical (RFC 5280 4.2.1.9)",
            )
            .with_fix(fix),
        );
    }
    if !is_ca
        && let Ok(Some(ku)) = cert.key_usage()
        && ku.value.key_cert_sign()
    {
        out.push(
            Finding::error(
                "leaf-keycertsign",
                &node.label,
                "asserts keyUsage keyCertSign without basicConstraints CA:TRUE, which RFC \
                         5280 4.2.1.9 forbids",
            )
            .with_fix(fix),
        );
    }
}

fn lint_critical_extensions(node: &Node<'_>, out: &mut Vec<Finding>) {
    for ext in node.cert.extensions() {
        if ext.critical && !known_extension(&ext.oid) {
            out.push(
                Finding::error(
                    "unknown-critical-extension",
                    &node.label,
                    format!(
                        "has a critical extension {} that verifiers do not understand and must reject",
                        ext.oid.to_id_string()
                    ),
                )
                .with_fix("issue it again without that extension, or with it marked non-critical"),
            );
        }
    }
}

fn lint_signature_algorithm(node: &Node<'_>, out: &mut Vec<Finding>) {
    let oid = node.cert.signature_algorithm.algorithm.to_id_string();
    let weak = match oid.as_str() {
        "1.2.840.113549.1.1.2" => Some("MD2"),
        "1.2.840.113549.1.1.4" => Some("MD5"),
        "1.2.840.113549.1.1.5" | "1.3.14.3.2.29" => Some("SHA-1 (RSA)"),
        "1.2.840.10045.4.1" => Some("SHA-1 (ECDSA)"),
        "1.2.840.10040.4.3" => Some("SHA-1 (DSA)"),
        "2.16.840.1.101.3.4.3.1" | "2.16.840.1.101.3.4.3.2" => Some("DSA"),
        _ => None,
    };
    if let Some(weak) = weak {
        out.push(
            Finding::error(
                "weak-signature",
                &node.label,
                format!("is signed with {weak}, which Go (since 1.18) and rustls reject"),
            )
            .with_fix("issue it again with a SHA-256 signature (dockcert init --force)"),
        );
    }
}

/// Lints on a certificate used as an issuer (`chain[depth]` issued `chain[depth - 1]`).
fn lint_issuer(node: &Node<'_>, depth: usize, chain: &[&Node<'_>], out: &mut Vec<Finding>) {
    let cert = &node.cert;
    if cert.version() != X509Version::V3 {
        // Go accepts a v1 root (crypto/x509 treats v1 roots as CAs) but refuses a v1 intermediate.
        let root = depth + 1 == chain.len() && is_self_signed(cert);
        let message = format!(
            "is an X.509 v{} certificate used as a CA: it cannot say CA:TRUE, so RFC 5280 \
             verifiers refuse it as an issuer{}",
            cert.version().0 + 1,
            if root {
                " (Docker accepts it as a root)"
            } else {
                ", and so does Docker (Go) below the root"
            }
        );
        let finding = if root {
            Finding::warning("v1-ca", &node.label, message)
        } else {
            Finding::error("v1-ca", &node.label, message)
        };
        out.push(finding.with_fix("make a v3 CA with basicConstraints CA:TRUE (dockcert init)"));
        return;
    }
    let bc = cert.basic_constraints().ok().flatten().map(|e| e.value);
    if !bc.is_some_and(|bc| bc.ca) {
        out.push(
            Finding::error(
                "issuer-not-ca",
                &node.label,
                format!(
                    "issued {} but is not a CA (basicConstraints CA:TRUE is missing)",
                    chain[depth - 1].cert.subject()
                ),
            )
            .with_fix("issue from a real CA certificate (CA:TRUE, keyCertSign)"),
        );
    }
    if let Ok(Some(ku)) = cert.key_usage()
        && !ku.value.key_cert_sign()
    {
        out.push(
            Finding::error(
                "issuer-no-keycertsign",
                &node.label,
                "is an issuer but its keyUsage lacks keyCertSign",
            )
            .with_fix("make a CA whose keyUsage includes keyCertSign"),
        );
    }
    if let Some(limit) = bc.and_then(|bc| bc.path_len_constraint) {
        // Non-self-issued intermediates between this CA and the leaf.
        let below = chain[1..depth]
            .iter()
            .filter(|n| !is_self_signed(&n.cert))
            .count();
        if below > limit as usize {
            out.push(
                Finding::error(
                    "path-length",
                    &node.label,
                    format!(
                        "allows {limit} intermediate CA(s) below it (pathlen:{limit}) but the \
                         chain has {below}"
                    ),
                )
                .with_fix("issue the leaf directly from a CA whose path length allows it"),
            );
        }
    }
}

fn eku_names(cert: &X509Certificate<'_>) -> String {
    let Ok(Some(ext)) = cert.extended_key_usage() else {
        return "none".to_string();
    };
    let eku = ext.value;
    let names = crate::x509::certinfo::eku_names(eku);
    if names.is_empty() {
        "an empty list".to_string()
    } else {
        names.join(", ")
    }
}

/// Whether the EKU of `cert` (if any) allows `purpose`, as Go's `checkChainForKeyUsage` decides:
/// no extension, an empty one, or anyExtendedKeyUsage allow everything.
fn eku_allows(cert: &X509Certificate<'_>, purpose: Purpose) -> bool {
    match cert.extended_key_usage() {
        Ok(Some(ext)) => {
            let eku = ext.value;
            let empty = !eku.any
                && !eku.server_auth
                && !eku.client_auth
                && !eku.code_signing
                && !eku.email_protection
                && !eku.time_stamping
                && !eku.ocsp_signing
                && eku.other.is_empty();
            empty
                || eku.any
                || match purpose {
                    Purpose::Server => eku.server_auth,
                    Purpose::Client => eku.client_auth,
                }
        }
        // No extension: any purpose. A malformed one is left to Docker's verdict.
        _ => true,
    }
}

fn lint_chain_eku(node: &Node<'_>, purpose: Purpose, out: &mut Vec<Finding>) {
    if !eku_allows(&node.cert, purpose) {
        out.push(
            Finding::error(
                "chain-eku",
                &node.label,
                format!(
                    "is a CA in the chain whose extended key usage ({}) excludes {}: Go and rustls \
                     reject every {} certificate below it",
                    eku_names(&node.cert),
                    purpose.eku_name(),
                    match purpose {
                        Purpose::Server => "server",
                        Purpose::Client => "client",
                    }
                ),
            )
            .with_fix("use a CA without an EKU extension (or with both serverAuth and clientAuth)"),
        );
    }
}

fn lint_leaf(leaf: &Node<'_>, input: &ChainIn, out: &mut Vec<Finding>) {
    let cert = &leaf.cert;
    let purpose = input.purpose;
    if !eku_allows(cert, purpose) {
        out.push(
            Finding::error(
                "wrong-eku",
                &leaf.label,
                format!(
                    "is used as a {} certificate but its extended key usage ({}) lacks {}",
                    match purpose {
                        Purpose::Server => "server",
                        Purpose::Client => "client",
                    },
                    eku_names(cert),
                    purpose.eku_name()
                ),
            )
            .with_fix(format!(
                "issue it again with extendedKeyUsage = {} (dockcert init does)",
                purpose.eku_name()
            )),
        );
    }
    if cert.is_ca() {
        out.push(
            Finding::warning(
                "leaf-is-ca",
                &leaf.label,
                "is a leaf certificate with basicConstraints CA:TRUE: whoever holds its key can \
                 issue certificates your daemon trusts (and rustls refuses it as a leaf)",
            )
            .with_fix("issue leaves with CA:FALSE, from a separate CA (dockcert init)"),
        );
    }
    if purpose == Purpose::Server {
        let sans = san_names(cert);
        if sans.is_empty() {
            out.push(
                Finding::error(
                    "no-san",
                    &leaf.label,
                    format!(
                        "has no DNS or IP subject alternative names, only the subject {}; Go (since \
                         1.15) ignores the common name, so no client can verify it",
                        cert.subject()
                    ),
                )
                .with_fix("issue it again with --san for every name and address (dockcert init --san …)"),
            );
        }
        if let Some(host) = &input.host {
            lint_host(leaf, host, &sans, out);
        }
    }
}

/// The DNS and IP SANs, as `DNS:…`/`IP:…`.
fn san_names(cert: &X509Certificate<'_>) -> Vec<String> {
    let Ok(Some(ext)) = cert.subject_alternative_name() else {
        return Vec::new();
    };
    ext.value
        .general_names
        .iter()
        .filter_map(|name| match name {
            GeneralName::DNSName(dns) => Some(format!("DNS:{dns}")),
            GeneralName::IPAddress(bytes) => match bytes.len() {
                4 => <[u8; 4]>::try_from(*bytes)
                    .ok()
                    .map(|b| format!("IP:{}", IpAddr::from(b))),
                16 => <[u8; 16]>::try_from(*bytes)
                    .ok()
                    .map(|b| format!("IP:{}", IpAddr::from(b))),
                _ => Some("IP:(malformed)".to_string()),
            },
            _ => None,
        })
        .collect()
}

/// The host part of `tcp://host:port`, `host:port`, `[v6]:port`, or a bare name/address.
pub fn host_of(value: &str) -> String {
    let rest = value.split_once("://").map_or(value, |(_, rest)| rest);
    let rest = rest.split('/').next().unwrap_or(rest);
    if let Some(v6) = rest.strip_prefix('[') {
        return v6.split(']').next().unwrap_or(v6).to_string();
    }
    if rest.parse::<IpAddr>().is_ok() {
        return rest.to_string();
    }
    match rest.rsplit_once(':') {
        Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) => host.to_string(),
        _ => rest.to_string(),
    }
}

fn lint_host(leaf: &Node<'_>, host: &str, sans: &[String], out: &mut Vec<Finding>) {
    let name = host_of(host);
    // Go's VerifyHostname in every release Docker ships with (a bare `*` covers a single-label
    // name in Go 1.19 only). A leaf Go cannot parse is reported by the chain verdict.
    let answers: Vec<bool> = crate::x509::GoRelease::ALL
        .iter()
        .filter_map(|release| crate::x509::covers_host(leaf.der.as_ref(), &name, *release))
        .collect();
    if answers.is_empty() {
        return;
    }
    let ok = answers.iter().all(|covered| *covered);
    if ok {
        out.push(Finding::ok(
            "host-covered",
            &leaf.label,
            format!("covers the host {name}"),
        ));
    } else {
        let san_arg = if name.parse::<IpAddr>().is_ok() {
            format!("IP:{name}")
        } else {
            name.clone()
        };
        out.push(
            Finding::error(
                "host-not-covered",
                &leaf.label,
                format!(
                    "does not cover the host {name}: clients connecting to it will fail with \
                     \"certificate is valid for …, not {name}\""
                ),
            )
            .with_details(vec![format!(
                "SANs: {}",
                if sans.is_empty() {
                    "none".to_string()
                } else {
                    sans.join(", ")
                }
            )])
            .with_fix(format!(
                "issue the server certificate again with --san {san_arg} (a wildcard covers one \
                 whole leftmost label only; IP addresses need an IP SAN)"
            )),
        );
    }
}

fn lint_key_file(key: &KeyIn, leaf: &Node<'_>, out: &mut Vec<Finding>) {
    let label = display(&key.path);
    match &key.state {
        KeyState::Loaded { spki } => {
            if crate::x509::load::same_public_key(spki, leaf.cert.public_key().raw) {
                out.push(Finding::ok(
                    "key-matches",
                    &label,
                    format!("matches {}", leaf.label),
                ));
            } else {
                out.push(
                    Finding::error(
                        "key-mismatch",
                        &label,
                        format!(
                            "does not belong to {}: the TLS handshake will fail",
                            leaf.label
                        ),
                    )
                    .with_fix("put the key that was issued with this certificate next to it, or issue both again"),
                );
            }
        }
        KeyState::Encrypted => out.push(load_error_finding(&LoadError::EncryptedKey {
            path: key.path.clone(),
        })),
        KeyState::Unusable(why) => out.push(
            Finding::error("file-malformed", &label, why.clone())
                .with_fix("issue a new key and certificate (dockcert init --force)"),
        ),
    }
    if let Some(mode) = key.mode {
        if mode & 0o044 != 0 {
            out.push(
                Finding::error(
                    "key-readable",
                    &label,
                    format!(
                        "is readable by {} (mode {mode:04o}): anyone who can read it can act as \
                         {}",
                        if mode & 0o004 != 0 {
                            "everyone"
                        } else {
                            "its group"
                        },
                        leaf.cert.subject()
                    ),
                )
                .with_fix(format!("chmod 0400 {}", key.path.display())),
            );
        } else {
            out.push(Finding::ok(
                "modes-ok",
                &label,
                format!("mode {mode:04o}: readable by its owner only"),
            ));
        }
    }
}

fn lint_cert_mode(file: &CertsIn, out: &mut Vec<Finding>) {
    if let Some(mode) = file.mode
        && mode & 0o002 != 0
    {
        out.push(
            Finding::warning(
                "cert-writable",
                display(&file.path),
                format!(
                    "is writable by everyone (mode {mode:04o}): anyone could swap in their own CA \
                         or certificate"
                ),
            )
            .with_fix(format!("chmod 0444 {}", file.path.display())),
        );
    }
}

/// Docker's verdict on the chain: the leaf, every other certificate offered (bundled and
/// `--intermediates`), and the trust anchors, judged by each Go release Docker ships with.
fn docker_verdict_of(
    leaf: &Node<'_>,
    intermediates: &[&Node<'_>],
    anchors: &[Node<'_>],
    input: &ChainIn,
    now: OffsetDateTime,
) -> crate::x509::Verdict {
    let ints: Vec<&[u8]> = intermediates.iter().map(|n| n.der.as_ref()).collect();
    let roots: Vec<&[u8]> = anchors.iter().map(|n| n.der.as_ref()).collect();
    let purpose = match input.purpose {
        Purpose::Server => crate::x509::Purpose::ServerAuth {
            host: input.host.as_deref().map(host_of),
        },
        Purpose::Client => crate::x509::Purpose::ClientAuth,
    };
    crate::x509::verify(leaf.der.as_ref(), &ints, &roots, &purpose, now)
}

/// The path Docker verified (issuers nearest first, the anchor last), from the oldest Go release
/// that accepts the chain.
fn docker_path<'n, 'a>(
    verdict: &crate::x509::Verdict,
    leaf: &'n Node<'a>,
    intermediates: &[&'n Node<'a>],
    anchors: &'n [Node<'a>],
) -> Option<Vec<&'n Node<'a>>> {
    let chain = verdict
        .per_release
        .iter()
        .find_map(|(_, result)| result.as_ref().ok())?;
    if chain.len() == 1 {
        // A leaf pinned in ca.pem: it is its own anchor.
        let anchor = anchors
            .iter()
            .find(|a| a.der.as_ref() == leaf.der.as_ref())?;
        return Some(vec![anchor]);
    }
    chain
        .iter()
        .skip(1)
        .map(|&index| {
            if index <= intermediates.len() {
                intermediates.get(index - 1).copied()
            } else {
                anchors.get(index - intermediates.len() - 1)
            }
        })
        .collect()
}

/// Adds Docker's refusals where the lints did not already explain them with the same code.
fn docker_verdict(verdict: &crate::x509::Verdict, leaf: &Node<'_>, out: &mut Vec<Finding>) {
    // Only an error explains Docker's refusal: a profile warning (Docker accepts, RFC 5280 does
    // not) must never hide a reason Docker refuses.
    let errors: Vec<&str> = out
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| f.code)
        .collect();
    let mut added: Vec<&str> = Vec::new();
    for (release, rejection) in verdict.rejections() {
        let code = match rejection.code {
            "expired" => "cert-expired",
            "not-yet-valid" => "cert-not-yet-valid",
            "unknown-authority" => "no-path",
            "insecure-signature" | "unsupported-signature" => "weak-signature",
            "unhandled-critical-extension" => "unknown-critical-extension",
            "no-usable-root" => "file-malformed",
            // A DSA or unknown leaf key: crypto/tls cannot use it.
            "unsupported-leaf-key" | "unsupported-key" => "weak-key",
            code @ ("bad-signature"
            | "issuer-not-ca"
            | "issuer-no-keycertsign"
            | "path-length"
            | "name-constraints"
            | "wrong-eku"
            | "host-not-covered"
            | "key-id-critical") => code,
            code if crate::x509::PERMITTED_DIFFERENCES
                .iter()
                .any(|(listed, _)| *listed == code) =>
            {
                "weak-key"
            }
            _ => "chain-invalid",
        };
        let explained = match code {
            "wrong-eku" => errors.contains(&"wrong-eku") || errors.contains(&"chain-eku"),
            "weak-signature" | "bad-signature" | "no-path" => errors.iter().any(|c| {
                matches!(
                    *c,
                    "weak-signature" | "weak-key" | "bad-signature" | "no-path"
                )
            }),
            "host-not-covered" => {
                errors.contains(&"host-not-covered") || errors.contains(&"no-san")
            }
            code => errors.contains(&code),
        };
        if explained || added.contains(&code) {
            continue;
        }
        added.push(code);
        let others: Vec<String> = verdict
            .rejections()
            .iter()
            .filter(|(other, _)| *other != release)
            .map(|(other, r)| format!("{other}: {}", r.message))
            .collect();
        let message = rejection.message.trim_end_matches('.').to_string();
        out.push(
            Finding::error(code, &leaf.label, message)
                .with_details(others)
                .with_fix(
                    "re-issue it from your CA so Docker accepts it (or `dockcert import-ca` then \
                     `dockcert issue …`)",
                ),
        );
    }
}

/// Removes repeated findings (same code, file and message), keeping the first.
fn dedup(findings: &mut Vec<Finding>) {
    let mut seen = std::collections::HashSet::new();
    findings.retain(|f| seen.insert((f.code, f.subject.clone(), f.message.clone())));
}

/// Checks a CA on its own (dockcert's home, a dind `ca/` directory): the certificate and, when
/// present, its key.
pub fn audit_ca(ca: &CertsIn, key: Option<&KeyIn>, opts: &Options) -> Vec<Finding> {
    let mut out = Vec::new();
    let nodes = parse_nodes(ca);
    for node in &nodes {
        lint_validity(node, opts, &mut out);
        lint_key(node, &mut out);
        lint_serial(node, &mut out);
        lint_critical_extensions(node, &mut out);
        lint_profile(node, &mut out);
        if !is_self_signed(&node.cert) {
            lint_signature_algorithm(node, &mut out);
        }
        // A CA certificate is an issuer by definition: same rules as along a chain.
        let chain = [node, node];
        lint_issuer(node, 1, &chain, &mut out);
    }
    if ca.certs.len() > 1 {
        out.push(
            Finding::warning(
                "ca-bundle",
                display(&ca.path),
                format!(
                    "holds {} certificates; every one of them is trusted",
                    ca.certs.len()
                ),
            )
            .with_fix("keep only the current CA (during a CA rotation two are expected)"),
        );
    }
    lint_cert_mode(ca, &mut out);
    if let (Some(key), Some(first)) = (key, nodes.first()) {
        lint_key_file(key, first, &mut out);
    }
    if !out.iter().any(|f| f.severity == Severity::Error)
        && let Some(first) = nodes.first()
    {
        out.push(Finding::ok(
            "ca-ok",
            display(&ca.path),
            format!("a usable CA: {}", first.cert.subject()),
        ));
    }
    dedup(&mut out);
    out
}

/// Checks a leaf whose CA file could not be read (that is reported on its own): everything but
/// the path.
pub fn audit_cert_alone(
    cert: &CertsIn,
    key: Option<&KeyIn>,
    purpose: Purpose,
    host: Option<&str>,
    opts: &Options,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let nodes = parse_nodes(cert);
    let Some(leaf) = nodes.first() else {
        return out;
    };
    lint_validity(leaf, opts, &mut out);
    lint_key(leaf, &mut out);
    lint_serial(leaf, &mut out);
    lint_critical_extensions(leaf, &mut out);
    lint_profile(leaf, &mut out);
    lint_signature_algorithm(leaf, &mut out);
    let input = ChainIn {
        ca: cert.clone(),
        cert: cert.clone(),
        intermediates: None,
        key: None,
        purpose,
        host: host.map(str::to_string),
    };
    lint_leaf(leaf, &input, &mut out);
    if let Some(key) = key {
        lint_key_file(key, leaf, &mut out);
    }
    lint_cert_mode(cert, &mut out);
    dedup(&mut out);
    out
}

/// A context's TLS copy compared with the current client files: warns when the context holds an
/// older certificate of the same subject (it was not updated after a renewal).
pub fn audit_context_copy(
    context: &str,
    copy: &CertsIn,
    current: &CertsIn,
    what: &str,
) -> Option<Finding> {
    let a = copy.certs.first()?;
    let b = current.certs.first()?;
    if a == b {
        return None;
    }
    let (_, old) = X509Certificate::from_der(a.as_ref()).ok()?;
    let (_, new) = X509Certificate::from_der(b.as_ref()).ok()?;
    if old.subject().as_raw() != new.subject().as_raw() {
        return None;
    }
    Some(
        Finding::warning(
            "context-stale",
            display(&copy.path),
            format!(
                "docker context '{context}' holds an older copy of the {what} than {} (it expires \
                 {}, the current one {}): the context was not updated after a renewal",
                current.path.display(),
                old.validity().not_after.to_datetime().date(),
                new.validity().not_after.to_datetime().date()
            ),
        )
        .with_fix(format!(
            "docker context update {context} --docker \"host=…,ca={0}/ca.pem,cert={0}/cert.pem,key={0}/key.pem\"",
            current
                .path
                .parent()
                .map(display)
                .unwrap_or_else(|| ".".to_string())
        )),
    )
}

/// The `hosts` of a dockerd command line (`-H x`, `-H=x`, `--host x`, `--host=x`).
pub fn command_line_hosts(args: &[String]) -> Vec<String> {
    let mut hosts = Vec::new();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        if arg == "-H" || arg == "--host" {
            if let Some(value) = iter.next() {
                hosts.push(value.clone());
            }
        } else if let Some(value) = arg
            .strip_prefix("-H=")
            .or_else(|| arg.strip_prefix("--host="))
            .or_else(|| arg.strip_prefix("-H").filter(|v| !v.is_empty()))
        {
            hosts.push(value.to_string());
        }
    }
    hosts
}

/// What a daemon.json says about TLS.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DaemonTls {
    /// `tlscacert`.
    pub ca: Option<PathBuf>,
    /// `tlscert`.
    pub cert: Option<PathBuf>,
    /// `tlskey`.
    pub key: Option<PathBuf>,
    /// `hosts`.
    pub hosts: Vec<String>,
}

/// Checks a daemon.json's text. `command_line` is dockerd's command line when known (the systemd
/// unit's ExecStart), to catch `hosts` given twice. Returns the findings and the TLS files it
/// names (to be checked as a server chain).
pub fn audit_daemon_json(
    path: &Path,
    text: &str,
    command_line: Option<&[String]>,
) -> (Vec<Finding>, DaemonTls) {
    let mut out = Vec::new();
    let label = display(path);
    let value: serde_json::Value = match serde_json::from_str(text) {
        Ok(value) => value,
        Err(err) => {
            out.push(
                Finding::error(
                    "daemon-json-invalid",
                    &label,
                    format!("is not valid JSON ({err}); dockerd will refuse to start"),
                )
                .with_fix("fix the JSON syntax (python3 -m json.tool < daemon.json shows where)"),
            );
            return (out, DaemonTls::default());
        }
    };
    let Some(object) = value.as_object() else {
        out.push(Finding::error(
            "daemon-json-invalid",
            &label,
            "is not a JSON object; dockerd will refuse to start",
        ));
        return (out, DaemonTls::default());
    };
    let flag = |name: &str| object.get(name).and_then(serde_json::Value::as_bool);
    let text_of = |name: &str| {
        object
            .get(name)
            .and_then(serde_json::Value::as_str)
            .map(PathBuf::from)
    };
    let hosts: Vec<String> = match object.get("hosts") {
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .filter_map(|h| h.as_str().map(str::to_string))
            .collect(),
        Some(serde_json::Value::String(one)) => vec![one.clone()],
        _ => Vec::new(),
    };
    let tls = DaemonTls {
        ca: text_of("tlscacert"),
        cert: text_of("tlscert"),
        key: text_of("tlskey"),
        hosts: hosts.clone(),
    };
    let tcp: Vec<&String> = hosts
        .iter()
        .filter(|h| h.starts_with("tcp://") || (!h.contains("://") && h.contains(':')))
        .collect();
    let tlsverify = flag("tlsverify") == Some(true);
    if !tcp.is_empty() && !tlsverify {
        out.push(
            Finding::error(
                "daemon-tcp-no-tlsverify",
                &label,
                format!(
                    "listens on {} without \"tlsverify\": true; anyone who can reach the port is \
                     root on this host{}",
                    tcp.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "),
                    if flag("tls") == Some(true) {
                        " (\"tls\": true encrypts but accepts any client)"
                    } else {
                        ""
                    }
                ),
            )
            .with_fix(
                "set \"tlsverify\": true with tlscacert, tlscert and tlskey (dockcert init prints them)",
            ),
        );
    }
    if tlsverify && (tls.ca.is_none() || tls.cert.is_none() || tls.key.is_none()) {
        out.push(
            Finding::warning(
                "daemon-no-tls",
                &label,
                "sets tlsverify but not all of tlscacert, tlscert and tlskey: dockerd falls back \
                 to ~/.docker/{ca,cert,key}.pem of the user it runs as",
            )
            .with_fix("name the three files explicitly"),
        );
    }
    if let Some(args) = command_line {
        let flags = command_line_hosts(args);
        if !hosts.is_empty() && !flags.is_empty() {
            out.push(
                Finding::warning(
                    "daemon-hosts-conflict",
                    &label,
                    format!(
                        "sets \"hosts\" and dockerd's command line also has -H ({}): dockerd \
                         refuses to start (\"directives are specified both as a flag and in the \
                         configuration file\")",
                        flags.join(" ")
                    ),
                )
                .with_fix("keep hosts in one place: remove -H from the service's ExecStart (systemctl edit docker) or \"hosts\" from daemon.json"),
            );
        }
    }
    if !out.iter().any(|f| f.severity >= Severity::Warning) {
        out.push(Finding::ok(
            "daemon-json-ok",
            &label,
            if tcp.is_empty() {
                "listens on no TCP socket".to_string()
            } else {
                "listens on TCP with tlsverify".to_string()
            },
        ));
    }
    (out, tls)
}

#[cfg(test)]
mod tests;

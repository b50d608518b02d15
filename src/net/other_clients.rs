//! When Docker accepts a daemon's chain, would the daemon's other clients? Three families are
//! judged, each by its own rules, so that `verify` can warn before they break:
//!
//! - OpenSSL with its default rules: the Python docker SDK, docker-compose v1, Ansible's docker
//!   modules and curl. OpenSSL picks an issuer by name *and* authority key identifier
//!   (`X509_check_akid` in `crypto/x509/v3_purp.c`), and its `sslserver` purpose requires a leaf
//!   keyUsage, when present, to allow digitalSignature, keyEncipherment or keyAgreement.
//! - OpenSSL with `X509_V_FLAG_X509_STRICT`, which Python 3.13's `ssl.create_default_context()`
//!   sets: the RFC 5280 profile checks of `check_chain_extensions` in `crypto/x509/x509_vfy.c`
//!   (OpenSSL 3.0), which apply to chains of two or more certificates only. They are not restated
//!   here: the audit lints that describe them (`x509::audit::OPENSSL_STRICT`) run on the chain, so
//!   that `verify` and `audit --strict` can never disagree.
//! - rustls-webpki, as rustls-based clients use it.
//!
//! Pure: DER in, findings (warnings) out.

use rustls::pki_types::{CertificateDer, ServerName, TrustAnchor, UnixTime};
use std::time::Duration;
use time::OffsetDateTime;
use x509_parser::extensions::ParsedExtension;
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::finding::Finding;

/// The OpenSSL-based clients of a Docker daemon, for messages.
pub const OPENSSL_CLIENTS: &str = "OpenSSL-based clients (the Python docker SDK, docker-compose v1, Ansible's docker modules, curl)";
const STRICT_CLIENTS: &str = "OpenSSL in strict mode (X509_STRICT, which Python 3.13's \
                              ssl.create_default_context() turns on)";
const RUSTLS_CLIENTS: &str = "rustls-based clients (e.g. Rust programs using bollard with rustls)";

/// The facts of one certificate these rules look at.
struct Facts<'a> {
    der: &'a [u8],
    cert: X509Certificate<'a>,
}

impl<'a> Facts<'a> {
    fn parse(der: &'a [u8]) -> Option<Facts<'a>> {
        let (_, cert) = X509Certificate::from_der(der).ok()?;
        Some(Facts { der, cert })
    }

    fn subject(&self) -> String {
        self.cert.subject().to_string()
    }

    fn key_usage(&self) -> Option<x509_parser::extensions::KeyUsage> {
        self.cert
            .extensions()
            .iter()
            .find_map(|ext| match ext.parsed_extension() {
                ParsedExtension::KeyUsage(ku) => Some(*ku),
                _ => None,
            })
    }

    /// (key identifier, critical) of the authority key identifier.
    fn aki(&self) -> Option<(Option<Vec<u8>>, bool)> {
        self.cert
            .extensions()
            .iter()
            .find_map(|ext| match ext.parsed_extension() {
                ParsedExtension::AuthorityKeyIdentifier(aki) => Some((
                    aki.key_identifier.as_ref().map(|k| k.0.to_vec()),
                    ext.critical,
                )),
                _ => None,
            })
    }

    /// (key identifier, critical) of the subject key identifier.
    fn ski(&self) -> Option<(Vec<u8>, bool)> {
        self.cert
            .extensions()
            .iter()
            .find_map(|ext| match ext.parsed_extension() {
                ParsedExtension::SubjectKeyIdentifier(ski) => Some((ski.0.to_vec(), ext.critical)),
                _ => None,
            })
    }

    fn self_issued(&self) -> bool {
        self.cert.subject().as_raw() == self.cert.issuer().as_raw()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// Where OpenSSL finds a CA by name whose key identifier does not fit: the child's index in the
/// chain, the key identifier it names, and the CAs of that name.
type AkiMismatch<'a> = (usize, Vec<u8>, Vec<&'a Facts<'a>>);

/// The chain OpenSSL would build: from the leaf, issuers by name among the intermediates and the
/// roots, preferring one whose SKI matches the child's AKI. Stops at a root or a self-issued
/// certificate. Also returns the first link where a name matched but no key identifier did.
fn openssl_chain<'a>(
    leaf: &'a Facts<'a>,
    intermediates: &'a [Facts<'a>],
    roots: &'a [Facts<'a>],
) -> (Vec<&'a Facts<'a>>, Option<AkiMismatch<'a>>) {
    let mut chain = vec![leaf];
    let mut mismatch = None;
    if roots.iter().any(|r| r.der == leaf.der) {
        return (chain, None);
    }
    let mut current = leaf;
    while chain.len() < 10 {
        if current.self_issued() && chain.len() > 1 {
            break;
        }
        let by_name: Vec<&Facts<'a>> = roots
            .iter()
            .chain(intermediates)
            .filter(|c| c.cert.subject().as_raw() == current.cert.issuer().as_raw())
            .filter(|c| c.der != current.der)
            .collect();
        if by_name.is_empty() {
            break;
        }
        let wanted = current.aki().and_then(|(keyid, _)| keyid);
        let fits = |c: &&Facts<'a>| match (&wanted, c.ski()) {
            (Some(want), Some((have, _))) => *want == have,
            _ => true,
        };
        let Some(next) = by_name.iter().copied().find(fits) else {
            if mismatch.is_none() {
                mismatch = Some((chain.len() - 1, wanted.unwrap_or_default(), by_name));
            }
            break;
        };
        chain.push(next);
        if roots.iter().any(|r| r.der == next.der) {
            break;
        }
        current = next;
    }
    (chain, mismatch)
}

/// Warnings for the daemon's chain (`leaf`, `intermediates` as presented, `roots` = the client's
/// ca.pem) that Docker accepted: what other clients would refuse, and why.
pub fn judge_server_chain(
    leaf: &[u8],
    intermediates: &[&[u8]],
    roots: &[&[u8]],
    host: &str,
    now: OffsetDateTime,
    subject: &str,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let Some(leaf_facts) = Facts::parse(leaf) else {
        return out;
    };
    let inter: Vec<Facts<'_>> = intermediates
        .iter()
        .filter_map(|d| Facts::parse(d))
        .collect();
    let anchors: Vec<Facts<'_>> = roots.iter().filter_map(|d| Facts::parse(d)).collect();
    let (chain, mismatch) = openssl_chain(&leaf_facts, &inter, &anchors);

    // OpenSSL default rules.
    let mut openssl = Vec::new();
    if let Some((index, keyid, candidates)) = &mismatch {
        let child = chain[*index];
        let mut why = format!(
            "the authority key identifier of {} ({}) matches the subject key identifier of no CA named {}",
            child.subject(),
            hex(keyid),
            child.cert.issuer()
        );
        for candidate in candidates {
            if let Some((ski, _)) = candidate.ski() {
                why.push_str(&format!(" (that CA's is {})", hex(&ski)));
            }
        }
        why.push_str(", so OpenSSL finds no issuer: \"unable to get local issuer certificate\"");
        openssl.push(why);
    }
    if let Some(ku) = leaf_facts.key_usage()
        && !(ku.digital_signature() || ku.key_encipherment() || ku.key_agreement())
    {
        openssl.push(format!(
            "the daemon's certificate has a keyUsage ({ku}) without digitalSignature, keyEncipherment or \
             keyAgreement, so OpenSSL refuses it for a TLS server: \"unsupported certificate purpose\""
        ));
    }
    // OpenSSL's `xku_reject`: an extendedKeyUsage without serverAuth refuses the sslserver
    // purpose, and anyExtendedKeyUsage does not count (Go honours it).
    if let Ok(Some(eku)) = leaf_facts.cert.extended_key_usage()
        && !eku.value.server_auth
    {
        openssl.push(
            "the daemon's certificate has an extendedKeyUsage without serverAuth (anyExtendedKeyUsage does \
             not count for OpenSSL): \"unsupported certificate purpose\""
                .to_string(),
        );
    }
    if let Some(wildcard) = openssl_refused_wildcard(&leaf_facts.cert, host) {
        openssl.push(format!(
            "the host name {host} matches only the wildcard {wildcard}, and OpenSSL accepts a wildcard only \
             with at least two labels after it (X509_check_host): \"hostname mismatch\""
        ));
    }
    let small_rsa = crate::net::rsa_legacy::small_rsa_bits(leaf_facts.cert.public_key().raw);
    if let Some(bits) = small_rsa {
        openssl.push(format!(
            "the daemon's certificate has a {bits}-bit RSA key, below OpenSSL's security level 2 (the \
             default of Debian's, Ubuntu's and RHEL's OpenSSL, and of Python 3.10+): \"EE certificate key too weak\""
        ));
    }
    for why in openssl {
        out.push(
            Finding::warning(
                "other-clients-openssl",
                subject,
                format!("Docker accepts this daemon, but {OPENSSL_CLIENTS} will refuse it: {why}"),
            )
            .with_fix(
                "re-issue the daemon's certificate from your CA so that its authority key identifier \
                 and key usage are right (or `dockcert import-ca` then `dockcert issue server …`)",
            ),
        );
    }

    // OpenSSL X509_STRICT: only for chains of two or more certificates (RFC 6818 2 exempts a
    // self-signed end entity). What it refuses is what `audit --strict` reports for the chain: one
    // source, `x509::audit::openssl_strict_findings`.
    if chain.len() > 1 && mismatch.is_none() {
        let strict = crate::x509::audit::openssl_strict_findings(leaf, intermediates, roots, now);
        if !strict.is_empty() {
            let mut codes: Vec<&str> = strict.iter().map(|f| f.code).collect();
            codes.dedup();
            out.push(
                Finding::warning(
                    "other-clients-strict",
                    subject,
                    format!(
                        "Docker accepts this daemon, but {STRICT_CLIENTS} will refuse it, for what \
                         `dockcert audit --strict` reports as {}:",
                        codes.join(", ")
                    ),
                )
                .with_details(
                    strict
                        .iter()
                        .map(|f| format!("{} {} ({})", f.subject, f.message, f.code))
                        .collect(),
                )
                .with_fix(
                    "re-issue the certificates to the RFC 5280 profile (`dockcert audit --strict` lists \
                     what to change; `dockcert init` makes such a set)",
                ),
            );
        }
    }

    let rustls_why = webpki_refusal(leaf, intermediates, roots, host, now).or_else(|| {
        small_rsa.map(|bits| {
            format!(
                "the daemon's certificate has a {bits}-bit RSA key, and rustls checks handshake signatures \
                 only with RSA keys of 2048 bits or more"
            )
        })
    });
    if let Some(why) = rustls_why {
        out.push(
            Finding::warning(
                "other-clients-rustls",
                subject,
                format!("Docker accepts this daemon, but {RUSTLS_CLIENTS} will refuse it: {why}"),
            )
            .with_fix("`dockcert audit --strict` lists what rustls-webpki enforces; a set made by `dockcert init` passes it"),
        );
    }
    out
}

/// When `host` (a DNS name) is covered by the leaf only through a wildcard that OpenSSL refuses
/// because fewer than two labels follow it (`*.localhost`; `valid_star` in `crypto/x509/v3_utl.c`),
/// that wildcard. Go accepts it (its wildcard is one whole leftmost label, no minimum).
pub fn openssl_refused_wildcard(cert: &X509Certificate<'_>, host: &str) -> Option<String> {
    if host.parse::<std::net::IpAddr>().is_ok() {
        return None;
    }
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let names: Vec<String> = cert
        .subject_alternative_name()
        .ok()
        .flatten()
        .map(|ext| {
            ext.value
                .general_names
                .iter()
                .filter_map(|n| match n {
                    x509_parser::extensions::GeneralName::DNSName(d) => {
                        Some(d.to_ascii_lowercase())
                    }
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    if names.contains(&host) {
        return None;
    }
    let (_, rest) = host.split_once('.')?;
    let wildcard = names
        .iter()
        .find(|n| n.strip_prefix("*.").is_some_and(|r| r == rest))?;
    (!rest.contains('.')).then(|| wildcard.clone())
}

/// rustls-webpki's reason to refuse the chain, in words, or `None` when it accepts.
fn webpki_refusal(
    leaf: &[u8],
    intermediates: &[&[u8]],
    roots: &[&[u8]],
    host: &str,
    now: OffsetDateTime,
) -> Option<String> {
    let anchors: Vec<TrustAnchor<'_>> = roots
        .iter()
        .filter_map(|r| {
            webpki::anchor_from_trusted_cert(&CertificateDer::from(*r))
                .ok()
                .map(|a| a.to_owned())
        })
        .collect();
    let inter: Vec<CertificateDer<'_>> = intermediates
        .iter()
        .map(|c| CertificateDer::from(*c))
        .collect();
    let leaf_der = CertificateDer::from(leaf);
    let time = UnixTime::since_unix_epoch(Duration::from_secs(
        now.unix_timestamp().max(0).unsigned_abs(),
    ));
    let result = webpki::EndEntityCert::try_from(&leaf_der).and_then(|ee| {
        ee.verify_for_usage(
            webpki::ALL_VERIFICATION_ALGS,
            &anchors,
            &inter,
            time,
            webpki::KeyUsage::server_auth(),
            None,
            None,
        )?;
        let name = ServerName::try_from(host.to_string())
            .map_err(|_| webpki::Error::MalformedDnsIdentifier)?;
        ee.verify_is_valid_for_subject_name(&name)
    });
    result.err().map(|err| webpki_words(&err))
}

/// rustls-webpki's error as a sentence.
pub fn webpki_words(err: &webpki::Error) -> String {
    use webpki::Error as E;
    match err {
        E::CaUsedAsEndEntity => {
            "the daemon's certificate is a CA certificate (basicConstraints CA:TRUE), which they never accept as a server certificate".into()
        }
        E::UnsupportedCertVersion => {
            "a certificate in the chain is X.509 v1 or v2, and they accept only v3 below the root".into()
        }
        E::UnknownIssuer => {
            "they find no path to ca.pem: a certificate pinned in ca.pem must be a v3 self-signed non-CA \
             certificate for them, and a CA's own validity, constraints and key usage are not what they look at"
                .into()
        }
        E::UnsupportedCriticalExtension => {
            "a certificate carries a critical extension they do not handle (e.g. a critical authority or \
             subject key identifier, or critical certificate policies)"
                .into()
        }
        E::CertNotValidForName(_) | E::MalformedDnsIdentifier => {
            "the host name does not match by their rules (they accept no two-label wildcard such as \
             *.localhost, no SAN ending in a dot, and IPv4 only as an IPv4 SAN)"
                .into()
        }
        E::UnsupportedSignatureAlgorithmForPublicKeyContext(_)
        | E::UnsupportedSignatureAlgorithmContext(_)
        | E::InvalidSignatureForPublicKey => {
            "a signature or key is outside what they support (RSA below 2048 bits, SHA-1, P-224 …)".into()
        }
        E::RequiredEkuNotFoundContext(_) => {
            "the extended key usage does not allow TLS server authentication by their rules (they do not \
             honour anyExtendedKeyUsage)"
                .into()
        }
        E::NameConstraintViolation => {
            "a name in the chain is outside a CA's name constraints by their rules".into()
        }
        E::MaximumPathDepthExceeded | E::MaximumPathBuildCallsExceeded => {
            "the chain has more than six intermediates".into()
        }
        E::BadDer | E::BadDerTime | E::TrailingData(_) => {
            "a certificate's encoding is not what they accept (e.g. issuer or subject unique IDs)".into()
        }
        _ => "rustls-webpki refuses the chain".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cert_with(sans: &[&str]) -> Vec<u8> {
        let key = rcgen::KeyPair::generate().unwrap();
        let params =
            rcgen::CertificateParams::new(sans.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                .unwrap();
        params.self_signed(&key).unwrap().der().to_vec()
    }

    #[test]
    fn openssl_wants_two_labels_after_a_wildcard() {
        let der = cert_with(&["*.localhost", "*.example.com"]);
        let (_, cert) = X509Certificate::from_der(&der).unwrap();
        assert_eq!(
            openssl_refused_wildcard(&cert, "docker.localhost").as_deref(),
            Some("*.localhost")
        );
        assert_eq!(openssl_refused_wildcard(&cert, "docker.example.com"), None);
        assert_eq!(openssl_refused_wildcard(&cert, "127.0.0.1"), None);
        let der = cert_with(&["*.localhost", "docker.localhost"]);
        let (_, cert) = X509Certificate::from_der(&der).unwrap();
        assert_eq!(openssl_refused_wildcard(&cert, "Docker.localhost."), None);
    }

    #[test]
    fn a_mismatched_key_identifier_is_what_openssl_refuses() {
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca.distinguished_name.push(rcgen::DnType::CommonName, "CA");
        ca.key_usages = vec![rcgen::KeyUsagePurpose::KeyCertSign];
        let ca_cert = ca.clone().self_signed(&ca_key).unwrap();
        let issuer = rcgen::Issuer::new(ca, ca_key);
        let leaf_key = rcgen::KeyPair::generate().unwrap();
        let mut leaf = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
        leaf.use_authority_key_identifier_extension = false;
        // authorityKeyIdentifier { keyIdentifier 01..14 }
        let mut aki = vec![0x30, 0x16, 0x80, 0x14];
        aki.extend(1..=20u8);
        leaf.custom_extensions = vec![rcgen::CustomExtension::from_oid_content(
            &[2, 5, 29, 35],
            aki,
        )];
        let leaf_cert = leaf.signed_by(&leaf_key, &issuer).unwrap();
        let now = time::OffsetDateTime::now_utc();
        let found = judge_server_chain(
            leaf_cert.der(),
            &[],
            &[ca_cert.der().as_ref()],
            "localhost",
            now,
            "tcp://localhost:2376",
        );
        let openssl: Vec<&Finding> = found
            .iter()
            .filter(|f| f.code == "other-clients-openssl")
            .collect();
        assert_eq!(openssl.len(), 1, "{found:#?}");
        assert!(openssl[0]
            .message
            .contains("(01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10:11:12:13:14) matches the subject key identifier of no CA named CN=CA"));

        // The same leaf with the right key identifier: OpenSSL has nothing to say.
        let mut leaf = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
        leaf.use_authority_key_identifier_extension = true;
        let leaf_cert = leaf.signed_by(&leaf_key, &issuer).unwrap();
        let found = judge_server_chain(
            leaf_cert.der(),
            &[],
            &[ca_cert.der().as_ref()],
            "localhost",
            now,
            "tcp://localhost:2376",
        );
        assert!(
            !found.iter().any(|f| f.code == "other-clients-openssl"),
            "{found:#?}"
        );
    }
}

//! Docker's verdict on a chain, as `verify` asks for it.
//!
//! TRANSITIONAL: the Go-faithful verifier (`crate::x509::goverify`) is being written on another
//! branch; until it is merged, this stand-in gives the same API with rustls-webpki's rules plus the
//! two Docker leniencies that matter most for `verify` (a pinned leaf in ca.pem; a `CA:TRUE` leaf
//! is not judged here but by webpki). Once merged this file becomes a re-export of it.

use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use std::fmt;
use std::time::Duration;
use time::OffsetDateTime;

/// What the chain is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// A server certificate, checked for `host` when given.
    ServerAuth {
        /// The name the client dialled.
        host: Option<String>,
    },
    /// A client certificate.
    ClientAuth,
}

/// A Go release Docker ships with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GoRelease {
    /// Go 1.19 (Debian's docker.io 20.10).
    Go119,
    /// Go 1.24 as the docker CLI 28 is built.
    DockerCli28,
}

impl fmt::Display for GoRelease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            GoRelease::Go119 => "Go 1.19 (dockerd and docker CLI 20.10)",
            GoRelease::DockerCli28 => "Go 1.24 (docker CLI 28)",
        })
    }
}

/// Why a release refuses a chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// A stable identifier.
    pub code: &'static str,
    /// A sentence.
    pub message: String,
}

/// Each release's answer: the chain it built (indices) or why it refused.
#[derive(Clone, Debug)]
pub struct Verdict {
    /// One entry per release.
    pub per_release: Vec<(GoRelease, Result<Vec<usize>, Rejection>)>,
}

impl Verdict {
    /// Whether every release accepts.
    pub fn accepted(&self) -> bool {
        self.per_release.iter().all(|(_, r)| r.is_ok())
    }

    /// The releases that refuse, with why.
    pub fn rejections(&self) -> Vec<(GoRelease, &Rejection)> {
        self.per_release
            .iter()
            .filter_map(|(release, r)| r.as_ref().err().map(|e| (*release, e)))
            .collect()
    }
}

/// Judges a chain.
pub fn verify(
    leaf: &[u8],
    intermediates: &[&[u8]],
    roots: &[&[u8]],
    purpose: &Purpose,
    now: OffsetDateTime,
) -> Verdict {
    let result = judge(leaf, intermediates, roots, purpose, now);
    Verdict {
        per_release: vec![
            (GoRelease::Go119, result.clone()),
            (GoRelease::DockerCli28, result),
        ],
    }
}

fn judge(
    leaf: &[u8],
    intermediates: &[&[u8]],
    roots: &[&[u8]],
    purpose: &Purpose,
    now: OffsetDateTime,
) -> Result<Vec<usize>, Rejection> {
    // Go: a leaf that is itself in the root pool is a one-certificate chain.
    if roots.contains(&leaf) {
        return Ok(vec![0]);
    }
    let mut store = rustls::RootCertStore::empty();
    for root in roots {
        let _ = store.add(CertificateDer::from(root.to_vec()));
    }
    let provider = std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let inter: Vec<CertificateDer<'static>> = intermediates
        .iter()
        .map(|c| CertificateDer::from(c.to_vec()))
        .collect();
    let at = UnixTime::since_unix_epoch(Duration::from_secs(
        now.unix_timestamp().max(0).unsigned_abs(),
    ));
    let leaf = CertificateDer::from(leaf.to_vec());
    let result = match purpose {
        Purpose::ServerAuth { host } => {
            let verifier = rustls::client::WebPkiServerVerifier::builder_with_provider(
                std::sync::Arc::new(store),
                provider,
            )
            .build()
            .map_err(|_| rejection("unknown-authority", "no usable root"))?;
            let name = host
                .clone()
                .and_then(|h| ServerName::try_from(h).ok())
                .unwrap_or_else(|| ServerName::try_from("invalid.invalid").expect("valid name"));
            verifier
                .verify_server_cert(&leaf, &inter, &name, &[], at)
                .map(|_| ())
        }
        Purpose::ClientAuth => {
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                std::sync::Arc::new(store),
                provider,
            )
            .build()
            .map_err(|_| rejection("unknown-authority", "no usable root"))?;
            verifier.verify_client_cert(&leaf, &inter, at).map(|_| ())
        }
    };
    use rustls::CertificateError as E;
    match result {
        Ok(()) => Ok(vec![0]),
        Err(rustls::Error::InvalidCertificate(err)) => Err(match err {
            E::Expired | E::ExpiredContext { .. } => {
                rejection("expired", "certificate has expired")
            }
            E::NotValidYet | E::NotValidYetContext { .. } => {
                rejection("not-yet-valid", "certificate is not yet valid")
            }
            E::NotValidForName | E::NotValidForNameContext { .. } => {
                rejection("hostname", "certificate is not valid for the host name")
            }
            E::InvalidPurpose | E::InvalidPurposeContext { .. } => rejection(
                "incompatible-usage",
                "certificate specifies an incompatible key usage",
            ),
            E::UnknownIssuer | E::BadSignature => rejection(
                "unknown-authority",
                "certificate signed by unknown authority",
            ),
            _ => rejection("invalid", "certificate is not valid"),
        }),
        Err(_) => Err(rejection("invalid", "certificate is not valid")),
    }
}

fn rejection(code: &'static str, message: &str) -> Rejection {
    Rejection {
        code,
        message: message.to_string(),
    }
}

use rustls::client::danger::ServerCertVerifier as _;

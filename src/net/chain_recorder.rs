//! What `verify`'s one real handshake showed: the chain the daemon presented, Docker's verdict on
//! it (given by [`crate::net::docker_verifier::DockerServerVerifier`], which fills this in), and
//! whether and for which CAs the daemon asked for a client certificate. The diagnosis reads it, so
//! no second handshake is needed, and nothing is sent over a connection that failed verification.

use std::sync::{Arc, Mutex, PoisonError};

use rustls::SignatureScheme;
use rustls::client::ResolvesClientCert;
use rustls::pki_types::CertificateDer;
use rustls::sign::CertifiedKey;
use x509_parser::prelude::{FromDer, X509Certificate, X509Name};

use crate::finding::Finding;

/// Docker's verdict on the daemon's chain.
#[derive(Debug, Default, Clone)]
pub struct ServerVerdict {
    /// Each Go release that refuses it: (release, code, message). Empty = Docker accepts.
    pub rejections: Vec<(String, &'static str, String)>,
    /// When Docker accepts: what other clients would refuse (warnings).
    pub other_clients: Vec<Finding>,
}

/// The daemon's certificate request as the docker CLI judges it.
#[derive(Debug, Default, Clone)]
pub struct CertificateRequest {
    /// The CA names the daemon listed (its `--tlscacert` subjects), as text.
    pub acceptable_cas: Vec<String>,
    /// Whether the client chain fits one of them (Go's `CertificateRequestInfo.SupportsCertificate`:
    /// some certificate's issuer equals a listed name, or the list is empty).
    pub fits: bool,
}

/// What the handshake showed, filled in as it happens.
#[derive(Clone, Debug, Default)]
pub struct Observed {
    /// The daemon's certificate chain, leaf first, as presented.
    pub chain: Vec<CertificateDer<'static>>,
    /// Docker's verdict on it, once judged.
    pub server: Option<ServerVerdict>,
    /// Whether the daemon asked for a client certificate at all.
    pub client_cert_requested: bool,
    /// The daemon's certificate request, when it sent one.
    pub request: Option<CertificateRequest>,
}

/// Shared between the verifier, the resolver and the caller.
pub type Recorder = Arc<Mutex<Observed>>;

/// Changes the record.
pub fn record(recorder: &Recorder, change: impl FnOnce(&mut Observed)) {
    change(&mut recorder.lock().unwrap_or_else(PoisonError::into_inner));
}

/// A distinguished name (DER) as text.
pub fn name_text(der: &[u8]) -> String {
    match X509Name::from_der(der) {
        Ok((_, name)) if name.iter_attributes().next().is_some() => name.to_string(),
        Ok(_) => "an empty name".to_string(),
        Err(_) => "an unreadable name".to_string(),
    }
}

/// Whether the docker CLI would send `chain` for a request listing `acceptable` CA names: Go's
/// `SupportsCertificate` (crypto/tls common.go) accepts when the list is empty or some
/// certificate's raw issuer equals a listed name byte for byte.
pub fn chain_fits_request(chain: &[CertificateDer<'_>], acceptable: &[&[u8]]) -> bool {
    acceptable.is_empty()
        || chain.iter().any(|cert| {
            X509Certificate::from_der(cert.as_ref())
                .is_ok_and(|(_, c)| acceptable.contains(&c.issuer().as_raw()))
        })
}

/// Presents the client certificate the way the docker CLI does (only when it fits the daemon's
/// list of CAs), and records the request.
#[derive(Debug)]
pub struct RecordingClientCert {
    key: Arc<CertifiedKey>,
    recorder: Recorder,
}

impl RecordingClientCert {
    /// Presents `key` whenever the docker CLI would.
    pub fn new(key: Arc<CertifiedKey>, recorder: Recorder) -> RecordingClientCert {
        RecordingClientCert { key, recorder }
    }
}

impl ResolvesClientCert for RecordingClientCert {
    fn resolve(
        &self,
        root_hint_subjects: &[&[u8]],
        _sigschemes: &[SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        let fits = chain_fits_request(&self.key.cert, root_hint_subjects);
        record(&self.recorder, |seen| {
            seen.client_cert_requested = true;
            seen.request = Some(CertificateRequest {
                acceptable_cas: root_hint_subjects.iter().map(|n| name_text(n)).collect(),
                fits,
            });
        });
        // Like the docker CLI: no fitting certificate, no certificate (the daemon then says
        // "client didn't provide a certificate").
        fits.then(|| Arc::clone(&self.key))
    }

    fn has_certs(&self) -> bool {
        true
    }
}

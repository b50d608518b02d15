//! Diagnosis only: records what the daemon presented during `verify`'s one real handshake, so that
//! when verification fails dockcert can show the chain next to the local CA instead of a bare
//! "unknown issuer". Nothing here accepts anything the real verifier rejects: [`RecordingVerifier`]
//! stores the chain and then returns exactly what rustls' WebPKI verifier decides, so no data is
//! ever sent over a connection that failed verification. No second handshake is needed.

use std::sync::{Arc, Mutex, PoisonError};

use rustls::client::ResolvesClientCert;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::sign::CertifiedKey;
use rustls::{DigitallySignedStruct, Error, SignatureScheme};

/// What the handshake showed, filled in as it happens.
#[derive(Debug, Default)]
pub struct Observed {
    /// The daemon's certificate chain, leaf first, as presented.
    pub chain: Vec<CertificateDer<'static>>,
    /// Whether the daemon asked for a client certificate at all.
    pub client_cert_requested: bool,
}

/// Shared between the verifier, the resolver and the caller.
pub type Recorder = Arc<Mutex<Observed>>;

fn record(recorder: &Recorder, change: impl FnOnce(&mut Observed)) {
    change(&mut recorder.lock().unwrap_or_else(PoisonError::into_inner));
}

/// A server certificate verifier that records the presented chain, then delegates.
#[derive(Debug)]
pub struct RecordingVerifier {
    inner: Arc<dyn ServerCertVerifier>,
    recorder: Recorder,
}

impl RecordingVerifier {
    /// Wraps the real verifier.
    pub fn new(inner: Arc<dyn ServerCertVerifier>, recorder: Recorder) -> RecordingVerifier {
        RecordingVerifier { inner, recorder }
    }
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        record(&self.recorder, |seen| {
            seen.chain = std::iter::once(end_entity)
                .chain(intermediates)
                .map(|cert| cert.clone().into_owned())
                .collect();
        });
        self.inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// Presents the client certificate, and records that the daemon asked for one.
#[derive(Debug)]
pub struct RecordingClientCert {
    key: Arc<CertifiedKey>,
    recorder: Recorder,
}

impl RecordingClientCert {
    /// Presents `key` whenever asked.
    pub fn new(key: Arc<CertifiedKey>, recorder: Recorder) -> RecordingClientCert {
        RecordingClientCert { key, recorder }
    }
}

impl ResolvesClientCert for RecordingClientCert {
    fn resolve(
        &self,
        _root_hint_subjects: &[&[u8]],
        _sigschemes: &[SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        record(&self.recorder, |seen| seen.client_cert_requested = true);
        Some(Arc::clone(&self.key))
    }

    fn has_certs(&self) -> bool {
        true
    }
}

//! `verify`'s rustls server-certificate verifier: it asks Docker's verdict (Go's rules, across the
//! Go releases Docker ships with) instead of rustls-webpki's, so a daemon the docker CLI accepts is
//! never refused here. It also records what the daemon presented, for the diagnosis, and what the
//! daemon's other clients would say (OpenSSL, strict OpenSSL, rustls).
//!
//! The handshake signature is checked against the leaf's public key itself, taken from the
//! certificate with x509-parser: rustls' own `verify_tls12_signature` / `verify_tls13_signature`
//! first parse the certificate with rustls-webpki, which refuses v1 certificates and issuer/subject
//! unique IDs that Go accepts. The key is verified as a raw public key
//! (`webpki::RawPublicKeyEntity`, the path of rustls' `verify_tls13_signature_with_raw_key`); RSA
//! keys below 2048 bits, which Go accepts and webpki's algorithms do not, go to
//! [`crate::net::rsa_legacy`].

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::{CertificateDer, ServerName, SubjectPublicKeyInfoDer, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, Error, PeerMisbehaved, SignatureScheme};
use time::OffsetDateTime;
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::net::chain_recorder::{Recorder, ServerVerdict, record};
use crate::net::{other_clients, rsa_legacy};
use crate::x509::goverify::{self as verdict, Purpose};

/// Docker's verdict as a rustls verifier.
#[derive(Debug)]
pub struct DockerServerVerifier {
    roots: Vec<CertificateDer<'static>>,
    host: String,
    subject: String,
    algorithms: WebPkiSupportedAlgorithms,
    recorder: Recorder,
}

impl DockerServerVerifier {
    /// Trusts `roots` (the client's ca.pem) for the daemon at `host` (the name the docker CLI
    /// dials, without brackets); `subject` names it in findings.
    pub fn new(
        roots: Vec<CertificateDer<'static>>,
        host: String,
        subject: String,
        algorithms: WebPkiSupportedAlgorithms,
        recorder: Recorder,
    ) -> DockerServerVerifier {
        DockerServerVerifier {
            roots,
            host,
            subject,
            algorithms,
            recorder,
        }
    }
}

fn time_of(now: UnixTime) -> OffsetDateTime {
    let seconds = i64::try_from(now.as_secs()).unwrap_or(i64::MAX);
    OffsetDateTime::from_unix_timestamp(seconds).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

impl ServerCertVerifier for DockerServerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        let at = time_of(now);
        let inter: Vec<&[u8]> = intermediates.iter().map(|c| c.as_ref()).collect();
        let roots: Vec<&[u8]> = self.roots.iter().map(|c| c.as_ref()).collect();
        let purpose = Purpose::ServerAuth {
            host: Some(self.host.clone()),
        };
        let judged = verdict::verify(end_entity.as_ref(), &inter, &roots, &purpose, at);
        let rejections: Vec<(String, &'static str, String)> = judged
            .rejections()
            .into_iter()
            .map(|(release, why)| (release.to_string(), why.code, why.message.clone()))
            .collect();
        let accepted = judged.accepted();
        let others = if accepted {
            other_clients::judge_server_chain(
                end_entity.as_ref(),
                &inter,
                &roots,
                &self.host,
                at,
                &self.subject,
            )
        } else {
            Vec::new()
        };
        record(&self.recorder, |seen| {
            seen.chain = std::iter::once(end_entity)
                .chain(intermediates)
                .map(|cert| cert.clone().into_owned())
                .collect();
            seen.server = Some(ServerVerdict {
                rejections,
                other_clients: others,
            });
        });
        if accepted {
            Ok(ServerCertVerified::assertion())
        } else {
            // The diagnosis reads the recorded verdict; rustls only needs to stop here.
            Err(Error::InvalidCertificate(
                CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_signature(message, cert, dss, &self.algorithms, false)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_signature(message, cert, dss, &self.algorithms, true)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// The leaf's SubjectPublicKeyInfo, as x509-parser (which reads v1 certificates and unique IDs,
/// as Go does) finds it.
pub fn leaf_spki(cert: &[u8]) -> Result<Vec<u8>, Error> {
    let (_, parsed) = X509Certificate::from_der(cert)
        .map_err(|_| Error::InvalidCertificate(CertificateError::BadEncoding))?;
    Ok(parsed.tbs_certificate.subject_pki.raw.to_vec())
}

/// Checks a handshake signature against the leaf's key: for TLS 1.3 with the first algorithm the
/// scheme maps to (rustls' `verify_tls13_signature_with_raw_key`), for TLS 1.2 with each until one
/// fits (as rustls' `verify_tls12_signature` does, minus its webpki certificate parse).
pub fn verify_signature(
    message: &[u8],
    cert: &CertificateDer<'_>,
    dss: &DigitallySignedStruct,
    algorithms: &WebPkiSupportedAlgorithms,
    tls13: bool,
) -> Result<HandshakeSignatureValid, Error> {
    let unadvertised =
        || Error::PeerMisbehaved(PeerMisbehaved::SignedHandshakeWithUnadvertisedSigScheme);
    let spki = leaf_spki(cert.as_ref())?;
    let spki_der = SubjectPublicKeyInfoDer::from(spki.as_slice());
    if let Some(valid) = rsa_legacy::verify_if_small(&spki, dss.scheme, message, dss.signature()) {
        let pss = matches!(
            dss.scheme,
            SignatureScheme::RSA_PSS_SHA256
                | SignatureScheme::RSA_PSS_SHA384
                | SignatureScheme::RSA_PSS_SHA512
        );
        if tls13 && !pss {
            return Err(unadvertised());
        }
        return valid
            .then(HandshakeSignatureValid::assertion)
            .ok_or(Error::InvalidCertificate(CertificateError::BadSignature));
    }
    if tls13 {
        return rustls::crypto::verify_tls13_signature_with_raw_key(
            message, &spki_der, dss, algorithms,
        );
    }
    let key = webpki::RawPublicKeyEntity::try_from(&spki_der)
        .map_err(|_| Error::InvalidCertificate(CertificateError::BadEncoding))?;
    let candidates = algorithms
        .mapping
        .iter()
        .find(|(scheme, _)| *scheme == dss.scheme)
        .map(|(_, algs)| *algs)
        .ok_or_else(unadvertised)?;
    for alg in candidates {
        match key.verify_signature(*alg, message, dss.signature()) {
            Ok(()) => return Ok(HandshakeSignatureValid::assertion()),
            Err(webpki::Error::UnsupportedSignatureAlgorithmForPublicKeyContext(_)) => continue,
            Err(_) => return Err(Error::InvalidCertificate(CertificateError::BadSignature)),
        }
    }
    Err(Error::InvalidCertificate(CertificateError::BadSignature))
}

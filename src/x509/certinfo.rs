//! What a person (or a check) wants to know about one certificate, read with x509-parser.

use serde::Serialize;
use time::OffsetDateTime;
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::{FromDer, X509Certificate};

/// The facts of one certificate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CertSummary {
    /// Subject, RFC 4514 style (`CN=…, O=…`).
    pub subject: String,
    /// Issuer, same style.
    pub issuer: String,
    /// Serial number, lower-case hex.
    pub serial: String,
    /// Validity start.
    #[serde(with = "time::serde::rfc3339")]
    pub not_before: OffsetDateTime,
    /// Validity end.
    #[serde(with = "time::serde::rfc3339")]
    pub not_after: OffsetDateTime,
    /// DNS and IP subject alternative names, as `DNS:…` and `IP:…`.
    pub sans: Vec<String>,
    /// basicConstraints CA:TRUE.
    pub is_ca: bool,
    /// Extended key usage includes serverAuth (or there is no EKU extension).
    pub server_auth: bool,
    /// Extended key usage includes clientAuth (or there is no EKU extension).
    pub client_auth: bool,
    /// SHA-256 of the DER, colon-separated upper-case hex (as `openssl x509 -fingerprint -sha256`).
    pub sha256: String,
    /// The SubjectPublicKeyInfo DER.
    #[serde(skip)]
    pub spki: Vec<u8>,
}

impl CertSummary {
    /// Reads a DER certificate; `None` if it does not parse.
    pub fn from_der(der: &[u8]) -> Option<CertSummary> {
        let (_, cert) = X509Certificate::from_der(der).ok()?;
        let sans = cert
            .subject_alternative_name()
            .ok()
            .flatten()
            .map(|ext| {
                ext.value
                    .general_names
                    .iter()
                    .filter_map(|name| match name {
                        GeneralName::DNSName(dns) => Some(format!("DNS:{dns}")),
                        GeneralName::IPAddress(bytes) => {
                            ip_text(bytes).map(|ip| format!("IP:{ip}"))
                        }
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        let eku = cert
            .extended_key_usage()
            .ok()
            .flatten()
            .map(|ext| ext.value);
        let (server_auth, client_auth) = match eku {
            Some(eku) => (eku.any || eku.server_auth, eku.any || eku.client_auth),
            None => (true, true),
        };
        Some(CertSummary {
            subject: cert.subject().to_string(),
            issuer: cert.issuer().to_string(),
            serial: serial_hex(cert.raw_serial()),
            not_before: cert.validity().not_before.to_datetime(),
            not_after: cert.validity().not_after.to_datetime(),
            sans,
            is_ca: cert
                .basic_constraints()
                .ok()
                .flatten()
                .is_some_and(|bc| bc.value.ca),
            server_auth,
            client_auth,
            sha256: sha256_fingerprint(der),
            spki: cert.public_key().raw.to_vec(),
        })
    }

    /// Whole days from `now` to not-after (negative once expired).
    pub fn days_left(&self, now: OffsetDateTime) -> i64 {
        // X.509 times have whole seconds; so does the comparison.
        (self.not_after - now.replace_nanosecond(0).unwrap_or(now)).whole_days()
    }

    /// Whether `now` is inside the validity period.
    pub fn valid_at(&self, now: OffsetDateTime) -> bool {
        self.not_before <= now && now <= self.not_after
    }
}

fn ip_text(bytes: &[u8]) -> Option<std::net::IpAddr> {
    match bytes.len() {
        4 => <[u8; 4]>::try_from(bytes).ok().map(std::net::IpAddr::from),
        16 => <[u8; 16]>::try_from(bytes).ok().map(std::net::IpAddr::from),
        _ => None,
    }
}

/// The purposes of an extendedKeyUsage extension, by name (unknown ones as OIDs).
pub fn eku_names(eku: &x509_parser::extensions::ExtendedKeyUsage<'_>) -> Vec<String> {
    let mut names: Vec<String> = [
        (eku.any, "anyExtendedKeyUsage"),
        (eku.server_auth, "serverAuth"),
        (eku.client_auth, "clientAuth"),
        (eku.code_signing, "codeSigning"),
        (eku.email_protection, "emailProtection"),
        (eku.time_stamping, "timeStamping"),
        (eku.ocsp_signing, "OCSPSigning"),
    ]
    .into_iter()
    .filter(|(on, _)| *on)
    .map(|(_, name)| name.to_string())
    .collect();
    names.extend(eku.other.iter().map(|oid| oid.to_id_string()));
    names
}

/// A serial as lower-case hex, two digits per byte, without the sign byte or leading zero bytes:
/// the form `pki::Serial::hex` gives and the inventory records. (A number's hex would drop the
/// leading zero of a first byte below 0x10, and then the same serial would not compare equal.)
pub fn serial_hex(raw: &[u8]) -> String {
    let start = raw
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(raw.len().saturating_sub(1));
    raw[start..].iter().map(|b| format!("{b:02x}")).collect()
}

/// `at` as RFC 3339 (`2027-11-28T18:26:53Z`).
pub fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| at.to_string())
}

/// SHA-256 of `der` as `AB:CD:…`.
pub fn sha256_fingerprint(der: &[u8]) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, der);
    let hex: Vec<String> = digest.as_ref().iter().map(|b| format!("{b:02X}")).collect();
    hex.join(":")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summarises_a_generated_certificate() {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params =
            rcgen::CertificateParams::new(vec!["d.example".to_string(), "10.1.2.3".to_string()])
                .unwrap();
        params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
        params.not_after = rcgen::date_time_ymd(2030, 1, 2);
        let cert = params.self_signed(&key).unwrap();
        let summary = CertSummary::from_der(cert.der()).unwrap();
        assert_eq!(summary.sans, ["DNS:d.example", "IP:10.1.2.3"]);
        assert!(summary.server_auth && !summary.client_auth && !summary.is_ca);
        assert_eq!(summary.not_after.year(), 2030);
        assert_eq!(summary.sha256.len(), 32 * 3 - 1);
        assert!(CertSummary::from_der(b"junk").is_none());
    }

    #[test]
    fn serials_read_back_as_they_were_recorded() {
        // A first byte below 0x10 keeps its leading zero digit, as Serial::hex writes it.
        let mut bytes = [0x0au8; 16];
        bytes[15] = 0x01;
        let serial = crate::pki::Serial::from_bytes(bytes);
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(vec!["s.example".to_string()]).unwrap();
        params.serial_number = Some(rcgen::SerialNumber::from_slice(&bytes));
        let cert = params.self_signed(&key).unwrap();
        let summary = CertSummary::from_der(cert.der()).unwrap();
        assert_eq!(summary.serial, serial.hex());
        assert!(summary.serial.starts_with("0a0a"), "{}", summary.serial);
        // The DER sign byte of a serial with its high bit set is not part of the number.
        assert_eq!(serial_hex(&[0x00, 0x81, 0x02]), "8102");
        assert_eq!(serial_hex(&[0x00]), "00");
    }
}

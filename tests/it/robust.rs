//! Property tests: whatever bytes a file holds, loading, auditing and inspecting it never panics.

use std::path::{Path, PathBuf};

use dockcert::x509::audit::{self, CertsIn, ChainIn, KeyIn, KeyState, Options, Purpose};
use dockcert::x509::{inspect, load};
use proptest::prelude::*;

/// A certificate and key made once (rcgen), to mutate.
fn sample() -> &'static (Vec<u8>, String, String) {
    static SAMPLE: std::sync::OnceLock<(Vec<u8>, String, String)> = std::sync::OnceLock::new();
    SAMPLE.get_or_init(|| {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["x.example".to_string()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        (cert.der().to_vec(), cert.pem(), key.serialize_pem())
    })
}

/// Everything dockcert does with one file's bytes.
fn exercise(bytes: &[u8]) {
    let path = Path::new("fuzz.pem");
    let now = time::OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);
    if let Ok(file) = load::parse_certificates(path, bytes) {
        for der in &file.certs {
            let _ = inspect::cert_details(der.as_ref(), now);
        }
        let certs = CertsIn {
            path: PathBuf::from("fuzz.pem"),
            mode: Some(0o644),
            certs: file.certs.clone(),
        };
        for purpose in [Purpose::Server, Purpose::Client] {
            let input = ChainIn {
                ca: certs.clone(),
                cert: certs.clone(),
                intermediates: Some(certs.clone()),
                key: Some(KeyIn {
                    path: PathBuf::from("k.pem"),
                    mode: Some(0o600),
                    state: KeyState::Loaded {
                        spki: bytes.to_vec(),
                    },
                }),
                purpose,
                host: Some("x.example".to_string()),
            };
            let _ = audit::audit_chain(&input, &Options { now, warn_days: 30 });
        }
        let _ = audit::audit_cert_alone(
            &certs,
            None,
            Purpose::Server,
            Some("x.example"),
            &Options { now, warn_days: 30 },
        );
        let _ = audit::audit_ca(&certs, None, &Options { now, warn_days: 30 });
    }
    if let Ok(key) = load::parse_private_key(path, bytes) {
        let _ = load::key_info(&key);
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        let _ = audit::audit_daemon_json(path, text, None);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        exercise(&bytes);
    }

    #[test]
    fn mutated_der_never_panics(flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8)) {
        let mut der = sample().0.clone();
        for (at, value) in flips {
            let len = der.len();
            der[at % len] = value;
        }
        exercise(&der);
    }

    #[test]
    fn cut_and_mutated_pem_never_panics(cut in 0usize..2000, at in any::<usize>(), value in any::<u8>()) {
        let (_, cert, key) = sample();
        let mut text = format!("-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n{key}{cert}").into_bytes();
        let len = text.len();
        text[at % len] = value;
        text.truncate(cut.min(len));
        exercise(&text);
    }
}

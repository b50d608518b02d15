//! Any bytes as a certificate, key or daemon.json file: load, audit, inspect. Must never panic.
#![no_main]

use std::path::{Path, PathBuf};

use dockcert::x509::audit::{self, CertsIn, ChainIn, Options, Purpose};
use dockcert::x509::{inspect, load};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let path = Path::new("fuzz.pem");
    let now = time::OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);
    let opts = Options { now, warn_days: 30 };
    if let Ok(file) = load::parse_certificates(path, bytes) {
        for der in &file.certs {
            let _ = inspect::cert_details(der.as_ref(), now);
        }
        let certs = CertsIn {
            path: PathBuf::from("fuzz.pem"),
            mode: Some(0o644),
            certs: file.certs,
        };
        let input = ChainIn {
            ca: certs.clone(),
            cert: certs.clone(),
            intermediates: Some(certs.clone()),
            key: None,
            purpose: Purpose::Server,
            host: Some("x.example".to_string()),
        };
        let _ = audit::audit_chain(&input, &opts);
        let _ = audit::audit_cert_alone(
            &certs,
            None,
            Purpose::Server,
            Some("x.example"),
            &Options { now, warn_days: 30 },
        );
        let _ = audit::audit_ca(&certs, None, &opts);
    }
    if let Ok(key) = load::parse_private_key(path, bytes) {
        let _ = load::key_info(&key);
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        let _ = audit::audit_daemon_json(path, text, None);
    }
});

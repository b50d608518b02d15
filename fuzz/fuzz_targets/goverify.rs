//! Any bytes as a leaf, intermediates and roots for Docker's Go-faithful verifier: it must never
//! panic, and its verdict must be the same when asked twice (it is pure).
#![no_main]

use dockcert::x509::{self, Purpose};
use libfuzzer_sys::fuzz_target;

/// Splits the input into certificates: each one prefixed by a two-byte big-endian length.
fn split(mut bytes: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    while bytes.len() >= 2 && out.len() < 8 {
        let len = usize::from(u16::from_be_bytes([bytes[0], bytes[1]]));
        let rest = &bytes[2..];
        let take = len.min(rest.len());
        out.push(&rest[..take]);
        bytes = &rest[take..];
    }
    out
}

fuzz_target!(|bytes: &[u8]| {
    let certs = split(bytes);
    let Some((leaf, rest)) = certs.split_first() else {
        return;
    };
    let (roots, intermediates) = match rest.split_last() {
        Some((root, ints)) => (vec![*root, *leaf], ints.to_vec()),
        None => (vec![*leaf], Vec::new()),
    };
    let now = time::OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);
    for purpose in [
        Purpose::ServerAuth {
            host: Some("docker.example".to_string()),
        },
        Purpose::ServerAuth {
            host: Some("[::ffff:10.0.0.1]".to_string()),
        },
        Purpose::ClientAuth,
    ] {
        let first = x509::verify(leaf, &intermediates, &roots, &purpose, now);
        let again = x509::verify(leaf, &intermediates, &roots, &purpose, now);
        assert_eq!(first, again);
        for (_, rejection) in first.rejections() {
            assert!(!rejection.message.is_empty() && !rejection.code.is_empty());
        }
    }
    let _ = x509::covers_host(leaf, "*.docker.example", x509::GoRelease::Go119);
});

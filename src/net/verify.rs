//! `verify`'s logic: the pre-flight checks of the client's files, the rustls client configuration,
//! the live handshake and HTTP exchange, and the diagnosis of every failure as a [`Finding`].
//!
//! The checks and the diagnosis are pure (inputs and `now` in, findings out); only
//! [`check_daemon`] touches the network.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use rustls::pki_types::{CertificateDer, ServerName};
use rustls::sign::CertifiedKey;
use rustls::{AlertDescription, CertificateError, ClientConfig};
use time::OffsetDateTime;

use crate::docker::{TcpHost, TlsFiles};
use crate::engine::{Engine, Session};
use crate::env::Env;
use crate::finding::{Finding, Severity};
use crate::net::chain_recorder::{Observed, Recorder, RecordingClientCert, ServerVerdict};
use crate::net::docker_verifier::{self, DockerServerVerifier};
use crate::net::http;
use crate::net::not_tls;
use crate::net::other_clients;
use crate::net::rsa_legacy;
use crate::x509::certinfo::{CertSummary, rfc3339};
use crate::x509::goverify::{self as verdict, Purpose};
use crate::x509::load::{self, CertFile, KeyFile, LoadError};

/// The client's files, loaded (each may have failed to parse).
pub struct Loaded {
    /// Where they came from.
    pub files: TlsFiles,
    /// `ca.pem`.
    pub ca: Result<CertFile, LoadError>,
    /// `cert.pem`.
    pub cert: Result<CertFile, LoadError>,
    /// `key.pem`.
    pub key: Result<KeyFile, LoadError>,
}

/// What the handshake needs, once the pre-flight passed.
pub struct Material {
    /// The CA certificates to trust.
    pub ca: Vec<CertificateDer<'static>>,
    /// Their summaries.
    pub ca_summaries: Vec<CertSummary>,
    /// The client chain, leaf first.
    pub chain: Vec<CertificateDer<'static>>,
    /// The client certificate's summary.
    pub client: CertSummary,
    /// The client key, loaded once in the pre-flight.
    pub key: Arc<dyn rustls::sign::SigningKey>,
}

fn name(path: &std::path::Path) -> String {
    path.display().to_string()
}

/// Pre-flight, before any network traffic: the files parse, the key is plain and matches the
/// certificate, and the certificate is a valid clientAuth certificate under `ca.pem` at `now`.
pub fn preflight(loaded: Loaded, now: OffsetDateTime) -> (Vec<Finding>, Option<Material>) {
    let mut findings = Vec::new();
    let files = &loaded.files;
    let unreadable = |code, err: &LoadError| {
        let fix = match err {
            LoadError::EncryptedKey { .. } => None,
            _ => Some(
                "point --cert-path (or DOCKER_CERT_PATH) at the directory that holds ca.pem, \
                 cert.pem and key.pem, or make them with 'dockcert init'"
                    .to_string(),
            ),
        };
        Finding {
            fix,
            ..Finding::error(code, "", err.to_string())
        }
    };
    let ca = loaded
        .ca
        .map_err(|err| findings.push(unreadable("ca-unreadable", &err)))
        .ok();
    let cert = loaded
        .cert
        .map_err(|err| findings.push(unreadable("cert-unreadable", &err)))
        .ok();
    let key = loaded.key.map_err(|err| {
        let code = match err {
            LoadError::EncryptedKey { .. } => "key-encrypted",
            _ => "key-unreadable",
        };
        findings.push(unreadable(code, &err));
    });
    for finding in &mut findings {
        finding.subject = finding
            .message
            .split(':')
            .next()
            .unwrap_or_default()
            .to_string();
    }
    let (Some(ca), Some(cert), Ok(key)) = (ca, cert, key) else {
        return (findings, None);
    };
    let ca_summaries: Vec<CertSummary> = ca
        .certs
        .iter()
        .filter_map(|c| CertSummary::from_der(c))
        .collect();
    let Some(client) = cert.certs.first().and_then(|c| CertSummary::from_der(c)) else {
        findings.push(Finding::error(
            "cert-unreadable",
            name(&files.cert),
            "holds no readable certificate",
        ));
        return (findings, None);
    };
    findings.push(Finding::ok(
        "files-parse",
        name(&files.cert),
        format!(
            "read {} ({} CA certificate{}), {} and {} ({} key, {})",
            name(&files.ca),
            ca.certs.len(),
            if ca.certs.len() == 1 { "" } else { "s" },
            name(&files.cert),
            name(&files.key),
            key.format,
            match key.encoding {
                load::Encoding::Pem => "PEM",
                load::Encoding::Der => "DER",
            }
        ),
    ));

    let mut ok = true;
    let mut signing: Option<Arc<dyn rustls::sign::SigningKey>> = None;
    let loaded_key = load::key_info(&key)
        .map(|info| (info.spki, info.signing))
        .or_else(|err| {
            // Go loads RSA keys of any size; aws-lc-rs refuses those below 2048 bits. Such a key
            // still completes the check, signed with the `rsa` crate, and is called weak.
            let small = rsa_legacy::load_small(&key.der).ok_or(err)?;
            findings.push(
                Finding::warning(
                    "weak-key",
                    name(&files.key),
                    format!(
                        "{} is a {}-bit RSA key: dockerd and the docker CLI accept it, but it is too weak \
                         (NIST has disallowed RSA below 2048 bits since 2013) and rustls-based clients refuse it",
                        name(&files.key),
                        small.bits
                    ),
                )
                .with_fix(
                    "issue the client a new key of at least 2048 bits (or P-256) from your CA; \
                     `dockcert audit` lists the set's security defects",
                ),
            );
            findings.push(
                Finding::warning(
                    "other-clients-openssl",
                    name(&files.key),
                    format!(
                        "Docker accepts this key, but {} will refuse to use it: a {}-bit RSA key is below \
                         OpenSSL's security level 2 (the default of Debian's, Ubuntu's and RHEL's OpenSSL, and of \
                         Python 3.10+): \"ee key too small\"",
                        other_clients::OPENSSL_CLIENTS,
                        small.bits
                    ),
                )
                .with_fix("issue the client a new key of at least 2048 bits (or P-256) from your CA"),
            );
            let spki = small.spki.clone();
            Ok::<_, LoadError>((spki, Arc::new(small) as Arc<dyn rustls::sign::SigningKey>))
        });
    match loaded_key {
        Ok((spki, key)) if load::same_public_key(&spki, &client.spki) => {
            signing = Some(key);
            findings.push(Finding::ok(
                "key-matches",
                name(&files.key),
                "the key matches the client certificate",
            ));
        }
        Ok(_) => {
            ok = false;
            findings.push(
                Finding::error(
                    "key-mismatch",
                    name(&files.key),
                    format!("{} is not the key of {}", name(&files.key), name(&files.cert)),
                )
                .with_fix("use the key.pem that was made together with this cert.pem, or issue a new pair"),
            );
        }
        Err(err) => {
            ok = false;
            findings.push(Finding::error(
                "key-unreadable",
                name(&files.key),
                err.to_string(),
            ));
        }
    }

    if client.is_ca {
        findings.push(
            Finding::warning(
                "leaf-is-ca",
                name(&files.cert),
                format!(
                    "the client certificate ({}) is a CA certificate (basicConstraints CA:TRUE): dockerd accepts \
                     it, but its key can issue client certificates that dockerd will trust",
                    client.subject
                ),
            )
            .with_fix(format!(
                "{REISSUE_CLIENT}, with CA:FALSE; `dockcert audit` lists the set's security defects"
            )),
        );
    }
    if !client.client_auth {
        ok = false;
        findings.push(
            Finding::error(
                "client-no-client-auth",
                name(&files.cert),
                format!(
                    "{} lacks extendedKeyUsage clientAuth, so dockerd (Go) refuses it as a client certificate",
                    name(&files.cert)
                ),
            )
            .with_fix(format!("{REISSUE_CLIENT}, with extendedKeyUsage clientAuth")),
        );
    }
    if now < client.not_before || now > client.not_after {
        ok = false;
        let (code, what) = if now < client.not_before {
            (
                "client-not-yet-valid",
                format!("is not valid until {}", rfc3339(client.not_before)),
            )
        } else {
            (
                "client-expired",
                format!("expired on {}", rfc3339(client.not_after)),
            )
        };
        findings.push(
            Finding::error(
                code,
                name(&files.cert),
                format!(
                    "the client certificate {what} (local clock: {})",
                    rfc3339(now)
                ),
            )
            .with_fix("issue a new client certificate (and check this machine's clock)"),
        );
    }
    if ok {
        let finding =
            client_chain_finding(&ca.certs, &cert.certs, files, &client, &ca_summaries, now);
        // dockerd would refuse it whatever its CA: no network before the pre-flight passes.
        ok = finding.severity != Severity::Error;
        findings.push(finding);
    }
    let material = match (ok, signing) {
        (true, Some(key)) => Some(Material {
            ca: ca.certs,
            ca_summaries,
            chain: cert.certs,
            client,
            key,
        }),
        _ => None,
    };
    (findings, material)
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// Whether a rejection means "not issued by these roots" (rather than a fault of the certificate
/// that any CA of dockerd's would find): no path, or a CA of the right name whose key did not sign
/// it (another CA of the same name may be the daemon's).
fn is_unknown_authority(code: &str) -> bool {
    matches!(
        code,
        "unknown-authority" | "no-usable-root" | "bad-signature"
    )
}

/// The client chain as dockerd judges it (Go, clientAuth) against the client's own ca.pem. The
/// docker CLI does not need ca.pem to have issued cert.pem (it only anchors the daemon's chain),
/// so "not issued by ca.pem" is a note and the handshake decides; any other refusal is one that
/// dockerd makes whatever its CA.
fn client_chain_finding(
    ca: &[CertificateDer<'static>],
    chain: &[CertificateDer<'static>],
    files: &TlsFiles,
    client: &CertSummary,
    ca_summaries: &[CertSummary],
    now: OffsetDateTime,
) -> Finding {
    let Some((leaf, rest)) = chain.split_first() else {
        return Finding::error("cert-unreadable", name(&files.cert), "holds no certificate");
    };
    let inter: Vec<&[u8]> = rest.iter().map(|c| c.as_ref()).collect();
    let roots: Vec<&[u8]> = ca.iter().map(|c| c.as_ref()).collect();
    let judged = verdict::verify(leaf.as_ref(), &inter, &roots, &Purpose::ClientAuth, now);
    let rejections = judged.rejections();
    if rejections.is_empty() {
        return Finding::ok(
            "client-cert-valid",
            name(&files.cert),
            format!(
                "the client certificate ({}) is issued by {}, fit for client authentication, and valid until {} ({} days)",
                client.subject,
                name(&files.ca),
                client.not_after.date(),
                client.days_left(now)
            ),
        );
    }
    if rejections
        .iter()
        .all(|(_, why)| is_unknown_authority(why.code))
    {
        return Finding::ok(
            "client-ca-split",
            name(&files.cert),
            format!(
                "the client certificate ({}, issued by {}) is not issued by {}: that is fine when the daemon's \
                 --tlscacert is the CA that issued it (ca.pem only has to anchor the daemon's certificate); \
                 the handshake decides",
                client.subject,
                client.issuer,
                name(&files.ca)
            ),
        )
        .with_details(chain_details(
            "client certificate",
            std::slice::from_ref(client),
            "local ca.pem",
            ca_summaries,
        ));
    }
    let releases: Vec<(String, String)> = rejections
        .iter()
        .map(|(release, why)| (release.to_string(), why.message.clone()))
        .collect();
    Finding::error(
        "client-cert-invalid",
        name(&files.cert),
        format!(
            "dockerd refuses this client certificate: {}",
            release_messages(&releases)
        ),
    )
    .with_fix(REISSUE_CLIENT)
}

/// The releases' reasons as one text: each message names its release ("Go 1.19 (…) refuses …");
/// when every release says the same thing, it is said once for all of them.
pub fn release_messages(rejections: &[(String, String)]) -> String {
    let rests: Vec<Option<&str>> = rejections
        .iter()
        .map(|(release, message)| message.strip_prefix(release.as_str()))
        .collect();
    if rejections.len() > 1
        && let Some(Some(first)) = rests.first()
        && rests.iter().all(|rest| *rest == Some(*first))
        && let Some(rest) = first.strip_prefix(" refuses ")
    {
        let names: Vec<&str> = rejections.iter().map(|(r, _)| r.as_str()).collect();
        return format!("{} refuse {rest}", names.join(" and "));
    }
    let mut said: Vec<&str> = Vec::new();
    for (_, message) in rejections {
        if !said.contains(&message.as_str()) {
            said.push(message);
        }
    }
    said.join(" ")
}

/// The fix for a client certificate that must be made again (whoever made it).
const REISSUE_CLIENT: &str = "re-issue it from your CA (or `dockcert import-ca` then \
                              `dockcert issue client …`)";

fn chain_details(
    label: &str,
    chain: &[CertSummary],
    ca_label: &str,
    ca: &[CertSummary],
) -> Vec<String> {
    let mut lines = vec![format!("{label}:")];
    for (index, cert) in chain.iter().enumerate() {
        lines.push(format!("  [{index}] subject: {}", cert.subject));
        lines.push(format!("      issuer:  {}", cert.issuer));
        lines.push(format!("      sha256:  {}", cert.sha256));
    }
    lines.push(format!("{ca_label}:"));
    for cert in ca {
        lines.push(format!("  subject: {}", cert.subject));
        lines.push(format!("  sha256:  {}", cert.sha256));
    }
    lines
}

/// The rustls configuration for `verify`: trust only `ca.pem` and judge the daemon's chain as
/// Docker does, present the client certificate when the docker CLI would, record what the daemon
/// shows.
pub fn client_config(
    material: &Material,
    host: &TcpHost,
    recorder: &Recorder,
) -> Result<ClientConfig, rustls::Error> {
    let provider = provider();
    let verifier = DockerServerVerifier::new(
        material.ca.clone(),
        host.host.clone(),
        host.url(),
        provider.signature_verification_algorithms,
        Arc::clone(recorder),
    );
    let key = CertifiedKey::new(material.chain.clone(), Arc::clone(&material.key));
    let resolver = RecordingClientCert::new(Arc::new(key), Arc::clone(recorder));
    Ok(ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_client_cert_resolver(Arc::new(resolver)))
}

/// What the live check found, beside its findings.
#[derive(Debug, Default)]
pub struct Live {
    /// One finding per step (and per problem).
    pub findings: Vec<Finding>,
    /// The TLS session, when the handshake completed.
    pub session: Option<Session>,
    /// The daemon's certificate, when it presented one.
    pub daemon_certificate: Option<CertSummary>,
    /// The engine, when `/version` answered.
    pub engine: Option<Engine>,
    /// Daemon clock minus local clock, in seconds, when the daemon sent a `Date`.
    pub clock_skew_seconds: Option<i64>,
}

/// A socket that keeps the first bytes it reads: if they say `HTTP/`, the port speaks plain HTTP.
struct Sniffing {
    socket: TcpStream,
    first: Vec<u8>,
}

impl Read for Sniffing {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = self.socket.read(out)?;
        let room = 64usize.saturating_sub(self.first.len());
        self.first.extend_from_slice(&out[..n.min(room)]);
        Ok(n)
    }
}

impl Write for Sniffing {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.socket.write(data)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.socket.flush()
    }
}

/// Connects, shakes hands and asks `/_ping` and `/version`, reporting every step.
pub fn check_daemon(
    host: &TcpHost,
    material: &Material,
    timeout: Duration,
    now: OffsetDateTime,
) -> Live {
    let mut live = Live::default();
    let subject = host.url();
    let Some(socket) = connect(host, timeout, &mut live.findings) else {
        return live;
    };
    let recorder: Recorder = Arc::new(Mutex::new(Observed::default()));
    // rustls needs a name it can parse for SNI; Go dials names it cannot (e.g. `host.123`) and
    // dockerd ignores SNI. The certificate is judged for `host.host` itself by Docker's rules
    // (the verifier holds it), so such a name is sent without SNI, under a placeholder.
    let (server_name, sni) = match ServerName::try_from(host.host.clone()) {
        Ok(name) => (name, true),
        Err(_) => (
            ServerName::try_from("docker-host.invalid").expect("a valid DNS name"),
            false,
        ),
    };
    let config = match client_config(material, host, &recorder) {
        Ok(mut config) => {
            config.enable_sni = sni;
            Arc::new(config)
        }
        Err(err) => {
            live.findings.push(Finding::error(
                "tls-config",
                subject,
                format!("cannot use the client files for TLS: {}", tls_words(&err)),
            ));
            return live;
        }
    };
    let mut conn = match rustls::ClientConnection::new(config, server_name) {
        Ok(conn) => conn,
        Err(err) => {
            live.findings.push(Finding::error(
                "tls-config",
                subject,
                format!("cannot start a TLS connection: {}", tls_words(&err)),
            ));
            return live;
        }
    };
    let mut sock = Sniffing {
        socket,
        first: Vec::new(),
    };
    let started = Instant::now();
    let observed = |recorder: &Recorder| {
        std::mem::take(&mut *recorder.lock().unwrap_or_else(PoisonError::into_inner))
    };

    while conn.is_handshaking() {
        if let Err(err) = conn.complete_io(&mut sock) {
            let seen = observed(&recorder);
            live.daemon_certificate = seen.chain.first().and_then(|c| CertSummary::from_der(c));
            live.findings.push(diagnose(
                &err,
                &seen,
                &sock.first,
                host,
                material,
                timeout,
                now,
                "TLS handshake",
            ));
            return live;
        }
    }
    let handshake = started.elapsed();
    let seen = observed(&recorder);
    live.daemon_certificate = seen.chain.first().and_then(|c| CertSummary::from_der(c));
    live.session = Some(Session {
        version: conn
            .protocol_version()
            .and_then(|v| v.as_str())
            .unwrap_or("unknown")
            .replace('_', "."),
        cipher_suite: conn
            .negotiated_cipher_suite()
            .and_then(|s| s.suite().as_str())
            .unwrap_or("unknown")
            .to_string(),
    });
    let session = live.session.clone().unwrap_or(Session {
        version: String::new(),
        cipher_suite: String::new(),
    });
    live.findings.push(Finding::ok(
        "tls-handshake",
        subject.clone(),
        format!(
            "{} handshake in {:.1} ms ({}); Docker accepts the daemon's certificate: it chains to ca.pem and is valid for '{}'",
            session.version,
            handshake.as_secs_f64() * 1000.0,
            session.cipher_suite,
            host.host
        ),
    ));
    if let Some(ServerVerdict { other_clients, .. }) = &seen.server {
        live.findings.extend(other_clients.iter().cloned());
    }
    if live.daemon_certificate.as_ref().is_some_and(|c| c.is_ca) {
        live.findings.push(
            Finding::warning(
                "leaf-is-ca",
                subject.clone(),
                "the daemon's certificate is a CA certificate (basicConstraints CA:TRUE): the docker CLI accepts \
                 it, but its key can issue certificates for any name that these clients will trust",
            )
            .with_fix(
                "re-issue the daemon's certificate with CA:FALSE from your CA (or `dockcert import-ca` then \
                 `dockcert issue server …`); `dockcert audit` lists the set's security defects",
            ),
        );
    }
    if let Some(bits) = seen
        .chain
        .first()
        .and_then(|leaf| docker_verifier::leaf_spki(leaf).ok())
        .and_then(|spki| rsa_legacy::small_rsa_bits(&spki))
    {
        live.findings.push(
            Finding::warning(
                "weak-key",
                subject.clone(),
                format!(
                    "the daemon's certificate has a {bits}-bit RSA key: Docker accepts it, but it is too weak \
                     (RSA below 2048 bits can be factored by a determined attacker) and rustls-based clients refuse it"
                ),
            )
            .with_fix(
                "re-issue the daemon's certificate with a P-256 or RSA-2048+ key from your CA (or `dockcert \
                 import-ca` then `dockcert issue server …`); `dockcert audit` lists the set's security defects",
            ),
        );
    }
    if !seen.client_cert_requested {
        live.findings.push(
            Finding::error(
                "no-client-auth",
                subject.clone(),
                "the daemon did not ask for a client certificate: it runs with --tls but without --tlsverify, \
                 so anyone who can reach this port controls the host",
            )
            .with_fix("start dockerd with --tlsverify and --tlscacert=<ca.pem> (or \"tlsverify\": true in daemon.json)"),
        );
    }

    let mut stream = rustls::Stream::new(&mut conn, &mut sock);
    let mut buffer = Vec::new();
    let authority = host.authority();
    // Both requests in one flight: dockerd answers them in order, /version without waiting for
    // a round trip after /_ping.
    let exchange = http::send(&mut stream, &authority, &["/_ping", "/version"])
        .and_then(|()| http::read_response(&mut stream, &mut buffer));
    let ping = match exchange {
        Ok(response) => response,
        Err(err) => {
            // The handshake is over, so the daemon's request (if any) was seen; what fails now
            // is the daemon's judgement of our certificate (TLS 1.3 sends it after our Finished).
            let seen = Observed {
                client_cert_requested: true,
                ..seen.clone()
            };
            live.findings.push(diagnose(
                &err,
                &seen,
                &sock.first,
                host,
                material,
                timeout,
                now,
                "GET /_ping",
            ));
            return live;
        }
    };
    let body = String::from_utf8_lossy(&ping.body).trim().to_string();
    if ping.status != 200 {
        live.findings.push(Finding::error(
            "ping-failed",
            subject.clone(),
            format!(
                "GET /_ping answered {} (\"{}\")",
                ping.status,
                not_tls::printable(body.as_bytes(), 60)
            ),
        ));
        return live;
    }
    if body != "OK" {
        // dockerd answers exactly "OK"; anything else is another TLS server on this port.
        live.findings.push(
            Finding::error(
                "ping-failed",
                subject.clone(),
                format!(
                    "GET /_ping answered \"{}\" instead of dockerd's \"OK\": a TLS server listens here, but \
                     not the Docker daemon",
                    not_tls::printable(body.as_bytes(), 60)
                ),
            )
            .with_fix("check the port in DOCKER_HOST / --host against dockerd's -H flags"),
        );
        return live;
    }
    live.findings
        .push(Finding::ok("ping", subject.clone(), "GET /_ping: OK"));
    let mut stream = rustls::Stream::new(&mut conn, &mut sock);
    match http::read_response(&mut stream, &mut buffer) {
        Ok(response) if response.status == 200 => {
            let engine = parse_engine(&response.body);
            live.findings.push(Finding::ok(
                "version",
                subject.clone(),
                format!(
                    "Docker Engine {} (API {}, {}/{})",
                    engine.version, engine.api_version, engine.os, engine.arch
                ),
            ));
            live.engine = Some(engine);
            if let Some(date) = response
                .header("date")
                .and_then(|d| httpdate::parse_http_date(d).ok())
            {
                let skew = skew_seconds(date, SystemTime::now());
                live.clock_skew_seconds = Some(skew);
                if skew.abs() > 60 {
                    live.findings.push(
                        Finding::warning(
                            "clock-skew",
                            subject.clone(),
                            format!("the daemon's clock differs from this machine's by {skew} s"),
                        )
                        .with_fix("run NTP (e.g. systemd-timesyncd or chrony) on both machines: certificates start and end by the clock"),
                    );
                }
            }
        }
        Ok(response) => live.findings.push(Finding::error(
            "version-failed",
            subject.clone(),
            format!("GET /version answered {}", response.status),
        )),
        Err(err) => live.findings.push(Finding::error(
            "version-failed",
            subject.clone(),
            format!("GET /version failed: {}", exchange_words(&err)),
        )),
    }
    // Closing politely is a courtesy; the answers are in.
    conn.send_close_notify();
    let _ = conn.complete_io(&mut sock);
    live
}

fn skew_seconds(daemon: SystemTime, local: SystemTime) -> i64 {
    match daemon.duration_since(local) {
        Ok(ahead) => i64::try_from(ahead.as_secs()).unwrap_or(i64::MAX),
        Err(behind) => -i64::try_from(behind.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

fn parse_engine(body: &[u8]) -> Engine {
    let value: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let text = |key: &str| {
        value
            .get(key)
            .and_then(|v| v.as_str())
            .unwrap_or("?")
            .to_string()
    };
    Engine {
        version: text("Version"),
        api_version: text("ApiVersion"),
        min_api_version: text("MinAPIVersion"),
        os: text("Os"),
        arch: text("Arch"),
    }
}

fn connect(host: &TcpHost, timeout: Duration, findings: &mut Vec<Finding>) -> Option<TcpStream> {
    let subject = host.url();
    let addrs: Vec<SocketAddr> = match (host.host.as_str(), host.port).to_socket_addrs() {
        Ok(addrs) => addrs.collect(),
        Err(err) => {
            findings.push(
                Finding::error(
                    "dns-failed",
                    subject,
                    format!("cannot resolve '{}': {err}", host.host),
                )
                .with_fix("check the name in DOCKER_HOST / --host, or use the daemon's IP address"),
            );
            return None;
        }
    };
    let mut last = None;
    for addr in &addrs {
        let started = Instant::now();
        match TcpStream::connect_timeout(addr, timeout) {
            Ok(socket) => {
                let _ = socket.set_read_timeout(Some(timeout));
                let _ = socket.set_write_timeout(Some(timeout));
                let _ = socket.set_nodelay(true);
                findings.push(Finding::ok(
                    "tcp-connect",
                    subject,
                    format!(
                        "TCP connection to {addr} in {:.1} ms",
                        started.elapsed().as_secs_f64() * 1000.0
                    ),
                ));
                return Some(socket);
            }
            Err(err) => last = Some((addr, err)),
        }
    }
    let Some((addr, err)) = last else {
        findings.push(Finding::error(
            "dns-failed",
            subject,
            format!("'{}' resolves to no address", host.host),
        ));
        return None;
    };
    let finding = match err.kind() {
        io::ErrorKind::ConnectionRefused => Finding::error(
            "connection-refused",
            subject,
            format!("connection to {addr} refused: nothing listens on port {}", host.port),
        )
        .with_fix(format!(
            "start dockerd with -H tcp://0.0.0.0:{} (and --tlsverify), check the port, or open it in the firewall",
            host.port
        )),
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => Finding::error(
            "connect-timeout",
            subject,
            format!("no answer from {addr} within {} s (a firewall dropping packets?)", timeout.as_secs_f64()),
        )
        .with_fix("check that the host is up and that port is open between here and there"),
        io::ErrorKind::HostUnreachable | io::ErrorKind::NetworkUnreachable => Finding::error(
            "unreachable",
            subject,
            format!("{addr} is unreachable: {err}"),
        )
        .with_fix("check the address and the route to it"),
        _ => Finding::error("connect-failed", subject, format!("cannot connect to {addr}: {err}")),
    };
    findings.push(finding);
    None
}

/// The rustls error inside an I/O error, if any.
fn tls_error(err: &io::Error) -> Option<&rustls::Error> {
    err.get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
}

/// A rustls error in plain words (no Debug output).
pub fn tls_words(err: &rustls::Error) -> String {
    use rustls::Error as E;
    match err {
        E::InappropriateMessage { .. } | E::InappropriateHandshakeMessage { .. } => {
            "the peer sent a TLS message out of order".into()
        }
        E::InvalidMessage(_) => "the peer sent a malformed TLS message".into(),
        E::NoCertificatesPresented => "the peer presented no certificate".into(),
        E::UnsupportedNameType => "the host name is of a kind TLS cannot name".into(),
        E::DecryptError => "a TLS record could not be decrypted".into(),
        E::EncryptError => "a TLS record could not be encrypted".into(),
        E::PeerIncompatible(_) => {
            "the peer supports no TLS version, cipher suite or signature scheme in common with dockcert \
             (TLS 1.2 or 1.3 with modern algorithms)"
                .into()
        }
        E::PeerMisbehaved(_) => "the peer broke the TLS protocol".into(),
        E::AlertReceived(alert) => format!("the peer sent the TLS alert \"{}\"", alert_words(*alert)),
        E::InvalidCertificate(_) => "a certificate was refused".into(),
        E::InvalidCertRevocationList(_) => "a certificate revocation list was refused".into(),
        E::General(text) => text.clone(),
        E::FailedToGetCurrentTime => "the system clock could not be read".into(),
        E::FailedToGetRandomBytes => "the system random number generator failed".into(),
        E::HandshakeNotComplete => "the TLS handshake did not complete".into(),
        E::PeerSentOversizedRecord => "the peer sent a TLS record larger than allowed".into(),
        E::NoApplicationProtocol => "the peer shares no application protocol with dockcert".into(),
        E::BadMaxFragmentSize => "the TLS fragment size setting is invalid".into(),
        E::InconsistentKeys(_) => "the client key does not match the client certificate".into(),
        E::InvalidEncryptedClientHello(_) => "encrypted ClientHello failed".into(),
        E::Other(_) => "the TLS library failed".into(),
        _ => "the TLS library reported an error".into(),
    }
}

/// A TLS alert in plain words.
pub fn alert_words(alert: AlertDescription) -> String {
    let words = match alert {
        AlertDescription::CloseNotify => "close notify",
        AlertDescription::UnexpectedMessage => "unexpected message",
        AlertDescription::BadRecordMac => "bad record MAC",
        AlertDescription::HandshakeFailure => "handshake failure",
        AlertDescription::BadCertificate => "bad certificate",
        AlertDescription::UnsupportedCertificate => "unsupported certificate",
        AlertDescription::CertificateRevoked => "certificate revoked",
        AlertDescription::CertificateExpired => "certificate expired",
        AlertDescription::CertificateUnknown => "certificate unknown",
        AlertDescription::IllegalParameter => "illegal parameter",
        AlertDescription::UnknownCA => "unknown CA",
        AlertDescription::AccessDenied => "access denied",
        AlertDescription::DecodeError => "decode error",
        AlertDescription::DecryptError => "decrypt error",
        AlertDescription::ProtocolVersion => "protocol version",
        AlertDescription::InsufficientSecurity => "insufficient security",
        AlertDescription::InternalError => "internal error",
        AlertDescription::UserCanceled => "user canceled",
        AlertDescription::NoRenegotiation => "no renegotiation",
        AlertDescription::MissingExtension => "missing extension",
        AlertDescription::UnsupportedExtension => "unsupported extension",
        AlertDescription::UnrecognisedName => "unrecognised name",
        AlertDescription::CertificateRequired => "certificate required",
        AlertDescription::NoApplicationProtocol => "no application protocol",
        _ => return format!("number {}", u8::from(alert)),
    };
    words.to_string()
}

/// The finding for a port that answered something other than TLS.
pub fn not_tls_finding(first_bytes: &[u8], subject: &str) -> Option<Finding> {
    let reply = not_tls::describe(first_bytes)?;
    let finding = if reply.plain_dockerd {
        Finding::error(
            "not-tls",
            subject,
            format!(
                "the port answers plain HTTP (\"{}\"), not TLS: the daemon listens without TLS (this is how \
                 dockerd without --tls answers a TLS client)",
                reply.shown
            ),
        )
        .with_fix(
            "start dockerd with --tlsverify --tlscacert --tlscert --tlskey on this port; a plain-HTTP \
             TCP socket gives root on the host to anyone who can reach it",
        )
    } else {
        Finding::error(
            "not-tls",
            subject,
            format!(
                "the port answers with {}, not TLS: first bytes \"{}\"",
                reply.what, reply.shown
            ),
        )
        .with_fix(
            "this port is not the Docker daemon's TLS port: check the port in DOCKER_HOST / --host \
             (dockerd's TLS port is usually 2376) and dockerd's -H flags",
        )
    };
    Some(finding)
}

/// Names the cause of a failed handshake or exchange.
#[allow(clippy::too_many_arguments)]
pub fn diagnose(
    err: &io::Error,
    seen: &Observed,
    first_bytes: &[u8],
    host: &TcpHost,
    material: &Material,
    timeout: Duration,
    now: OffsetDateTime,
    step: &str,
) -> Finding {
    let subject = host.url();
    if let Some(finding) = not_tls_finding(first_bytes, &subject) {
        return finding;
    }
    let presented: Vec<CertSummary> = seen
        .chain
        .iter()
        .filter_map(|c| CertSummary::from_der(c))
        .collect();
    let server_refused = seen
        .server
        .as_ref()
        .is_some_and(|verdict| !verdict.rejections.is_empty());
    if !server_refused && let Some(finding) = client_cert_not_sent(seen, host, material) {
        return finding;
    }
    match tls_error(err) {
        Some(rustls::Error::InvalidCertificate(cert_err)) => match &seen.server {
            Some(verdict) if !verdict.rejections.is_empty() => {
                diagnose_rejection(verdict, &presented, host, material, now)
            }
            _ => diagnose_certificate(cert_err, &presented, host, material, now),
        },
        Some(rustls::Error::AlertReceived(alert)) => diagnose_alert(*alert, host, material, step),
        Some(other) => Finding::error(
            "tls-failed",
            subject,
            format!("the {step} failed: {}", tls_words(other)),
        ),
        None => match err.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => Finding::error(
                "tls-timeout",
                subject,
                format!(
                    "the daemon accepted the connection but sent nothing within {} s during the {step}",
                    timeout.as_secs_f64()
                ),
            )
            .with_fix("check that this port is the Docker daemon's TLS port and that it is not overloaded"),
            io::ErrorKind::UnexpectedEof | io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted
                if seen.client_cert_requested =>
            {
                diagnose_alert(AlertDescription::BadCertificate, host, material, step)
            }
            io::ErrorKind::UnexpectedEof | io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted => {
                Finding::error(
                    "tls-closed",
                    subject,
                    format!(
                        "the peer closed the connection during the {step}: it does not speak TLS here, or it \
                         refused dockcert"
                    ),
                )
                .with_fix("check that this port is the Docker daemon's TLS port (dockerd -H and --tlsverify)")
            }
            _ => Finding::error(
                "tls-failed",
                subject,
                format!("the {step} failed: the connection broke ({})", io_words(err)),
            ),
        },
    }
}

/// What broke an HTTP exchange over TLS, in words.
fn exchange_words(err: &io::Error) -> String {
    match tls_error(err) {
        Some(tls) => tls_words(tls),
        None => format!("the connection broke ({})", io_words(err)),
    }
}

/// An I/O error in words, without its debug form.
fn io_words(err: &io::Error) -> String {
    match err.kind() {
        io::ErrorKind::BrokenPipe => "the peer stopped reading".into(),
        io::ErrorKind::InvalidData => "the peer sent data that is not valid here".into(),
        _ => err.kind().to_string(),
    }
}

/// The daemon asked for a client certificate from CAs our certificate's issuer is not among: the
/// docker CLI sends none, and dockerd answers "client didn't provide a certificate".
fn client_cert_not_sent(seen: &Observed, host: &TcpHost, material: &Material) -> Option<Finding> {
    let request = seen.request.as_ref()?;
    if request.fits {
        return None;
    }
    Some(
        Finding::error(
            "client-cert-not-sent",
            host.url(),
            format!(
                "the daemon accepts client certificates issued by {}, but the client certificate is issued by \
                 {}: the docker CLI then sends no certificate and dockerd logs \"client didn't provide a \
                 certificate\"",
                names_list(&request.acceptable_cas),
                material.client.issuer
            ),
        )
        .with_details(vec![
            format!("client certificate: {}", material.client.subject),
            format!("issued by:          {}", material.client.issuer),
            format!("client sha256:      {}", material.client.sha256),
        ])
        .with_fix(
            "use a client certificate issued by the daemon's --tlscacert, or give dockerd the CA that issued \
             this one (both may be in its --tlscacert file)",
        ),
    )
}

fn names_list(names: &[String]) -> String {
    match names {
        [] => "no CA at all".to_string(),
        [one] => one.clone(),
        many => many.join(" or "),
    }
}

/// Docker refused the daemon's chain: say why, per Go release, mapped to the codes `verify` has
/// always used where the reason is one of them.
fn diagnose_rejection(
    verdict: &ServerVerdict,
    presented: &[CertSummary],
    host: &TcpHost,
    material: &Material,
    now: OffsetDateTime,
) -> Finding {
    let codes: Vec<&str> = verdict
        .rejections
        .iter()
        .map(|(_, code, _)| *code)
        .collect();
    let all = |wanted: &str| codes.iter().all(|c| *c == wanted);
    let leaf = presented.first();
    // The codes `verify` has always used, where the reason is about the daemon's own certificate
    // (an expired root is not "the daemon's certificate expired").
    let as_webpki = if all("unknown-authority") {
        Some(CertificateError::UnknownIssuer)
    } else if all("host-not-covered") {
        Some(CertificateError::NotValidForName)
    } else if all("expired") && leaf.is_some_and(|c| now > c.not_after) {
        Some(CertificateError::Expired)
    } else if all("not-yet-valid") && leaf.is_some_and(|c| now < c.not_before) {
        Some(CertificateError::NotValidYet)
    } else if all("wrong-eku") && leaf.is_some_and(|c| !c.server_auth) {
        Some(CertificateError::InvalidPurpose)
    } else {
        None
    };
    if let Some(err) = as_webpki {
        let mut finding = diagnose_certificate(&err, presented, host, material, now);
        if verdict.rejections.len() == 1 {
            let (release, _, message) = &verdict.rejections[0];
            finding
                .details
                .push(format!("only {release} refuses it: {message}"));
        }
        return finding;
    }
    let by_release: Vec<(String, String)> = verdict
        .rejections
        .iter()
        .map(|(release, _, message)| (release.clone(), message.clone()))
        .collect();
    Finding::error(
        "server-cert-invalid",
        host.url(),
        format!(
            "Docker refuses the daemon's certificate: {}",
            release_messages(&by_release)
        ),
    )
    .with_details(chain_details(
        "presented by the daemon",
        presented,
        "local ca.pem",
        &material.ca_summaries,
    ))
    .with_fix(
        "re-issue the daemon's certificate from your CA (or `dockcert import-ca` then `dockcert issue server …`), \
         then point dockerd's --tlscert/--tlskey at it and restart it",
    )
}

fn diagnose_certificate(
    err: &CertificateError,
    presented: &[CertSummary],
    host: &TcpHost,
    material: &Material,
    now: OffsetDateTime,
) -> Finding {
    let subject = host.url();
    let leaf = presented.first();
    match err {
        CertificateError::UnknownIssuer | CertificateError::BadSignature => Finding::error(
            "server-unknown-ca",
            subject,
            "the daemon's certificate is not signed by this ca.pem",
        )
        .with_details(chain_details("presented by the daemon", presented, "local ca.pem", &material.ca_summaries))
        .with_fix(
            "use the ca.pem of the CA that signed the daemon's certificate (copy the daemon's --tlscacert), \
             or re-issue the daemon's certificate from this CA",
        ),
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            match leaf {
                Some(cert) if cert.sans.is_empty() => Finding::error(
                    "server-cn-only",
                    subject,
                    format!(
                        "the daemon's certificate has no subject alternative names (only the subject {}); \
                         Go clients have ignored the common name since Go 1.15",
                        cert.subject
                    ),
                )
                .with_fix(format!("re-issue the server certificate with SANs: {}", reissue_command(host, cert))),
                Some(cert) => Finding::error(
                    "server-name-mismatch",
                    subject,
                    format!("'{}' is not among the daemon certificate's SANs", host.host),
                )
                .with_details(vec![format!("SANs: {}", cert.sans.join(", "))])
                .with_fix(format!(
                    "connect by one of those names, or re-issue the server certificate with '{}': {}",
                    host.host,
                    reissue_command(host, cert)
                )),
                None => Finding::error("server-name-mismatch", subject, format!("'{}' is not valid for the daemon's certificate", host.host)),
            }
        }
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => Finding::error(
            "server-expired",
            subject,
            match leaf {
                Some(cert) => format!(
                    "the daemon's certificate expired on {} (local clock: {})",
                    rfc3339(cert.not_after),
                    rfc3339(now)
                ),
                None => format!("the daemon's certificate has expired (local clock: {})", rfc3339(now)),
            },
        )
        .with_details(leaf.map(|c| vec![format!("valid from {} to {}", rfc3339(c.not_before), rfc3339(c.not_after))]).unwrap_or_default())
        .with_fix("issue a new server certificate and restart dockerd (it does not reload certificates), or fix the clock"),
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => Finding::error(
            "server-not-yet-valid",
            subject,
            match leaf {
                Some(cert) => format!(
                    "the daemon's certificate is not valid before {} (local clock: {})",
                    rfc3339(cert.not_before),
                    rfc3339(now)
                ),
                None => format!("the daemon's certificate is not valid yet (local clock: {})", rfc3339(now)),
            },
        )
        .with_fix("check the clocks of both machines (NTP); certificates start at their not-before time"),
        CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => Finding::error(
            "server-wrong-eku",
            subject,
            "the daemon's certificate is not for serverAuth (its extendedKeyUsage lacks TLS server authentication)",
        )
        .with_fix("re-issue the server certificate with extendedKeyUsage serverAuth"),
        _ => Finding::error(
            "server-cert-invalid",
            subject,
            "the daemon's certificate is not acceptable to Docker".to_string(),
        )
        .with_details(chain_details("presented by the daemon", presented, "local ca.pem", &material.ca_summaries)),
    }
}

fn diagnose_alert(
    alert: AlertDescription,
    host: &TcpHost,
    material: &Material,
    step: &str,
) -> Finding {
    let subject = host.url();
    match alert {
        AlertDescription::BadCertificate
        | AlertDescription::UnknownCA
        | AlertDescription::CertificateRequired
        | AlertDescription::CertificateUnknown
        | AlertDescription::UnsupportedCertificate
        | AlertDescription::AccessDenied => Finding::error(
            "client-rejected",
            subject,
            format!(
                "the daemon rejected our client certificate (during the {step}, TLS alert \"{}\")",
                alert_words(alert)
            ),
        )
        .with_details(vec![
            format!("client certificate: {} (issuer {})", material.client.subject, material.client.issuer),
            format!("client sha256:      {}", material.client.sha256),
        ])
        .with_fix(
            "check that the daemon's --tlscacert is the CA that issued this cert.pem (compare the CA \
             files' sha256), and that the client certificate has extendedKeyUsage clientAuth",
        ),
        AlertDescription::ProtocolVersion | AlertDescription::HandshakeFailure | AlertDescription::InsufficientSecurity => {
            Finding::error(
                "tls-negotiation",
                subject,
                format!(
                    "the daemon and dockcert share no TLS version or cipher suite (during the {step}, TLS alert \"{}\")",
                    alert_words(alert)
                ),
            )
            .with_fix("use TLS 1.2 or 1.3 with modern cipher suites on the daemon")
        }
        other => Finding::error(
            "tls-alert",
            subject,
            format!("the daemon aborted the {step} with the TLS alert \"{}\"", alert_words(other)),
        ),
    }
}

/// The dockcert command that makes a server certificate valid for `host` as well.
fn reissue_command(host: &TcpHost, cert: &CertSummary) -> String {
    let wanted = match host.host.parse::<std::net::IpAddr>() {
        Ok(ip) => format!("IP:{ip}"),
        Err(_) => format!("DNS:{}", host.host),
    };
    let defaults = ["DNS:localhost", "IP:127.0.0.1", "IP:::1"];
    let others: Vec<String> = cert
        .sans
        .iter()
        .filter(|s| !defaults.contains(&s.as_str()) && **s != wanted)
        .cloned()
        .collect();
    let name = wanted
        .split_once(':')
        .map_or(wanted.as_str(), |(_, name)| name);
    let mut command = format!("dockcert issue server --name {name}");
    if !others.is_empty() {
        command.push_str(&format!(" --san {}", others.join(",")));
    }
    command.push_str(
        " on the machine that holds dockcert's CA (same CA, so clients need nothing new); then point \
         dockerd's --tlscert/--tlskey at the new files and restart it",
    );
    command
}

/// A client key that others can read: the docker CLI does not mind, but anyone who can read it is
/// root on the daemon's host. A warning here (an error in `audit`).
pub fn key_mode_warning(files: &TlsFiles) -> Option<Finding> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&files.key).ok()?.permissions().mode() & 0o7777;
    (mode & 0o044 != 0).then(|| {
        Finding::warning(
            "key-readable",
            name(&files.key),
            format!(
                "{} is readable by {} (mode {mode:04o}): the docker CLI does not mind, but whoever can read it \
                 controls the daemon's host",
                name(&files.key),
                if mode & 0o004 != 0 { "everyone" } else { "its group" }
            ),
        )
        .with_fix(format!(
            "chmod 0400 {}; `dockcert audit` lists the set's security defects",
            files.key.display()
        ))
    })
}

/// Environment pitfalls, as warnings.
pub fn env_warnings(env: &Env) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (var, value) in [
        ("REQUESTS_CA_BUNDLE", &env.requests_ca_bundle),
        ("CURL_CA_BUNDLE", &env.curl_ca_bundle),
    ] {
        if let Some(value) = value {
            findings.push(
                Finding::warning(
                    "env-ca-bundle",
                    var,
                    format!(
                        "{var}={value} is set: the Python docker SDK (docker-compose v1, Ansible) then trusts that \
                         bundle instead of DOCKER_CERT_PATH's ca.pem and fails with 'unable to get local issuer certificate'"
                    ),
                )
                .with_fix(format!("unset {var} for Docker tools, or add ca.pem to that bundle")),
            );
        }
    }
    if let Some(value) = &env.docker_tls_verify
        && matches!(value.to_ascii_lowercase().as_str(), "0" | "false" | "no")
    {
        findings.push(
            Finding::warning(
                "env-tls-verify-false",
                "DOCKER_TLS_VERIFY",
                format!(
                    "DOCKER_TLS_VERIFY={value} does not turn verification off: the docker CLI enables TLS \
                     verification for any non-empty value"
                ),
            )
            .with_fix("unset DOCKER_TLS_VERIFY to turn it off, or set it to 1 to say what you mean"),
        );
    }
    if env.docker_cert_path.is_some() && env.docker_host.is_none() {
        findings.push(
            Finding::warning(
                "env-cert-path-without-host",
                "DOCKER_CERT_PATH",
                "DOCKER_CERT_PATH is set but DOCKER_HOST is not: the docker CLI talks to the local socket and \
                 ignores the certificates",
            )
            .with_fix("set DOCKER_HOST=tcp://HOST:2376 as well (and DOCKER_TLS_VERIFY=1)"),
        );
    }
    findings
}

/// Exit status for a set of findings: 1 when any is an error.
pub fn failed(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.severity == Severity::Error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_pitfalls_are_warned_about() {
        let env = Env {
            requests_ca_bundle: Some("/etc/ssl/certs/ca.pem".into()),
            docker_tls_verify: Some("false".into()),
            docker_cert_path: Some("/c".into()),
            ..Env::default()
        };
        let codes: Vec<&str> = env_warnings(&env).iter().map(|f| f.code).collect();
        assert_eq!(
            codes,
            [
                "env-ca-bundle",
                "env-tls-verify-false",
                "env-cert-path-without-host"
            ]
        );
        let quiet = Env {
            docker_tls_verify: Some("1".into()),
            docker_cert_path: Some("/c".into()),
            docker_host: Some("tcp://h:2376".into()),
            ..Env::default()
        };
        assert!(env_warnings(&quiet).is_empty());
    }

    #[test]
    fn the_same_reason_from_every_release_is_said_once() {
        let both = [
            (
                "Go 1.19 (a)".to_string(),
                "Go 1.19 (a) refuses the chain: it is too long.".to_string(),
            ),
            (
                "Go 1.24 (b)".to_string(),
                "Go 1.24 (b) refuses the chain: it is too long.".to_string(),
            ),
        ];
        assert_eq!(
            release_messages(&both),
            "Go 1.19 (a) and Go 1.24 (b) refuse the chain: it is too long."
        );
        let one = [(
            "Go 1.24 (b)".to_string(),
            "Go 1.24 (b) refuses the leaf: it has a critical key identifier.".to_string(),
        )];
        assert_eq!(
            release_messages(&one),
            "Go 1.24 (b) refuses the leaf: it has a critical key identifier."
        );
        let shared = [
            (
                "Go 1.19 (a)".to_string(),
                "No trusted CA issued X.".to_string(),
            ),
            (
                "Go 1.24 (b)".to_string(),
                "No trusted CA issued X.".to_string(),
            ),
        ];
        assert_eq!(release_messages(&shared), "No trusted CA issued X.");
    }

    #[test]
    fn skew_has_a_sign() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1000);
        assert_eq!(skew_seconds(t + Duration::from_secs(90), t), 90);
        assert_eq!(skew_seconds(t, t + Duration::from_secs(90)), -90);
    }

    #[test]
    fn reissue_keeps_the_users_names_and_adds_the_missing_one() {
        let cert = CertSummary {
            subject: String::new(),
            issuer: String::new(),
            serial: String::new(),
            not_before: OffsetDateTime::UNIX_EPOCH,
            not_after: OffsetDateTime::UNIX_EPOCH,
            sans: vec![
                "DNS:d.example".into(),
                "DNS:localhost".into(),
                "IP:127.0.0.1".into(),
            ],
            is_ca: false,
            server_auth: true,
            client_auth: false,
            sha256: String::new(),
            spki: Vec::new(),
        };
        let host = TcpHost {
            host: "10.0.0.9".into(),
            port: 2376,
        };
        assert!(reissue_command(&host, &cert).starts_with(
            "dockcert issue server --name 10.0.0.9 --san DNS:d.example on the machine"
        ));
    }
}

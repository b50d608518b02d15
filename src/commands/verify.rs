//! `dockcert verify`: resolve the daemon and the client's files the way the docker CLI does, run
//! the pre-flight and the live check, and hand the result to `report`.

use std::time::Duration;

use anyhow::{Result, anyhow, bail};
use time::OffsetDateTime;

use crate::Env;
use crate::cli::VerifyArgs;
use crate::docker::{self, Layout, TlsFiles};
use crate::load::{self, LoadError};
use crate::report::VerifyReport;
use crate::verify::{self, Loaded};

/// Runs `verify`.
pub fn run(args: &VerifyArgs, env: &Env, now: OffsetDateTime) -> Result<VerifyReport> {
    let host_text = args.host.clone().or_else(|| env.docker_host.clone()).ok_or_else(|| {
        anyhow!(
            "no Docker host to check: give --host tcp://HOST:2376 or set DOCKER_HOST (TLS applies to TCP hosts; \
             the local unix socket needs no certificates)"
        )
    })?;
    let host = docker::parse_tcp_host(&host_text).map_err(|err| anyhow!(err))?;
    if !(args.timeout.is_finite() && args.timeout > 0.0 && args.timeout <= 3600.0) {
        bail!(
            "--timeout {}: give a number of seconds between 0 and 3600",
            args.timeout
        );
    }
    let timeout = Duration::from_secs_f64(args.timeout);
    let files = match (&args.tlscacert, &args.tlscert, &args.tlskey) {
        (Some(ca), Some(cert), Some(key)) => TlsFiles {
            ca: ca.clone(),
            cert: cert.clone(),
            key: key.clone(),
        },
        _ => {
            let dir = args
                .cert_path
                .clone()
                .or_else(|| {
                    docker::client_cert_dir(
                        env.docker_cert_path.as_deref(),
                        env.home_dir.as_deref(),
                    )
                })
                .ok_or_else(|| {
                    anyhow!(
                        "no certificate directory: give --cert-path DIR or set DOCKER_CERT_PATH"
                    )
                })?;
            Layout::Client.files_in(&dir)
        }
    };
    let files = TlsFiles {
        ca: crate::absolute(&files.ca)?,
        cert: crate::absolute(&files.cert)?,
        key: crate::absolute(&files.key)?,
    };
    let loaded = Loaded {
        ca: local(load::read_certificates(&files.ca))?,
        cert: local(load::read_certificates(&files.cert))?,
        key: local(load::read_private_key(&files.key))?,
        files: files.clone(),
    };

    let key_warning = verify::key_mode_warning(&files);
    let (mut findings, material) = verify::preflight(loaded, now);
    let mut report = VerifyReport::new(host.url(), files);
    if let Some(material) = &material {
        let live = verify::check_daemon(&host, material, timeout, now);
        findings.extend(live.findings);
        report.tls = live.session;
        report.daemon_certificate = live.daemon_certificate;
        report.engine = live.engine;
        report.clock_skew_seconds = live.clock_skew_seconds;
        report.client_days_left = Some(material.client.days_left(now));
        report.ca_days_left = material
            .ca_summaries
            .iter()
            .map(|ca| ca.days_left(now))
            .min();
    }
    findings.extend(key_warning);
    findings.extend(verify::env_warnings(env));
    report.ok = !verify::failed(&findings);
    report.findings = findings;
    report.now = now;
    Ok(report)
}

/// A file that cannot be read at all is a local error (exit 2); one that reads but is wrong is a
/// finding (exit 1).
fn local<T>(result: Result<T, LoadError>) -> Result<Result<T, LoadError>> {
    match result {
        Err(LoadError::Io { path, source }) => Err(anyhow!(
            "cannot read {}: {source}; give --cert-path DIR (or DOCKER_CERT_PATH) with ca.pem, cert.pem and key.pem, \
             or make them with 'dockcert init'",
            path.display()
        )),
        other => Ok(other),
    }
}

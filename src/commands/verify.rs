//! `dockcert verify`: resolve the daemon and the client's files the way the docker CLI does
//! (`docker::endpoint`), run the pre-flight and the live check, and hand the result to `report`.
//!
//! `--host` (with `--cert-path` or the three file flags) names what to check explicitly; without
//! it, the answer is for the docker CLI's configuration as it stands (`--context`, DOCKER_HOST,
//! DOCKER_CONTEXT, currentContext, the context store), including "it would not use TLS".

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Result, anyhow, bail};
use time::OffsetDateTime;

use crate::cli::VerifyArgs;
use crate::docker::endpoint::{self, CliFlags, Client, Endpoint, Origin, Refusal, Sourced, Tls};
use crate::docker::{self, TlsFiles};
use crate::env::Env;
use crate::finding::Finding;
use crate::net::verify::{self, Loaded};
use crate::report::VerifyReport;
use crate::x509::load::{self, LoadError};

/// Runs `verify`.
pub fn run(args: &VerifyArgs, env: &Env, now: OffsetDateTime) -> Result<VerifyReport> {
    if !(args.timeout.is_finite() && args.timeout > 0.0 && args.timeout <= 3600.0) {
        bail!(
            "--timeout {}: give a number of seconds between 0 and 3600",
            args.timeout
        );
    }
    let timeout = Duration::from_secs_f64(args.timeout);
    let mut endpoint = match &args.host {
        Some(host) => {
            if args.context.is_some() {
                // The docker CLI's own refusal (cli/command/cli.go Initialize).
                bail!(
                    "conflicting options: cannot specify both --host and --context (the docker CLI \
                     refuses them together too)"
                );
            }
            explicit_endpoint(host, env)?
        }
        None => {
            let flags = CliFlags {
                host: None,
                context: args.context.clone(),
            };
            match endpoint::docker_cli(&flags, env) {
                Ok(endpoint) => endpoint,
                Err(refusal) if refusal.usage => bail!("{}", refusal.message),
                Err(refusal) => return Ok(refused(&refusal, env, now)),
            }
        }
    };
    if let Some(files) = flag_files(args)? {
        endpoint.tls = Sourced {
            value: Tls::Verify,
            origin: Origin::Flag("--cert-path/--tlscacert"),
        };
        endpoint.ca = Some(files.0);
        endpoint.cert = Some(files.1);
        endpoint.key = Some(files.2);
    }
    check_endpoint(&endpoint, env, timeout, now)
}

/// The report for a configuration the docker CLI refuses to start with.
pub fn refused(refusal: &Refusal, env: &Env, now: OffsetDateTime) -> VerifyReport {
    let mut report = VerifyReport::new(String::new(), empty_files());
    report.origin = refusal.notes.iter().map(|n| format!("note: {n}")).collect();
    report.findings.push(
        Finding::error(
            "client-refuses",
            refusal.client.name(),
            format!(
                "the {} refuses this configuration: \"{}\" ({})",
                refusal.client.name(),
                refusal.message,
                refusal.cause
            ),
        )
        .with_fix(refusal_fix(refusal)),
    );
    report.findings.extend(verify::env_warnings(env));
    report.now = now;
    report
}

/// The command or change that resolves a client's refusal.
pub fn refusal_fix(refusal: &Refusal) -> String {
    let m = &refusal.message;
    if m.contains("context not found") {
        "create the context (dockcert context create NAME --host tcp://HOST:2376 --use), or choose \
         an existing one: docker context ls; docker context use NAME"
            .into()
    } else if m.contains("ca.pem") || m.contains("ca_cert") || m.contains("client_cert") {
        "put ca.pem, cert.pem and key.pem there (dockcert init, or dockcert issue client), or point \
         DOCKER_CERT_PATH at the directory that has them"
            .into()
    } else if m.contains("port is required") {
        "give the port: export DOCKER_HOST=tcp://HOST:2376".into()
    } else if m.contains("bind address") {
        "write the host as tcp://HOST:2376 (the docker CLI accepts no https://)".into()
    } else {
        "fix the configuration named above".into()
    }
}

fn empty_files() -> TlsFiles {
    TlsFiles {
        ca: PathBuf::new(),
        cert: PathBuf::new(),
        key: PathBuf::new(),
    }
}

/// `--host` given: the host as written, the files from the flags, else where the docker CLI's
/// default context reads them (DOCKER_CERT_PATH, else the configuration directory).
fn explicit_endpoint(host: &str, env: &Env) -> Result<Endpoint> {
    let tcp = docker::parse_tcp_host(host).map_err(|err| anyhow!(err))?;
    let dir = match (&env.docker_cert_path, endpoint::cli_config_dir(env)) {
        (Some(dir), _) => Sourced {
            value: dir.clone(),
            origin: Origin::Env("DOCKER_CERT_PATH"),
        },
        (None, Some(config)) => Sourced {
            value: config.value,
            origin: Origin::Default(format!(
                "the docker CLI's configuration directory ({})",
                config.origin.describe()
            )),
        },
        (None, None) => {
            bail!("no certificate directory: give --cert-path DIR or set DOCKER_CERT_PATH")
        }
    };
    let file = |name: &str| Sourced {
        value: dir.value.join(name),
        origin: dir.origin.clone(),
    };
    Ok(Endpoint {
        client: Client::DockerCli,
        context: None,
        host: Sourced {
            value: tcp.url(),
            origin: Origin::Flag("--host"),
        },
        transport: endpoint::Transport::Tcp,
        tls: Sourced {
            value: Tls::Verify,
            origin: Origin::Default("the --host flag (dockcert always checks with TLS)".into()),
        },
        ca: Some(file("ca.pem")),
        cert: Some(file("cert.pem")),
        key: Some(file("key.pem")),
        trust_override: None,
        notes: Vec::new(),
    })
}

type FlagFiles = (Sourced<PathBuf>, Sourced<PathBuf>, Sourced<PathBuf>);

/// `--tlscacert/--tlscert/--tlskey` or `--cert-path`, when given.
fn flag_files(args: &VerifyArgs) -> Result<Option<FlagFiles>> {
    let flag = |path: &PathBuf, flag: &'static str| Sourced {
        value: path.clone(),
        origin: Origin::Flag(flag),
    };
    Ok(
        match (
            &args.tlscacert,
            &args.tlscert,
            &args.tlskey,
            &args.cert_path,
        ) {
            (Some(ca), Some(cert), Some(key), _) => Some((
                flag(ca, "--tlscacert"),
                flag(cert, "--tlscert"),
                flag(key, "--tlskey"),
            )),
            (_, _, _, Some(dir)) => Some((
                flag(&dir.join("ca.pem"), "--cert-path"),
                flag(&dir.join("cert.pem"), "--cert-path"),
                flag(&dir.join("key.pem"), "--cert-path"),
            )),
            _ => None,
        },
    )
}

/// Checks one resolved endpoint: says why when its client would not use TLS with all three
/// files; otherwise the pre-flight and the live check with exactly the files it uses.
pub fn check_endpoint(
    endpoint: &Endpoint,
    env: &Env,
    timeout: Duration,
    now: OffsetDateTime,
) -> Result<VerifyReport> {
    let who = endpoint.client.name();
    // A client that does not verify the daemon has no CA configured; dockcert still checks the
    // daemon, against the ca.pem beside the client certificate when there is one.
    let mut endpoint = endpoint.clone();
    if endpoint.tls.value == Tls::NoVerify
        && endpoint.effective_ca().is_none()
        && let Some(cert) = &endpoint.cert
    {
        let beside = cert.value.with_file_name("ca.pem");
        if beside.is_file() {
            endpoint.ca = Some(Sourced {
                value: beside,
                origin: cert.origin.clone(),
            });
        }
    }
    let endpoint = &endpoint;
    let path_of =
        |f: &Option<Sourced<PathBuf>>| f.as_ref().map(|s| s.value.clone()).unwrap_or_default();
    let files = TlsFiles {
        ca: path_of(&endpoint.effective_ca().cloned()),
        cert: path_of(&endpoint.cert),
        key: path_of(&endpoint.key),
    };
    let mut report = VerifyReport::new(endpoint.host.value.clone(), files);
    report.origin = endpoint.origin_lines();
    report
        .origin
        .extend(endpoint.notes.iter().map(|n| format!("note: {n}")));
    report.now = now;
    report.endpoint = Some(endpoint.clone());
    let mut findings = Vec::new();
    if !endpoint.transport.uses_tls_files() {
        findings.push(
            Finding::error(
                "endpoint-no-tls",
                &endpoint.host.value,
                format!(
                    "the {who} connects to {} ({}): no TLS is involved there, so there is nothing \
                     to verify",
                    endpoint.host.value,
                    endpoint.host.origin.describe()
                ),
            )
            .with_fix(
                "to check a TLS daemon, give --host tcp://HOST:2376 or --context NAME, or point \
                 DOCKER_HOST at it with DOCKER_TLS_VERIFY=1",
            ),
        );
    } else if endpoint.tls.value == Tls::Off {
        findings.push(
            Finding::error(
                "endpoint-plain-http",
                &endpoint.host.value,
                format!(
                    "the {who} would talk plain HTTP to {} ({}): a daemon with --tlsverify answers \
                     'Client sent an HTTP request to an HTTPS server', and one without TLS is open to \
                     anyone who can reach the port",
                    endpoint.host.value,
                    endpoint.tls.origin.describe()
                ),
            )
            .with_fix(plain_http_fix(endpoint)),
        );
    } else {
        if endpoint.tls.value == Tls::NoVerify {
            findings.push(
                Finding::warning(
                    "endpoint-no-verify",
                    &endpoint.host.value,
                    format!(
                        "the {who} uses TLS without verifying the daemon's certificate ({}): anyone \
                         on the path can impersonate the daemon; dockcert checks it anyway",
                        endpoint.tls.origin.describe()
                    ),
                )
                .with_fix(match endpoint.client {
                    Client::PythonSdk => "export DOCKER_TLS_VERIFY=1",
                    Client::DockerCli => {
                        "export DOCKER_TLS_VERIFY=1 (or, for a context, recreate it without \
                         skip-tls-verify)"
                    }
                }),
            );
        }
        if endpoint.effective_ca().is_none() {
            findings.push(
                Finding::error(
                    "endpoint-no-ca",
                    &endpoint.host.value,
                    format!(
                        "the {who} has no ca.pem for {}: it checks the daemon against the system's \
                         trust store, which does not hold your Docker CA",
                        endpoint.host.value
                    ),
                )
                .with_fix(context_refresh_fix(endpoint)),
            );
        }
        if endpoint.cert.is_none() || endpoint.key.is_none() {
            findings.push(
                Finding::error(
                    "endpoint-no-client-cert",
                    &endpoint.host.value,
                    format!(
                        "the {who} has no client certificate and key for {}: a daemon with \
                         --tlsverify refuses it ('bad certificate')",
                        endpoint.host.value
                    ),
                )
                .with_fix(context_refresh_fix(endpoint)),
            );
        }
    }
    if findings
        .iter()
        .any(|f| f.severity == crate::finding::Severity::Error)
    {
        findings.extend(env_warnings_for(endpoint, env));
        report.findings = findings;
        report.ok = false;
        return Ok(report);
    }
    let host = docker::parse_tcp_host(&endpoint.host.value).map_err(|err| anyhow!(err))?;
    let files = TlsFiles {
        ca: crate::env::absolute(&report.ca)?,
        cert: crate::env::absolute(&report.cert)?,
        key: crate::env::absolute(&report.key)?,
    };
    let loaded = Loaded {
        ca: local(load::read_certificates(&files.ca))?,
        cert: local(load::read_certificates(&files.cert))?,
        key: local(load::read_private_key(&files.key))?,
        files: files.clone(),
    };
    let key_warning = verify::key_mode_warning(&files);
    let (preflight, material) = verify::preflight(loaded, now);
    findings.extend(preflight);
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
    findings.extend(env_warnings_for(endpoint, env));
    report.ok = !verify::failed(&findings);
    report.findings = findings;
    Ok(report)
}

fn plain_http_fix(endpoint: &Endpoint) -> String {
    match (&endpoint.context, endpoint.client) {
        (Some(context), Client::DockerCli) if context.value != endpoint::DEFAULT_CONTEXT => format!(
            "give the context TLS files: dockcert context create {} --host {} --force",
            context.value, endpoint.host.value
        ),
        (_, Client::PythonSdk) => "export DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=DIR (the directory with ca.pem, cert.pem and key.pem)".into(),
        _ => "export DOCKER_TLS_VERIFY=1 (and DOCKER_CERT_PATH=DIR if the files are not in ~/.docker)".into(),
    }
}

fn context_refresh_fix(endpoint: &Endpoint) -> String {
    match &endpoint.context {
        Some(context) if context.value != endpoint::DEFAULT_CONTEXT => format!(
            "copy the client files into the context: dockcert context create {} --host {} --cert-path DIR --force",
            context.value, endpoint.host.value
        ),
        _ => "put ca.pem, cert.pem and key.pem in the directory named above (dockcert init or dockcert issue client)".into(),
    }
}

/// `verify`'s environment warnings, less the one about DOCKER_CERT_PATH without DOCKER_HOST when
/// a named context is in use: the CLI then uses the context's host and files (the endpoint's
/// notes already say that DOCKER_CERT_PATH is ignored), not the local socket.
pub fn env_warnings_for(endpoint: &Endpoint, env: &Env) -> Vec<Finding> {
    let named_context = endpoint
        .context
        .as_ref()
        .is_some_and(|c| c.value != endpoint::DEFAULT_CONTEXT);
    verify::env_warnings(env)
        .into_iter()
        .filter(|f| !(named_context && f.code == "env-cert-path-without-host"))
        .collect()
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

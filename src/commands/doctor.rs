//! `dockcert doctor`: "why doesn't it work?" on the client machine. Resolves the endpoint of the
//! docker CLI and of the Python docker SDK (`docker::endpoint`), lists the environment's
//! pitfalls, audits the files each would use and the context store, checks each distinct endpoint
//! live (`commands::verify::check_endpoint`), and gives a verdict per client with the fixes.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Result, bail};
use time::OffsetDateTime;

use crate::cli::{AuditArgs, DoctorArgs, PurposeArg};
use crate::docker::endpoint::{self, CliFlags, Client, Endpoint, Refusal, Tls, Transport};
use crate::env::Env;
use crate::finding::{Finding, Severity};
use crate::report::{ClientView, DOCTOR_SCHEMA, DoctorReport, Verdict, VerdictState, VerifyReport};
use crate::x509::load;

/// Runs `doctor`.
pub fn run(args: &DoctorArgs, env: &Env, now: OffsetDateTime) -> Result<DoctorReport> {
    if !(args.timeout.is_finite() && args.timeout > 0.0 && args.timeout <= 3600.0) {
        bail!(
            "--timeout {}: give a number of seconds between 0 and 3600",
            args.timeout
        );
    }
    let timeout = Duration::from_secs_f64(args.timeout);
    if args.host.is_some() && args.context.is_some() {
        // The docker CLI's own refusal (cli/command/cli.go Initialize).
        bail!(
            "conflicting options: cannot specify both --host and --context (the docker CLI refuses \
             them together too)"
        );
    }
    let flags = CliFlags {
        host: args.host.clone(),
        context: args.context.clone(),
    };
    let resolved: Vec<(Client, Result<Endpoint, Refusal>)> = vec![
        (Client::DockerCli, endpoint::docker_cli(&flags, env)),
        (Client::PythonSdk, endpoint::python_sdk(env)),
    ];
    let (same_endpoint, differences) = match (&resolved[0].1, &resolved[1].1) {
        (Ok(a), Ok(b)) => (a.same_as(b), a.differences(b)),
        (Err(r), Ok(_)) | (Ok(_), Err(r)) => (
            false,
            vec![format!(
                "the {} refuses to start, the other does not",
                r.client.name()
            )],
        ),
        (Err(_), Err(_)) => (false, vec!["both clients refuse to start".to_string()]),
    };

    let mut environment = match &resolved[0].1 {
        Ok(cli) => crate::commands::verify::env_warnings_for(cli, env),
        Err(_) => crate::net::verify::env_warnings(env),
    };
    environment.extend(endpoint::env_pitfalls(env));

    let audit = audit_files(&resolved, env, now);

    // The live checks, one per distinct endpoint.
    let mut checks: Vec<(Endpoint, VerifyReport)> = Vec::new();
    let mut views = Vec::new();
    for (client, result) in resolved {
        let view = match result {
            Err(refusal) => ClientView {
                client,
                verdict: Verdict {
                    state: VerdictState::Fails,
                    summary: format!("fails: it refuses to start: \"{}\"", refusal.message),
                },
                endpoint: None,
                refusal: Some(refusal),
                check: None,
            },
            Ok(endpoint) => {
                let (check, verdict) = judge(&endpoint, env, timeout, now, &mut checks);
                ClientView {
                    client,
                    endpoint: Some(endpoint),
                    refusal: None,
                    check,
                    verdict,
                }
            }
        };
        views.push(view);
    }
    // The environment's warnings are listed once, under Environment, not in every check.
    let checks: Vec<VerifyReport> = checks
        .into_iter()
        .map(|(_, mut report)| {
            report.findings.retain(|f| !f.code.starts_with("env-"));
            report
        })
        .collect();
    let fixes = fixes(env, &views, &environment, audit.as_ref(), &checks);
    Ok(DoctorReport {
        schema: DOCTOR_SCHEMA,
        ok: views.iter().all(|v| v.verdict.state != VerdictState::Fails),
        clients: views,
        same_endpoint,
        differences,
        environment,
        audit,
        checks,
        fixes,
    })
}

/// A client's verdict, running the live check unless an equal endpoint was checked already.
fn judge(
    endpoint: &Endpoint,
    env: &Env,
    timeout: Duration,
    now: OffsetDateTime,
    checks: &mut Vec<(Endpoint, VerifyReport)>,
) -> (Option<usize>, Verdict) {
    let verdict = |state, summary: String| Verdict { state, summary };
    match endpoint.transport {
        Transport::Unix => {
            let path = endpoint
                .host
                .value
                .trim_start_matches("unix://")
                .to_string();
            // No TLS is involved: the one thing to check is whether the socket answers.
            return match std::os::unix::net::UnixStream::connect(&path) {
                Ok(_) => (
                    None,
                    verdict(
                        VerdictState::Works,
                        format!("works: it uses the local socket {path} (no TLS is involved)"),
                    ),
                ),
                Err(err) => (
                    None,
                    verdict(
                        VerdictState::Fails,
                        format!(
                            "fails: it uses the local socket {path}, which does not answer ({}); \
                             no TLS is involved there",
                            io_reason(&err)
                        ),
                    ),
                ),
            };
        }
        Transport::Tcp => {}
        other => {
            return (
                None,
                verdict(
                    VerdictState::NotChecked,
                    format!(
                        "not checked: it connects over {} ({}), where Docker's TLS certificates are \
                         not involved",
                        match other {
                            Transport::Ssh => "ssh",
                            Transport::Npipe => "a named pipe",
                            _ => "an inherited socket",
                        },
                        endpoint.host.value
                    ),
                ),
            );
        }
    }
    // The SDK's trust-store override is judged on its own; the live check uses the files.
    let mut checked = endpoint.clone();
    let override_finding = endpoint
        .trust_override
        .as_ref()
        .and_then(|bundle| bundle_finding(endpoint, &bundle.value, &bundle.origin.describe(), env));
    if checked.trust_override.take().is_some() && checked.ca.is_none() {
        checked.ca = endpoint.cert.as_ref().and_then(|cert| {
            let ca = cert.value.with_file_name("ca.pem");
            ca.is_file().then(|| endpoint::Sourced {
                value: ca,
                origin: cert.origin.clone(),
            })
        });
    }
    // A check is shared by clients that reach the same endpoint with the same files, except when
    // TLS is off: that finding and its fix are worded for the client that makes the mistake.
    let shared = |e: &Endpoint| {
        e.same_as(&checked) && (checked.tls.value != Tls::Off || e.client == checked.client)
    };
    let index = match checks.iter().position(|(e, _)| shared(e)) {
        Some(i) => i,
        None => {
            let report = crate::commands::verify::check_endpoint(&checked, env, timeout, now)
                .unwrap_or_else(|err| {
                    let mut report = VerifyReport::new(checked.host.value.clone(), no_files());
                    report.findings.push(Finding::error(
                        "local-error",
                        &checked.host.value,
                        format!("{err:#}"),
                    ));
                    report.now = now;
                    report
                });
            checks.push((checked.clone(), report));
            checks.len() - 1
        }
    };
    let report = &checks[index].1;
    let first_error = report
        .findings
        .iter()
        .find(|f| f.severity == Severity::Error);
    if let Some(error) = first_error {
        return (
            Some(index),
            verdict(VerdictState::Fails, format!("fails: {}", error.message)),
        );
    }
    if let Some(finding) = override_finding {
        return (
            Some(index),
            verdict(VerdictState::Fails, format!("fails: {}", finding.message)),
        );
    }
    let how = match endpoint.tls.value {
        Tls::NoVerify => " (but without verifying the daemon's certificate)",
        _ => "",
    };
    (
        Some(index),
        verdict(
            VerdictState::Works,
            format!("works: {} with mutual TLS{how}", endpoint.host.value),
        ),
    )
}

/// REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE replace the SDK's ca.pem: a failure unless the bundle holds
/// the Docker CA.
fn bundle_finding(endpoint: &Endpoint, bundle: &Path, var: &str, env: &Env) -> Option<Finding> {
    let ca_path = endpoint.ca.as_ref().map(|c| c.value.clone()).or_else(|| {
        endpoint
            .cert
            .as_ref()
            .map(|c| c.value.with_file_name("ca.pem"))
    })?;
    let ca = load::read_certificates(&ca_path).ok()?;
    let held = load::read_certificates(bundle)
        .map(|b| ca.certs.iter().any(|c| b.certs.contains(c)))
        .unwrap_or(false);
    if held {
        return None;
    }
    // requests falls back from REQUESTS_CA_BUNDLE to CURL_CA_BUNDLE: both must go.
    let set_bundles: Vec<&str> = [
        ("REQUESTS_CA_BUNDLE", &env.requests_ca_bundle),
        ("CURL_CA_BUNDLE", &env.curl_ca_bundle),
    ]
    .into_iter()
    .filter(|(_, v)| v.is_some())
    .map(|(n, _)| n)
    .collect();
    let vars = set_bundles.join(" ");
    Some(
        Finding::error(
            "sdk-ca-bundle",
            var,
            format!(
                "{var} replaces ca.pem: the Python SDK (through requests) trusts only {} for {}, \
                 which does not hold the Docker CA in {}, so it fails with CERTIFICATE_VERIFY_FAILED",
                bundle.display(),
                endpoint.host.value,
                ca_path.display()
            ),
        )
        .with_fix(format!(
            "unset {vars} before running Docker tools (or run them with env -u {}), or add the CA \
             to that bundle: cat {} >> {}",
            set_bundles.join(" -u "),
            ca_path.display(),
            bundle.display()
        )),
    )
}

fn io_reason(err: &std::io::Error) -> &'static str {
    match err.kind() {
        std::io::ErrorKind::NotFound => "no such socket: is dockerd running on this machine?",
        std::io::ErrorKind::PermissionDenied => {
            "permission denied: add yourself to the docker group, or use sudo"
        }
        std::io::ErrorKind::ConnectionRefused => "connection refused: dockerd is not running",
        _ => "it cannot be connected to",
    }
}

fn no_files() -> crate::docker::TlsFiles {
    crate::docker::TlsFiles {
        ca: PathBuf::new(),
        cert: PathBuf::new(),
        key: PathBuf::new(),
    }
}

/// `audit` of the directories the clients' files are in and of the CLI's context store (stale
/// copies are compared with DOCKER_CERT_PATH or ~/.docker, as audit does).
fn audit_files(
    resolved: &[(Client, Result<Endpoint, Refusal>)],
    env: &Env,
    now: OffsetDateTime,
) -> Option<crate::report::AuditReport> {
    let store = endpoint::cli_config_dir(env).map(|c| c.value.join("contexts"));
    let in_store = |dir: &Path| store.as_ref().is_some_and(|s| dir.starts_with(s));
    let mut paths: Vec<PathBuf> = Vec::new();
    for endpoint in resolved.iter().filter_map(|(_, r)| r.as_ref().ok()) {
        if endpoint.tls.value == Tls::Off {
            continue;
        }
        for file in [&endpoint.ca, &endpoint.cert, &endpoint.key]
            .into_iter()
            .flatten()
        {
            if let Some(dir) = file.value.parent()
                && dir.is_dir()
                && !in_store(dir)
                && !paths.iter().any(|p| p == dir)
            {
                paths.push(dir.to_path_buf());
            }
        }
    }
    // The whole context store: the context in use, and stale copies in any other.
    if let Some(store) = store
        && store.is_dir()
    {
        paths.push(store);
    }
    if paths.is_empty() {
        return None;
    }
    let args = AuditArgs {
        paths,
        ca: None,
        cert: None,
        key: None,
        intermediates: None,
        purpose: PurposeArg::Server,
        host: None,
        at: None,
        warn_days: 30,
        json: false,
        // Doctor answers "does Docker work?": the Docker profile, not RFC 5280's.
        strict: false,
    };
    let mut report = crate::commands::audit::run(&args, env, now).ok()?;
    // Stale context copies: name the exact refreshing command, with the context's own host.
    for finding in &mut report.findings {
        if finding.code == "context-stale"
            && let Some(fix) = &finding.fix
            && let Some(name) = fix
                .strip_prefix("docker context update ")
                .and_then(|rest| rest.split_whitespace().next())
            && let Some(host) = context_host(env, name)
        {
            finding.fix = Some(fix.replacen("host=…", &format!("host={host}"), 1));
        }
    }
    Some(report)
}

/// The host a context names in its meta.json.
fn context_host(env: &Env, name: &str) -> Option<String> {
    let config = endpoint::cli_config_dir(env)?;
    let meta = config
        .value
        .join("contexts/meta")
        .join(crate::docker::context_id(name))
        .join("meta.json");
    let value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(meta).ok()?).ok()?;
    value["Endpoints"]["docker"]["Host"]
        .as_str()
        .map(str::to_string)
}

/// Every fix, in order: refusals, failing checks, environment, files; no repeats.
fn fixes(
    env: &Env,
    views: &[ClientView],
    environment: &[Finding],
    audit: Option<&crate::report::AuditReport>,
    checks: &[VerifyReport],
) -> Vec<String> {
    fn add(out: &mut Vec<String>, fix: &str) {
        if !out.iter().any(|f| f == fix) {
            out.push(fix.to_string());
        }
    }
    let mut out: Vec<String> = Vec::new();
    for view in views {
        if let Some(refusal) = &view.refusal {
            add(&mut out, &crate::commands::verify::refusal_fix(refusal));
        }
    }
    for check in checks {
        for finding in check
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
        {
            if let Some(fix) = &finding.fix {
                add(&mut out, fix);
            }
        }
    }
    for view in views {
        if let (Some(endpoint), VerdictState::Fails) = (&view.endpoint, view.verdict.state)
            && let Some(bundle) = &endpoint.trust_override
            && let Some(finding) =
                bundle_finding(endpoint, &bundle.value, &bundle.origin.describe(), env)
            && let Some(fix) = &finding.fix
        {
            add(&mut out, fix);
        }
    }
    for finding in environment
        .iter()
        .chain(audit.iter().flat_map(|a| a.findings.iter()))
    {
        // The SDK's bundle failure already named the precise fix for that variable.
        let said = finding.code == "env-ca-bundle"
            && out
                .iter()
                .any(|f| f.starts_with("unset ") && f.contains(finding.subject.as_str()));
        if finding.severity != Severity::Info
            && !said
            && let Some(fix) = &finding.fix
        {
            add(&mut out, fix);
        }
    }
    out
}

//! `dockcert audit`: find the Docker TLS files (discover), read them (load), check them (audit),
//! and hand the findings to report. The checks run on all cores, one set of files per task.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, Result, bail};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::cli::AuditArgs;
use crate::docker::discover::{self, Target};
use crate::env::Env;
use crate::finding::{Finding, Severity};
use crate::report::{AuditReport, AuditSummary, AuditTarget};
use crate::store::home::Home;
use crate::x509::audit::{self, CertsIn, ChainIn, KeyIn, KeyState, Options, Purpose};
use crate::x509::load;

/// The version of the `--json` schema (README, "audit --json").
pub const SCHEMA_VERSION: u32 = 1;

/// Runs `audit` and returns what it found.
pub fn run(args: &AuditArgs, env: &Env, now: OffsetDateTime) -> Result<AuditReport> {
    let opts = Options {
        // X.509 times have whole seconds, so the moment is floored to a second (RFC 5280's
        // granularity): a fresh 365-day certificate shows 365 days, and --at 12:00:00.005 is
        // still inside a validity that ends at 12:00:00.
        now: {
            let at = args.at.unwrap_or(now);
            at.replace_nanosecond(0).unwrap_or(at)
        },
        warn_days: i64::from(args.warn_days),
    };
    let host = args.host.clone().or_else(|| {
        std::env::var("DOCKER_HOST")
            .ok()
            .filter(|h| h.starts_with("tcp://"))
    });
    let (targets, findings) = if let (Some(ca), Some(cert)) = (&args.ca, &args.cert) {
        let purpose = Purpose::from(args.purpose);
        let findings = explicit(args, ca, cert, purpose, host.as_deref(), &opts)?;
        let target = AuditTarget {
            kind: match purpose {
                Purpose::Server => "server certificate".to_string(),
                Purpose::Client => "client certificate".to_string(),
            },
            path: cert.clone(),
        };
        (vec![target], findings)
    } else {
        let mut targets = Vec::new();
        let mut nothing = Vec::new();
        if args.paths.is_empty() {
            let defaults = default_places(env);
            for place in &defaults {
                targets.extend(discover::discover_quietly(place));
            }
            if targets.is_empty() {
                let places: Vec<String> =
                    defaults.iter().map(|p| p.display().to_string()).collect();
                nothing.push(
                    Finding::warning(
                        "nothing-found",
                        places.join(", "),
                        "found no Docker TLS files in the default places",
                    )
                    .with_fix("pass the directories to check: dockcert audit DIR…"),
                );
            }
        } else {
            for found in par_map(&args.paths, |path| discover::discover(path)) {
                targets.extend(found?);
            }
        }
        dedup_targets(&mut targets);
        let current_client = docker_client_dir(env);
        let mut findings = nothing;
        findings.extend(check_all(
            &targets,
            host.as_deref(),
            current_client.as_deref(),
            &opts,
        ));
        let described = targets
            .iter()
            .map(|t| {
                let (kind, path) = t.describe();
                AuditTarget { kind, path }
            })
            .collect();
        (described, findings)
    };
    let mut findings = findings;
    let made_here = made_by_dockcert(env);
    audit::fit_fixes(&mut findings, |path| {
        made_here.iter().any(|dir| path.starts_with(dir))
    });
    audit::apply_profile(
        &mut findings,
        if args.strict {
            audit::Profile::Strict
        } else {
            audit::Profile::Docker
        },
    );
    let mut seen = std::collections::HashSet::new();
    findings.retain(|f| seen.insert((f.code, f.subject.clone(), f.message.clone())));
    Ok(AuditReport {
        schema: SCHEMA_VERSION,
        checked_at: opts.now.format(&Rfc3339).unwrap_or_default(),
        targets,
        summary: AuditSummary::of(&findings),
        findings,
    })
}

/// The directories dockcert wrote certificates to: its home, and every location its inventory
/// records (so a fix can say `dockcert renew` rather than "re-issue it from your CA").
fn made_by_dockcert(env: &Env) -> Vec<PathBuf> {
    let Ok(home) = Home::resolve(None, env.dockcert_home.as_deref()) else {
        return Vec::new();
    };
    let mut dirs = vec![home.root().to_path_buf()];
    if let Ok(text) = std::fs::read_to_string(home.inventory_path())
        && let Ok(inventory) =
            crate::store::inventory::Inventory::from_json(&text, &home.inventory_path())
    {
        for record in &inventory.certificates {
            dirs.extend(record.locations.iter().map(|l| l.dir.clone()));
        }
    }
    dirs
}

/// Without PATH: the docker CLI's directory, dockcert's home, and the context store.
fn default_places(env: &Env) -> Vec<PathBuf> {
    let mut places = Vec::new();
    if let Some(dir) = docker_client_dir(env) {
        places.push(dir);
    }
    if let Ok(home) = Home::resolve(None, env.dockcert_home.as_deref()) {
        places.push(home.root().to_path_buf());
    }
    if let Some(config) =
        crate::docker::docker_config_dir(env.docker_config.as_deref(), env.home_dir.as_deref())
    {
        let store = config.join("contexts");
        if !places.contains(&config) {
            places.push(store);
        }
    }
    places
}

fn docker_client_dir(env: &Env) -> Option<PathBuf> {
    crate::docker::client_cert_dir(env)
}

fn dedup_targets(targets: &mut Vec<Target>) {
    let mut seen = std::collections::HashSet::new();
    targets.retain(|t| seen.insert(t.clone()));
}

/// Checks every target on all cores; findings come back in target order.
fn check_all(
    targets: &[Target],
    host: Option<&str>,
    current_client: Option<&Path>,
    opts: &Options,
) -> Vec<Finding> {
    par_map(targets, |target| {
        check_target(target, host, current_client, opts)
    })
    .into_iter()
    .flatten()
    .collect()
}

/// `f` over `items` on all cores (one worker per core, each taking the next item); results in
/// item order.
fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(items.len().max(1));
    if workers <= 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let mut results: Vec<(usize, R)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(index) else {
                            break;
                        };
                        done.push((index, f(item)));
                    }
                    done
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    results.sort_by_key(|(index, _)| *index);
    results.into_iter().map(|(_, r)| r).collect()
}

fn mode_of(path: &Path) -> Option<u32> {
    std::fs::metadata(path).ok().map(|m| m.mode() & 0o7777)
}

fn load_certs(path: &Path) -> Result<CertsIn, Finding> {
    let file = load::read_certificates(path).map_err(|e| audit::load_error_finding(&e))?;
    Ok(CertsIn {
        path: path.to_path_buf(),
        mode: mode_of(path),
        certs: file.certs,
    })
}

fn load_key(path: &Path) -> Result<KeyIn, Finding> {
    let state = match load::read_private_key(path) {
        Ok(key) => match load::key_info(&key) {
            Ok(info) => KeyState::Loaded { spki: info.spki },
            // An RSA key below 2048 bits is weak (the certificate's weak-key finding says so),
            // not malformed: Go loads it, and the rsa crate reads it where aws-lc-rs will not.
            Err(err) => match crate::net::rsa_legacy::load_small(&key.der) {
                Some(small) => KeyState::Loaded { spki: small.spki },
                None => KeyState::Unusable(err.to_string()),
            },
        },
        Err(err) => match audit::key_state_for(&err) {
            Some(state) => state,
            None => return Err(audit::load_error_finding(&err)),
        },
    };
    Ok(KeyIn {
        path: path.to_path_buf(),
        mode: mode_of(path),
        state,
    })
}

/// Reads a chain's files and checks them; unreadable files become findings.
fn check_files(
    ca: &Path,
    cert: &Path,
    key: Option<&Path>,
    purpose: Purpose,
    host: Option<&str>,
    opts: &Options,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let ca = load_certs(ca).map_err(|f| out.push(f)).ok();
    let cert = load_certs(cert).map_err(|f| out.push(f)).ok();
    let key = key.and_then(|k| load_key(k).map_err(|f| out.push(f)).ok());
    match (ca, cert) {
        (Some(ca), Some(cert)) => {
            let input = ChainIn {
                ca,
                cert,
                intermediates: None,
                key,
                purpose,
                host: host.map(str::to_string),
            };
            out.extend(audit::audit_chain(&input, opts));
        }
        (Some(ca), None) => out.extend(audit::audit_ca(&ca, None, opts)),
        (None, Some(cert)) => out.extend(audit::audit_cert_alone(
            &cert,
            key.as_ref(),
            purpose,
            host,
            opts,
        )),
        (None, None) => {}
    }
    out
}

fn check_target(
    target: &Target,
    host: Option<&str>,
    current_client: Option<&Path>,
    opts: &Options,
) -> Vec<Finding> {
    match target {
        Target::Chain {
            ca,
            cert,
            key,
            purpose,
            ..
        } => {
            let host = if *purpose == Purpose::Server {
                host
            } else {
                None
            };
            check_files(ca, cert, Some(key), *purpose, host, opts)
        }
        Target::Ca { cert, key, .. } => {
            let mut out = Vec::new();
            let ca = load_certs(cert).map_err(|f| out.push(f)).ok();
            let key = key
                .as_deref()
                .and_then(|k| load_key(k).map_err(|f| out.push(f)).ok());
            if let Some(ca) = ca {
                out.extend(audit::audit_ca(&ca, key.as_ref(), opts));
            }
            out
        }
        Target::DaemonJson(path) => check_daemon_json(path, host, opts),
        Target::Context {
            name,
            meta: _,
            tls_dir,
        } => check_context(name, tls_dir, current_client, opts),
    }
}

fn check_daemon_json(path: &Path, host: Option<&str>, opts: &Options) -> Vec<Finding> {
    let text = match crate::bounded::read_to_string(path) {
        Ok(text) => text,
        Err(source) => {
            return vec![audit::load_error_finding(&load::LoadError::Io {
                path: path.to_path_buf(),
                source,
            })];
        }
    };
    // The systemd unit's command line matters only for the daemon.json the unit's dockerd reads.
    let command_line = if path == Path::new("/etc/docker/daemon.json") {
        systemd_exec_start()
    } else {
        None
    };
    let (mut out, tls) = audit::audit_daemon_json(path, &text, command_line.as_deref());
    if let Some(cert) = &tls.cert {
        match &tls.ca {
            Some(ca) => out.extend(check_files(
                ca,
                cert,
                tls.key.as_deref(),
                Purpose::Server,
                host,
                opts,
            )),
            None => out.extend(check_files(
                cert,
                cert,
                tls.key.as_deref(),
                Purpose::Server,
                host,
                opts,
            )),
        }
    }
    out
}

/// The ExecStart of docker.service as systemd assembles it from the unit and its drop-ins on
/// this host, if it has one (the reader `daemon-config` and `provision` share).
fn systemd_exec_start() -> Option<Vec<String>> {
    let unit = discover::exec_start_from_unit_files(&discover::local_unit_files(Path::new("/")))?;
    Some(unit.line.split_whitespace().map(str::to_string).collect())
}

fn check_context(
    name: &str,
    tls_dir: &Path,
    current_client: Option<&Path>,
    opts: &Options,
) -> Vec<Finding> {
    let ca = tls_dir.join("ca.pem");
    let cert = tls_dir.join("cert.pem");
    let key = tls_dir.join("key.pem");
    let mut out = if cert.exists() {
        check_files(&ca, &cert, Some(&key), Purpose::Client, None, opts)
    } else if ca.exists() {
        // A context that only pins the daemon's CA.
        match load_certs(&ca) {
            Ok(ca) => audit::audit_ca(&ca, None, opts),
            Err(finding) => vec![finding],
        }
    } else {
        Vec::new()
    };
    if let Some(current) = current_client {
        for (file, what) in [
            ("cert.pem", "client certificate"),
            ("ca.pem", "CA certificate"),
        ] {
            let copy = tls_dir.join(file);
            let now = current.join(file);
            if copy.exists()
                && now.exists()
                && let (Ok(copy), Ok(now)) = (load_certs(&copy), load_certs(&now))
            {
                out.extend(audit::audit_context_copy(name, &copy, &now, what));
            }
        }
    }
    out
}

/// The explicit form: the files named on the command line must exist (exit 2 otherwise);
/// what they hold is judged by findings.
fn explicit(
    args: &AuditArgs,
    ca: &Path,
    cert: &Path,
    purpose: Purpose,
    host: Option<&str>,
    opts: &Options,
) -> Result<Vec<Finding>> {
    for path in [
        Some(ca),
        Some(cert),
        args.key.as_deref(),
        args.intermediates.as_deref(),
    ]
    .into_iter()
    .flatten()
    {
        std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    }
    let mut out = Vec::new();
    let ca = load_certs(ca).map_err(|f| out.push(f)).ok();
    let cert = load_certs(cert).map_err(|f| out.push(f)).ok();
    let intermediates = match &args.intermediates {
        Some(path) => load_certs(path).map_err(|f| out.push(f)).ok(),
        None => None,
    };
    let key = match &args.key {
        Some(path) => load_key(path).map_err(|f| out.push(f)).ok(),
        None => None,
    };
    if out.iter().any(|f| f.severity == Severity::Error) && (ca.is_none() || cert.is_none()) {
        return Ok(out);
    }
    let (Some(ca), Some(cert)) = (ca, cert) else {
        bail!("internal: certificates missing without a finding");
    };
    let input = ChainIn {
        ca,
        cert,
        intermediates,
        key,
        purpose,
        host: host.map(str::to_string),
    };
    out.extend(audit::audit_chain(&input, opts));
    Ok(out)
}

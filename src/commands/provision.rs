//! `dockcert provision`: secure remote Docker hosts over ssh, end to end.
//!
//! For each host, in parallel and each on its own: connect with the system's ssh, look before
//! touching (discovery), sign its server certificate here, install the files, merge daemon.json,
//! resolve the `-H` conflict, restart dockerd the host's way, wait for the TLS port and run
//! `verify`'s check from here; on any failure every changed file is restored and dockerd restarted.
//! One host's failure never touches another. Successful hosts are recorded in the inventory and
//! `hosts.json`, and get a docker context.

use std::io::IsTerminal;
use std::net::{TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, anyhow, bail};
use time::OffsetDateTime;

use crate::cli::{ContextCreateArgs, HomeArgs, ProvisionArgs};
use crate::commands::issue::{DEFAULT_DAYS, LeafJob, sign_all};
use crate::docker::host::{
    self, Changes, Discovery, InitSystem, Provisioned, ProvisionedHosts, RemoteFile,
};
use crate::docker::{self, Layout, TcpHost, TlsFiles};
use crate::env::Env;
use crate::net::ssh::{self, Connection, Destination, SshOptions};
use crate::net::verify::{self, Loaded, Material};
use crate::pki::names::{self, San};
use crate::pki::{Issued, Role};
use crate::report::provision::{HostOutcome, HostPlan, ProvisionReport};
use crate::store;
use crate::store::home::Home;
use crate::store::inventory::{Location, Record};
use crate::x509::load;

/// The inventory's layout name for files installed on a remote host.
pub const SSH_LAYOUT: &str = "ssh";

/// One host to provision.
#[derive(Clone, Debug)]
pub struct Target {
    /// Where ssh goes.
    pub destination: Destination,
    /// Extra SANs for this host (from the --from file).
    pub sans: Vec<San>,
}

/// A host after discovery, ready to be changed.
pub struct Looked {
    /// The open connection.
    pub conn: Connection,
    /// Whether changes run under `sudo -n`.
    pub sudo: bool,
    /// What is there.
    pub found: Discovery,
    /// What will change.
    pub changes: Changes,
    /// The certificate's SANs.
    pub sans: Vec<San>,
    /// The certificate's CN.
    pub name: String,
    /// Where clients connect.
    pub endpoint: TcpHost,
}

/// A host that was changed: its certificate and what happened.
type Changed = (Issued, HostOutcome);

/// Options for one host's change, shared by `provision` and the pushes of `renew`.
pub struct Apply<'a> {
    /// The server files' directory on the host.
    pub tls_dir: &'a Path,
    /// The trust bundle (`ca.pem`).
    pub ca_pem: &'a str,
    /// The client material for the check.
    pub material: &'a Material,
    /// Seconds to wait for the TLS port.
    pub wait: Duration,
    /// Backup suffix.
    pub stamp: &'a str,
    /// The time for the check.
    pub now: OffsetDateTime,
}

/// Live progress: one line per host on a terminal, plain lines otherwise (none with --json).
pub struct Progress {
    names: Vec<String>,
    states: Mutex<Vec<String>>,
    terminal: bool,
    quiet: bool,
}

impl Progress {
    /// For `names`, on stderr.
    pub fn new(names: Vec<String>, quiet: bool) -> Progress {
        let terminal = std::io::stderr().is_terminal();
        let progress = Progress {
            states: Mutex::new(vec!["waiting".to_string(); names.len()]),
            names,
            terminal,
            quiet: quiet && !terminal,
        };
        if progress.terminal {
            let states = progress
                .states
                .lock()
                .map(|s| s.clone())
                .unwrap_or_default();
            for (name, state) in progress.names.iter().zip(&states) {
                eprintln!("{name}: {state}");
            }
        }
        progress
    }

    /// Host `index` is now doing `what`.
    pub fn set(&self, index: usize, what: &str) {
        let Ok(mut states) = self.states.lock() else {
            return;
        };
        states[index] = what.to_string();
        if self.terminal {
            let mut text = format!("\x1b[{}A", self.names.len());
            for (name, state) in self.names.iter().zip(states.iter()) {
                text.push_str(&format!("\x1b[2K{name}: {state}\n"));
            }
            eprint!("{text}");
        } else if !self.quiet {
            eprintln!("{}: {what}", self.names[index]);
        }
    }
}

/// Runs `f` on every item, at most `parallel` at once, results in the items' order.
pub fn parallel_map<T: Sync, R: Send>(
    items: &[T],
    parallel: usize,
    f: impl Fn(usize, &T) -> R + Sync,
) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..parallel.clamp(1, items.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(index) else { break };
                    let result = f(index, item);
                    if let Ok(mut all) = results.lock() {
                        all[index] = Some(result);
                    }
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .map(|r| r.expect("every item was processed"))
        .collect()
}

/// The hosts from the arguments and `--from`.
pub fn targets(args: &ProvisionArgs) -> Result<Vec<Target>> {
    let mut out = Vec::new();
    for text in &args.hosts {
        out.push(Target {
            destination: Destination::parse(text)?,
            sans: Vec::new(),
        });
    }
    if let Some(file) = &args.from {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("failed to read {}", file.display()))?;
        let lines = super::issue::host_list_lines(&text, file, Destination::parse)?;
        for (_, destination, sans) in lines {
            out.push(Target { destination, sans });
        }
    }
    if out.is_empty() {
        bail!("give at least one host ([USER@]HOST[:SSH_PORT]) or --from FILE");
    }
    for (i, target) in out.iter().enumerate() {
        if out[..i].iter().any(|t| t.destination == target.destination) {
            bail!("{} is listed twice", target.destination.display());
        }
    }
    Ok(out)
}

/// Runs `provision`.
pub fn run(args: &ProvisionArgs, env: &Env, now: OffsetDateTime) -> Result<ProvisionReport> {
    let started = Instant::now();
    let targets = targets(args)?;
    if !(1..=256).contains(&args.parallel) {
        bail!("--parallel {}: give a number from 1 to 256", args.parallel);
    }
    if args.port == 0 {
        bail!("--port 0: give the TLS port, e.g. 2376");
    }
    if args.context.is_some() && targets.len() > 1 {
        bail!(
            "--context names one host's context; with several hosts each context is named after its host"
        );
    }
    if let Some(name) = &args.context {
        docker::check_context_name(name).map_err(|err| anyhow!(err))?;
    }
    if !args.tls_dir.is_absolute() {
        bail!(
            "--tls-dir {}: give an absolute path on the host",
            args.tls_dir.display()
        );
    }
    let extra_sans = args
        .sans
        .iter()
        .map(|s| names::parse_san(s).map(|a| a.san))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|err| anyhow!("--san: {err}"))?;
    let home = Home::resolve(args.home.home.as_deref(), env.dockcert_home.as_deref())?;
    let client_dir = args
        .cert_path
        .clone()
        .or_else(|| docker::client_cert_dir(env))
        .ok_or_else(|| anyhow!("no client directory for the check: give --cert-path DIR"))?;
    let client_dir = crate::env::absolute(&client_dir)?;
    // The client files are checked before any host is touched: without them, no check can pass.
    let material = if args.dry_run {
        None
    } else {
        if !home.ca_cert().is_file() {
            bail!(
                "{} does not exist: make the CA with 'dockcert init' (or 'dockcert import-ca') first",
                home.ca_cert().display()
            );
        }
        Some(client_material(&client_dir, now)?)
    };
    let options = SshOptions {
        config_file: args
            .ssh_config
            .clone()
            .map(|f| crate::env::absolute(&f))
            .transpose()?,
        connect_timeout: 10,
    };
    let names: Vec<String> = targets.iter().map(|t| t.destination.display()).collect();
    let progress = Progress::new(names.clone(), args.json);

    // The CA is read once, before any host is touched (one passphrase prompt).
    let signer = if args.dry_run {
        None
    } else {
        let _lock = super::lock_home(&home)?;
        let ca = home.read_ca(&args.home.passphrase())?;
        let days = DEFAULT_DAYS.min((ca.not_after - now).whole_days());
        if days < 1 {
            bail!(
                "the CA expires on {}: rotate it first ('dockcert rotate-ca --begin')",
                ca.not_after.date()
            );
        }
        Some((ca, home.read_inventory()?, days))
    };
    let ca_pem = if args.dry_run {
        String::new()
    } else {
        home.trust_pem()?
    };
    let stamp = store::stamp(now);

    // Each host on its own, at most --parallel at once: look before touching, then (unless
    // --dry-run) sign its certificate here, change it, restart, check, and roll back on failure.
    // Nothing waits for the other hosts, and one host's failure never touches another.
    let results: Vec<(Result<Looked>, Option<Changed>, f64)> =
        parallel_map(&targets, args.parallel, |index, target| {
            let host_started = Instant::now();
            progress.set(index, "connecting");
            let looked = look(target, args, &options, &extra_sans);
            let (Ok(l), Some((ca, inventory, days)), Some(material)) =
                (&looked, &signer, &material)
            else {
                progress.set(
                    index,
                    if looked.is_ok() {
                        "planned"
                    } else {
                        "failed (nothing changed)"
                    },
                );
                return (looked, None, host_started.elapsed().as_secs_f64());
            };
            progress.set(index, "signing its certificate");
            let job = LeafJob {
                role: Role::Server,
                name: l.name.clone(),
                sans: l.sans.clone(),
                dir: args.tls_dir.clone(),
                key_type: args.key_type,
                days: *days,
            };
            let cert = match sign_all(ca, std::slice::from_ref(&job), now, inventory)
                .map(|mut all| all.pop())
            {
                Ok(Some(cert)) => cert,
                Ok(None) => return (Err(anyhow!("no certificate was signed")), None, 0.0),
                Err(err) => return (Err(err), None, 0.0),
            };
            let apply = Apply {
                tls_dir: &args.tls_dir,
                ca_pem: &ca_pem,
                material,
                wait: Duration::from_secs(args.wait.max(1)),
                stamp: &stamp,
                now,
            };
            let mut outcome = change_host(l, &cert, &apply, &|what| progress.set(index, what));
            outcome.host = names[index].clone();
            outcome.seconds = host_started.elapsed().as_secs_f64();
            progress.set(index, &outcome.result);
            (looked, Some((cert, outcome)), 0.0)
        });
    let mut report = ProvisionReport {
        dry_run: args.dry_run,
        plans: Vec::new(),
        hosts: Vec::new(),
        seconds: 0.0,
    };
    if args.dry_run {
        for (name, (result, _, seconds)) in names.iter().zip(&results) {
            match result {
                Ok(l) => {
                    report.plans.push(plan_of(l, &args.tls_dir));
                    report.hosts.push(HostOutcome {
                        host: name.clone(),
                        ok: true,
                        result: "planned".to_string(),
                        sans: l.sans.iter().map(ToString::to_string).collect(),
                        endpoint: Some(l.endpoint.url()),
                        ..HostOutcome::default()
                    });
                }
                Err(err) => report.hosts.push(failed_before(name, err, *seconds)),
            }
        }
        report.seconds = started.elapsed().as_secs_f64();
        return Ok(report);
    }

    // Record the hosts that serve TLS now, and give each a context.
    let mut looked_all = Vec::with_capacity(results.len());
    let mut done = Vec::with_capacity(results.len());
    let mut times = Vec::with_capacity(results.len());
    for (looked, changed, seconds) in results {
        looked_all.push(looked);
        done.push(changed);
        times.push(seconds);
    }
    let (certs, mut outcomes): (Vec<Option<Issued>>, Vec<Option<HostOutcome>>) = done
        .into_iter()
        .map(|d| match d {
            Some((cert, outcome)) => (Some(cert), Some(outcome)),
            None => (None, None),
        })
        .unzip();
    let succeeded: Vec<(usize, &Looked, &Issued)> = looked_all
        .iter()
        .zip(&certs)
        .enumerate()
        .filter(|(index, _)| outcomes[*index].as_ref().is_some_and(|o| o.ok))
        .filter_map(|(index, (looked, cert))| Some((index, looked.as_ref().ok()?, cert.as_ref()?)))
        .collect();
    if !succeeded.is_empty() {
        // The hosts serve TLS already: a failure to record them is reported with each, not as an
        // error that would hide what happened on them.
        if let Err(err) = record(&home, args, &succeeded, &mut outcomes, now) {
            for (index, _, _) in &succeeded {
                if let Some(outcome) = outcomes[*index].as_mut() {
                    outcome.notes.push(format!(
                        "it serves mutual TLS, but it was not recorded in dockcert's home ({err:#}), so \
                         renew and rotate-ca will not push to it; run provision again once that is fixed"
                    ));
                }
            }
        }
        for (index, l, _) in &succeeded {
            if let Some(outcome) = outcomes[*index].as_mut() {
                write_context(args, env, l, outcome, &client_dir, now);
            }
        }
    }
    for (index, name) in names.iter().enumerate() {
        let outcome = match outcomes[index].take() {
            Some(outcome) => outcome,
            None => match &looked_all[index] {
                Err(err) => failed_before(name, err, times[index]),
                Ok(_) => HostOutcome {
                    host: name.clone(),
                    result: "failed".to_string(),
                    error: Some("no certificate was signed for it".to_string()),
                    ..HostOutcome::default()
                },
            },
        };
        report.hosts.push(outcome);
    }
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

fn failed_before(name: &str, err: &anyhow::Error, seconds: f64) -> HostOutcome {
    HostOutcome {
        host: name.to_string(),
        seconds,
        result: "failed".to_string(),
        error: Some(format!("{err:#}; nothing was changed on it")),
        ..HostOutcome::default()
    }
}

/// The client files, loaded and pre-flighted as `verify` does.
pub fn client_material(dir: &Path, now: OffsetDateTime) -> Result<Material> {
    let files = Layout::Client.files_in(dir);
    let read = |path: &Path| -> Result<()> {
        std::fs::metadata(path).map(|_| ()).with_context(|| {
            format!(
                "cannot read {}: provision checks each host with a client's files (ca.pem, cert.pem, \
                 key.pem); give --cert-path DIR or make them with 'dockcert init'",
                path.display()
            )
        })
    };
    read(&files.ca)?;
    read(&files.cert)?;
    read(&files.key)?;
    let loaded = Loaded {
        ca: load::read_certificates(&files.ca),
        cert: load::read_certificates(&files.cert),
        key: load::read_private_key(&files.key),
        files: files.clone(),
    };
    let (findings, material) = verify::preflight(loaded, now);
    match material {
        Some(material) if !verify::failed(&findings) => Ok(material),
        _ => {
            let first = findings
                .iter()
                .find(|f| f.severity == crate::finding::Severity::Error)
                .map(|f| f.message.clone())
                .unwrap_or_else(|| "they do not make a usable client".to_string());
            bail!(
                "the client files in {} cannot check the hosts: {first}; run 'dockcert verify' on them \
                 or give --cert-path DIR",
                dir.display()
            )
        }
    }
}

/// Connects and looks: who we are, sudo, discovery, and the planned changes. Nothing changes.
fn look(
    target: &Target,
    args: &ProvisionArgs,
    options: &SshOptions,
    extra_sans: &[San],
) -> Result<Looked> {
    let conn = Connection::open(&target.destination, options)?;
    let sudo_choice = if args.no_sudo {
        Some(false)
    } else if args.sudo {
        Some(true)
    } else {
        None
    };
    let (found, sudo) = look_around(&conn, sudo_choice)?;
    let changes = host::plan_changes(&found, &args.tls_dir, args.port)?;
    if let Some((_, port, process)) = found
        .listeners
        .iter()
        .find(|(_, port, process)| *port == args.port && process != "dockerd")
    {
        bail!(
            "port {port} on the host is taken by {}; give another --port",
            if process.is_empty() {
                "another program"
            } else {
                process
            }
        );
    }
    // The names: what we reach it by, what ssh resolves, what it calls itself, its addresses.
    let mut user_sans: Vec<San> = extra_sans.to_vec();
    user_sans.extend(target.sans.iter().cloned());
    let mut candidates = vec![
        target.destination.host.clone(),
        conn.resolved.hostname.clone(),
    ];
    candidates.extend(found.fqdn.clone());
    candidates.extend(found.addresses.iter().map(ToString::to_string));
    for candidate in candidates {
        if let Ok(arg) = names::parse_san(&candidate) {
            user_sans.push(arg.san);
        }
    }
    let sans = names::with_defaults(&user_sans);
    let endpoint = docker::parse_tcp_host(&format!(
        "{}:{}",
        bracket(&conn.resolved.hostname),
        args.port
    ))
    .map_err(|err| anyhow!(err))?;
    Ok(Looked {
        name: target.destination.host.clone(),
        conn,
        sudo,
        found,
        changes,
        sans,
        endpoint,
    })
}

/// Who we are, whether sudo is used, and what is there: one round trip ([`host::look_script`]).
fn look_around(conn: &Connection, sudo: Option<bool>) -> Result<(Discovery, bool)> {
    // Under sh whatever the login shell is.
    let out = conn.run(&ssh::as_root(&host::look_script(sudo), false), b"")?;
    let text = String::from_utf8_lossy(&out.stdout);
    let (user, sudo) = host::parse_login(&text).map_err(|refused| match refused {
        host::Refused::NoSudo { user } => anyhow!(
            "{user} is not root on the host and --no-sudo was given: connect as root or allow sudo"
        ),
        host::Refused::Sudo { user, said } => anyhow!(
            "{user} is not root on the host and cannot use sudo without a password (sudo -n said: \
             {}); give it passwordless sudo (e.g. '{user} ALL=(root) NOPASSWD: ALL' in \
             /etc/sudoers.d/dockcert) or connect as root",
            if said.is_empty() { "nothing" } else { &said }
        ),
    })?;
    if !text.contains("@@dockcert:end") {
        bail!(
            "the look around the host as {user} failed: {}",
            stderr_of(&out)
        );
    }
    let found = host::parse_discovery(&text)?;
    if found.uid != Some(0) {
        bail!("the commands did not run as root on the host");
    }
    Ok((found, sudo))
}

fn bracket(host: &str) -> String {
    if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_string()
    }
}

fn plan_of(l: &Looked, tls_dir: &Path) -> HostPlan {
    let files = host::tls_files(tls_dir);
    HostPlan {
        host: l.conn.destination().display(),
        found: format!(
            "{}, {}, {}",
            l.found.os,
            match l.found.init {
                Some(InitSystem::Systemd) => "systemd",
                _ => "init script",
            },
            l.found.dockerd_version.as_deref().unwrap_or("no dockerd")
        ),
        sudo: l.sudo,
        validation: if l.found.can_validate {
            "dockerd --validate checks the new daemon.json before the restart".to_string()
        } else {
            "this dockerd has no --validate (Docker 23 and later have it): dockcert checked that \
             daemon.json is a JSON object, that no -H is left on dockerd's command line and that \
             the TLS port is free; the restart and the check prove the rest, with rollback"
                .to_string()
        },
        containers: if l.changes.daemon_json.contains("\"live-restore\": true") {
            "live-restore is on: running containers keep running through the restart".to_string()
        } else {
            "the restart stops running containers (those with a restart policy start again); \
             \"live-restore\": true in daemon.json would keep them running"
                .to_string()
        },
        sans: l.sans.iter().map(ToString::to_string).collect(),
        tls_files: tls_remote_files(&files, "", None),
        changes: l.changes.clone(),
        endpoint: l.endpoint.url(),
    }
}

/// The three server files; contents empty in a plan.
fn tls_remote_files(files: &TlsFiles, ca_pem: &str, cert: Option<&Issued>) -> Vec<RemoteFile> {
    let bytes = |text: &str| zeroize::Zeroizing::new(text.as_bytes().to_vec());
    vec![
        RemoteFile {
            path: files.ca.clone(),
            mode: 0o444,
            what: "CA certificate(s) client certificates are checked against".to_string(),
            existed: false,
            contents: bytes(ca_pem),
        },
        RemoteFile {
            path: files.cert.clone(),
            mode: 0o444,
            what: "server certificate".to_string(),
            existed: false,
            contents: bytes(cert.map(|c| c.cert_pem.as_str()).unwrap_or_default()),
        },
        RemoteFile {
            path: files.key.clone(),
            mode: 0o400,
            what: "server key (sent over ssh's stdin only)".to_string(),
            existed: false,
            contents: bytes(cert.map(|c| c.key_pem.as_str()).unwrap_or_default()),
        },
    ]
}

/// Installs the files, restarts, waits and checks; rolls back on any failure.
fn change_host(l: &Looked, cert: &Issued, apply: &Apply, progress: &dyn Fn(&str)) -> HostOutcome {
    let mut outcome = HostOutcome {
        sans: l.sans.iter().map(ToString::to_string).collect(),
        endpoint: Some(l.endpoint.url()),
        serial: Some(cert.spec.serial.hex()),
        notes: l.changes.notes.clone(),
        ..HostOutcome::default()
    };
    let mut files = tls_remote_files(&host::tls_files(apply.tls_dir), apply.ca_pem, Some(cert));
    files.extend(l.changes.files.iter().cloned());
    let validate = l
        .found
        .can_validate
        .then_some(l.changes.daemon_json.as_str());
    push_files(
        &l.conn,
        l.sudo,
        l.found.init,
        &files,
        validate,
        &l.endpoint,
        apply,
        progress,
        &mut outcome,
    );
    outcome
}

/// The safe change, shared with `renew`'s push: install `files` (backups kept), validate, restart
/// the host's way, wait for the TLS port, check it; on failure restore and restart again.
#[allow(clippy::too_many_arguments)]
pub fn push_files(
    conn: &Connection,
    sudo: bool,
    init: Option<InitSystem>,
    files: &[RemoteFile],
    validate: Option<&str>,
    endpoint: &TcpHost,
    apply: &Apply,
    progress: &dyn Fn(&str),
    outcome: &mut HostOutcome,
) {
    let init = init.unwrap_or(InitSystem::Sysv);
    let restart = restart_command(sudo, init);
    let mut installed: Vec<(PathBuf, bool)> = Vec::new();
    let fail =
        |outcome: &mut HostOutcome, installed: &[(PathBuf, bool)], restarted: bool, why: String| {
            outcome.ok = false;
            if restarted {
                outcome.dockerd_log = dockerd_log(conn, sudo, init);
            }
            progress("rolling back");
            match rollback(
                conn,
                sudo,
                init,
                installed,
                restarted,
                &restart,
                apply.stamp,
            ) {
                Ok(()) => {
                    outcome.result = "rolled back".to_string();
                    outcome.error = Some(format!(
                        "{why}; every changed file was restored{}",
                        if restarted {
                            " and dockerd runs again with its previous configuration"
                        } else {
                            ""
                        }
                    ));
                }
                Err(err) => {
                    outcome.result = "failed".to_string();
                    outcome.error = Some(format!("{why}; and the rollback failed too: {err:#}"));
                }
            }
        };
    if let Some(text) = validate {
        progress("validating daemon.json");
        if let Err(err) = run_checked(
            conn,
            &ssh::as_root(host::VALIDATE_SCRIPT, sudo),
            text.as_bytes(),
            "dockerd --validate rejects the new daemon.json",
        ) {
            return fail(outcome, &installed, false, format!("{err:#}"));
        }
    }
    progress("installing files");
    // One round trip: the contents follow each other on stdin, never on a command line.
    let mut input = zeroize::Zeroizing::new(Vec::new());
    for file in files {
        input.extend_from_slice(&file.contents);
    }
    let script = ssh::as_root(&host::install_all_script(files, apply.stamp), sudo);
    match conn.run(&script, &input) {
        Ok(out) => {
            installed = host::parse_installed(&String::from_utf8_lossy(&out.stdout));
            if !out.status.success() {
                let said = stderr_of(&out);
                return fail(
                    outcome,
                    &installed,
                    false,
                    format!("could not write the files on the host: {said}"),
                );
            }
        }
        Err(err) => return fail(outcome, &installed, false, format!("{err:#}")),
    }
    progress("restarting dockerd");
    let restart_started = Instant::now();
    if let Err(err) = run_checked(conn, &restart, b"", "the restart failed") {
        return fail(outcome, &installed, true, format!("{err:#}"));
    }
    progress("waiting for the TLS port");
    if let Err(why) = wait_for_tls(conn, sudo, init, endpoint, apply.wait) {
        return fail(outcome, &installed, true, why);
    }
    outcome.restart_seconds = restart_started.elapsed().as_secs_f64();
    progress("checking mutual TLS");
    let live = verify::check_daemon(endpoint, apply.material, Duration::from_secs(15), apply.now);
    outcome.tls_version = live.session.as_ref().map(|s| s.version.clone());
    outcome.engine_version = live.engine.as_ref().map(|e| e.version.clone());
    if verify::failed(&live.findings) {
        let why = live
            .findings
            .iter()
            .find(|f| f.severity == crate::finding::Severity::Error)
            .map(|f| f.message.clone())
            .unwrap_or_else(|| "the check failed".to_string());
        return fail(
            outcome,
            &installed,
            true,
            format!(
                "dockerd restarted, but the check of {} failed: {why}",
                endpoint.url()
            ),
        );
    }
    outcome.ok = true;
    outcome.result = "provisioned".to_string();
}

fn restart_command(sudo: bool, init: InitSystem) -> String {
    let command = match init {
        InitSystem::Systemd => "systemctl daemon-reload && systemctl restart docker.service",
        InitSystem::Sysv => {
            "if command -v service >/dev/null 2>&1; then service docker restart; else /etc/init.d/docker restart; fi"
        }
    };
    ssh::as_root(command, sudo)
}

/// Polls the TLS port; fails early when dockerd is no longer running.
fn wait_for_tls(
    conn: &Connection,
    sudo: bool,
    init: InitSystem,
    endpoint: &TcpHost,
    wait: Duration,
) -> std::result::Result<(), String> {
    let deadline = Instant::now() + wait;
    let mut next_status = Instant::now() + Duration::from_millis(700);
    let addresses: Vec<std::net::SocketAddr> = (endpoint.host.as_str(), endpoint.port)
        .to_socket_addrs()
        .map(|a| a.collect())
        .unwrap_or_default();
    if addresses.is_empty() {
        return Err(format!(
            "{} does not resolve to an address here",
            endpoint.host
        ));
    }
    loop {
        if addresses
            .iter()
            .any(|a| TcpStream::connect_timeout(a, Duration::from_millis(300)).is_ok())
        {
            return Ok(());
        }
        if Instant::now() >= next_status {
            next_status = Instant::now() + Duration::from_secs(1);
            if let Ok(out) = conn.run(&ssh::as_root(host::status_command(init), sudo), b"")
                && !out.status.success()
            {
                return Err("dockerd did not start with the new configuration".to_string());
            }
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "dockerd did not listen on {} within {} s",
                endpoint.authority(),
                wait.as_secs()
            ));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn dockerd_log(conn: &Connection, sudo: bool, init: InitSystem) -> Vec<String> {
    conn.run(&ssh::as_root(host::log_command(init), sudo), b"")
        .map(|out| {
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Restores the files, restarts if dockerd was restarted, and waits until it runs again.
fn rollback(
    conn: &Connection,
    sudo: bool,
    init: InitSystem,
    installed: &[(PathBuf, bool)],
    restarted: bool,
    restart: &str,
    stamp: &str,
) -> Result<()> {
    if !installed.is_empty() {
        run_checked(
            conn,
            &ssh::as_root(&host::restore_script(installed, stamp), sudo),
            b"",
            "restoring the files failed",
        )?;
    }
    if !restarted {
        return Ok(());
    }
    run_checked(
        conn,
        restart,
        b"",
        "dockerd did not restart with the previous configuration",
    )?;
    // The init script returns before dockerd is up: it must still run a moment later.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        std::thread::sleep(Duration::from_millis(500));
        let running = conn
            .run(&ssh::as_root(host::status_command(init), sudo), b"")
            .map(|o| o.status.success())
            .unwrap_or(false);
        if running {
            // And still a second later (a dockerd that fails reads its configuration first).
            std::thread::sleep(Duration::from_millis(1000));
            let still = conn
                .run(&ssh::as_root(host::status_command(init), sudo), b"")
                .map(|o| o.status.success())
                .unwrap_or(false);
            if still {
                return Ok(());
            }
        }
        if Instant::now() >= deadline {
            bail!("dockerd did not run again within 30 s with its previous configuration");
        }
    }
}

/// Records the server certificates and the hosts under the home's lock, in one store plan.
fn record(
    home: &Home,
    args: &ProvisionArgs,
    succeeded: &[(usize, &Looked, &Issued)],
    by_index: &mut [Option<HostOutcome>],
    now: OffsetDateTime,
) -> Result<()> {
    let _lock = super::lock_home(home)?;
    let mut inventory = home.read_inventory()?;
    let hosts_path = hosts_path(home);
    let mut hosts = ProvisionedHosts::read(&hosts_path)?;
    for (index, l, cert) in succeeded {
        let destination = l.conn.destination().display();
        let dir = PathBuf::from(format!("ssh://{destination}{}", args.tls_dir.display()));
        // The certificate it had before is replaced.
        let old: Vec<String> = inventory
            .current()
            .filter(|r| {
                r.locations
                    .iter()
                    .any(|loc| loc.layout == SSH_LAYOUT && loc.dir == dir)
            })
            .map(|r| r.serial.clone())
            .collect();
        for serial in old {
            inventory.replace(&serial, &cert.spec.serial.hex());
        }
        inventory.add(Record::new(
            cert,
            vec![Location {
                layout: SSH_LAYOUT.to_string(),
                dir,
            }],
        ));
        let context = by_index[*index].as_ref().map(|_| context_name(args, l));
        hosts.upsert(Provisioned {
            destination,
            address: l.endpoint.host.clone(),
            port: l.endpoint.port,
            tls_dir: args.tls_dir.clone(),
            context,
            ssh_config: args
                .ssh_config
                .clone()
                .map(|f| crate::env::absolute(&f))
                .transpose()?,
            serial: cert.spec.serial.hex(),
        });
    }
    let mut plan = home.plan();
    plan.add_state(home.inventory_path(), inventory.to_json(), 0o600);
    plan.add_state(hosts_path, hosts.to_json(), 0o600);
    store::apply(&plan, true, now)?;
    Ok(())
}

/// `hosts.json` in the home.
pub fn hosts_path(home: &Home) -> PathBuf {
    home.root().join("hosts.json")
}

fn context_name(args: &ProvisionArgs, l: &Looked) -> String {
    args.context.clone().unwrap_or_else(|| {
        l.name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "_.+-".contains(c) {
                    c
                } else {
                    '-'
                }
            })
            .collect()
    })
}

/// A context per host, with `context create`'s code; an existing context for another endpoint is
/// left alone (a note says so).
fn write_context(
    args: &ProvisionArgs,
    env: &Env,
    l: &Looked,
    outcome: &mut HostOutcome,
    client_dir: &Path,
    now: OffsetDateTime,
) {
    let name = context_name(args, l);
    let url = l.endpoint.url();
    let existing = docker::docker_config_dir(env.docker_config.as_deref(), env.home_dir.as_deref())
        .map(|dir| {
            dir.join("contexts/meta")
                .join(docker::context_id(&name))
                .join("meta.json")
        })
        .and_then(|meta| std::fs::read_to_string(meta).ok());
    let force = match existing
        .as_deref()
        .map(crate::docker::discover::context_host)
    {
        None => false,
        Some(Some(host)) if host == url => true,
        Some(_) => {
            outcome.notes.push(format!(
                "a docker context named '{name}' already exists for another endpoint; it was left as it is \
                 (make one with 'dockcert context create NAME --host {url}')"
            ));
            return;
        }
    };
    let create = ContextCreateArgs {
        name: name.clone(),
        host: url.clone(),
        cert_path: Some(client_dir.to_path_buf()),
        description: Some(format!(
            "provisioned by dockcert: {}",
            l.conn.destination().display()
        )),
        use_it: false,
        force,
        json: false,
        home: HomeArgs {
            home: args.home.home.clone(),
            passphrase_file: None,
        },
    };
    match crate::commands::context::create(&create, env, now) {
        Ok(_) => outcome.context = Some(name),
        Err(err) => outcome.notes.push(format!(
            "the docker context '{name}' was not written: {err:#}"
        )),
    }
}

/// `renew`'s push: the new server certificates go to the hosts `provision` set up (those whose
/// recorded serial was renewed), each installed, restarted and checked the same safe way, with
/// rollback. `hosts.json` then records the new serials of the hosts that took them.
pub fn push_renewed(
    home: &Home,
    issued: &[(String, Issued)],
    env: &Env,
    now: OffsetDateTime,
) -> Result<Vec<HostOutcome>> {
    let known = ProvisionedHosts::read(&hosts_path(home))?;
    let work: Vec<Push> = known
        .hosts
        .iter()
        .filter_map(|h| {
            let (_, cert) = issued.iter().find(|(old, _)| *old == h.serial)?;
            // Only the certificate and its key change; ca.pem and the configuration stay.
            let files = tls_remote_files(&host::tls_files(&h.tls_dir), "", Some(cert))
                .into_iter()
                .skip(1)
                .collect();
            Some(Push {
                host: h.clone(),
                files,
                serial: Some(cert.spec.serial.hex()),
                sans: cert.spec.sans.iter().map(ToString::to_string).collect(),
            })
        })
        .collect();
    push_all(home, known, work, env, now)
}

/// `rotate-ca`'s push of the trust bundle (`ca.pem`: old and new CA during a rotation, the new
/// one alone after it) to every provisioned host.
pub fn push_ca(home: &Home, env: &Env, now: OffsetDateTime) -> Result<Vec<HostOutcome>> {
    let known = ProvisionedHosts::read(&hosts_path(home))?;
    let ca_pem = home.trust_pem()?;
    let work: Vec<Push> = known
        .hosts
        .iter()
        .map(|h| Push {
            host: h.clone(),
            files: tls_remote_files(&host::tls_files(&h.tls_dir), &ca_pem, None)
                .into_iter()
                .take(1)
                .collect(),
            serial: None,
            sans: Vec::new(),
        })
        .collect();
    push_all(home, known, work, env, now)
}

/// Files for one provisioned host.
struct Push {
    host: Provisioned,
    files: Vec<RemoteFile>,
    /// The new certificate's serial, when the certificate changes.
    serial: Option<String>,
    sans: Vec<String>,
}

fn push_all(
    home: &Home,
    known: ProvisionedHosts,
    work: Vec<Push>,
    env: &Env,
    now: OffsetDateTime,
) -> Result<Vec<HostOutcome>> {
    if work.is_empty() {
        return Ok(Vec::new());
    }
    // Without usable client files no push can be checked: every host keeps its files, and says so
    // (what was renewed here stays renewed).
    let material = docker::client_cert_dir(env)
        .ok_or_else(|| anyhow!("no client directory for the check: set DOCKER_CERT_PATH"))
        .and_then(|dir| client_material(&dir, now));
    let material = match material {
        Ok(material) => material,
        Err(err) => {
            return Ok(work
                .iter()
                .map(|push| HostOutcome {
                    host: push.host.destination.clone(),
                    result: "not pushed".to_string(),
                    error: Some(format!(
                        "{err:#}; the host keeps its previous files: push them later with \
                         'dockcert provision {}'",
                        push.host.destination
                    )),
                    ..HostOutcome::default()
                })
                .collect());
        }
    };
    let stamp = store::stamp(now);
    let outcomes = parallel_map(&work, 8, |_, push| {
        let started = Instant::now();
        let apply = Apply {
            tls_dir: &push.host.tls_dir,
            ca_pem: "",
            material: &material,
            wait: Duration::from_secs(60),
            stamp: &stamp,
            now,
        };
        let mut outcome = push_one(push, &apply);
        outcome.host = push.host.destination.clone();
        outcome.seconds = started.elapsed().as_secs_f64();
        outcome
    });
    let mut updated = known.clone();
    for (push, outcome) in work.iter().zip(&outcomes) {
        if outcome.ok
            && let Some(serial) = &push.serial
            && let Some(entry) = updated
                .hosts
                .iter_mut()
                .find(|h| h.destination == push.host.destination)
        {
            entry.serial = serial.clone();
        }
    }
    if updated != known {
        let _lock = super::lock_home(home)?;
        let mut plan = home.plan();
        plan.add_state(hosts_path(home), updated.to_json(), 0o600);
        store::apply(&plan, true, now)?;
    }
    Ok(outcomes)
}

fn push_one(push: &Push, apply: &Apply) -> HostOutcome {
    let host = &push.host;
    let mut outcome = HostOutcome {
        serial: push.serial.clone(),
        sans: push.sans.clone(),
        ..HostOutcome::default()
    };
    let looked = (|| -> Result<(Connection, bool, Discovery, TcpHost)> {
        let destination = Destination::parse(&host.destination)?;
        let options = SshOptions {
            config_file: host.ssh_config.clone(),
            connect_timeout: 10,
        };
        let conn = Connection::open(&destination, &options)?;
        let (found, sudo) = look_around(&conn, None)?;
        let endpoint = docker::parse_tcp_host(&format!("{}:{}", bracket(&host.address), host.port))
            .map_err(|err| anyhow!(err))?;
        Ok((conn, sudo, found, endpoint))
    })();
    let (conn, sudo, found, endpoint) = match looked {
        Ok(looked) => looked,
        Err(err) => {
            outcome.result = "not pushed".to_string();
            outcome.error = Some(format!(
                "{err:#}; the host keeps its previous files: push them later with 'dockcert provision {}'",
                host.destination
            ));
            return outcome;
        }
    };
    outcome.endpoint = Some(endpoint.url());
    push_files(
        &conn,
        sudo,
        found.init,
        &push.files,
        None,
        &endpoint,
        apply,
        &|_| {},
        &mut outcome,
    );
    if outcome.ok {
        outcome.result = "pushed".to_string();
    }
    outcome
}

/// Runs `command` on the host: an exit status other than 0 is an error that says `what` failed,
/// followed by the host's own words on stderr.
fn run_checked(
    conn: &Connection,
    command: &str,
    input: &[u8],
    what: &str,
) -> Result<std::process::Output> {
    let out = conn.run(command, input)?;
    if !out.status.success() {
        bail!("{what}: {}", stderr_of(&out));
    }
    Ok(out)
}

/// What a remote command said on stderr, trimmed.
fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parallel_map_keeps_order_and_limits() {
        let items: Vec<u32> = (0..20).collect();
        let running = AtomicUsize::new(0);
        let peak = AtomicUsize::new(0);
        let out = parallel_map(&items, 3, |i, x| {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(5));
            running.fetch_sub(1, Ordering::SeqCst);
            (i as u32) * 100 + x
        });
        assert_eq!(out, (0..20).map(|x| x * 101).collect::<Vec<_>>());
        assert!(peak.load(Ordering::SeqCst) <= 3);
    }

    #[test]
    fn stamps_sort_and_name_utc() {
        let now = time::macros::datetime!(2026-03-04 05:06:07 UTC);
        assert_eq!(store::stamp(now), "20260304T050607Z");
    }
}

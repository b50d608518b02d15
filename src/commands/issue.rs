//! `dockcert issue client|server`: more certificates from the CA in dockcert's home, recorded in
//! its inventory.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use time::OffsetDateTime;

use crate::cli::{IssueClientArgs, IssueCommon, IssueServerArgs};
use crate::docker::Layout;
use crate::env::Env;
use crate::pki::names::{self, San};
use crate::pki::{Ca, CertSpec, Issued, KeyType, MAX_DAYS, Role, Serial, Validity};
use crate::report::{CertEntry, FileEntry, IssueReport};
use crate::store::home::Home;
use crate::store::inventory::{Inventory, Location, Record};
use crate::store::{self, CERT_MODE, KEY_MODE};

/// Validity of an issued certificate when --days is not given.
pub const DEFAULT_DAYS: i64 = 365;

/// One leaf certificate to issue into one directory.
#[derive(Clone, Debug)]
pub struct LeafJob {
    /// Server or client.
    pub role: Role,
    /// Subject CN.
    pub name: String,
    /// SANs (servers).
    pub sans: Vec<San>,
    /// Where its files go.
    pub dir: PathBuf,
    /// Its key type.
    pub key_type: KeyType,
    /// Its validity in days.
    pub days: i64,
}

impl LeafJob {
    /// The layout of its directory.
    pub fn layout(&self) -> Layout {
        match self.role {
            Role::Server => Layout::Daemon,
            _ => Layout::Client,
        }
    }
}

/// Runs `issue client`.
pub fn client(args: &IssueClientArgs, env: &Env, now: OffsetDateTime) -> Result<IssueReport> {
    let name = checked_name(&args.name)?;
    let home = home(&args.common, env)?;
    let dir = crate::env::absolute(&args.out.clone().unwrap_or_else(|| home.client_dir(&name)))?;
    let job = LeafJob {
        role: Role::Client,
        name,
        sans: Vec::new(),
        dir,
        key_type: args.common.key_type,
        days: DEFAULT_DAYS,
    };
    issue(&home, vec![job], &args.common, Vec::new(), now)
}

/// Runs `issue server` (one host, or every host of `--from`).
pub fn server(args: &IssueServerArgs, env: &Env, now: OffsetDateTime) -> Result<IssueReport> {
    let home = home(&args.common, env)?;
    let mut notes = Vec::new();
    let jobs = match (&args.from, &args.name) {
        (Some(file), _) => {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("failed to read {}", file.display()))?;
            let hosts = parse_host_list(&text, file)?;
            hosts
                .into_iter()
                .map(|(host, sans)| server_job(&home, &host, &sans, None, &args.common))
                .collect::<Result<Vec<_>>>()?
        }
        (None, Some(name)) => {
            let (names, added) = names::expand(&args.sans, crate::docker::localnames::local_names);
            if !added.is_empty() {
                let added: Vec<String> = added.iter().map(ToString::to_string).collect();
                notes.push(format!("--san auto added {}", added.join(", ")));
            }
            let sans: Vec<San> = names.into_iter().map(|arg| arg.san).collect();
            vec![server_job(
                &home,
                name,
                &sans,
                args.out.as_deref(),
                &args.common,
            )?]
        }
        (None, None) => bail!("give --name HOST or --from FILE"),
    };
    issue(&home, jobs, &args.common, notes, now)
}

fn home(common: &IssueCommon, env: &Env) -> Result<Home> {
    Home::resolve(common.home.home.as_deref(), env.dockcert_home.as_deref())
}

fn server_job(
    home: &Home,
    host: &str,
    extra: &[San],
    out: Option<&Path>,
    common: &IssueCommon,
) -> Result<LeafJob> {
    let first = names::parse_san(host)
        .map_err(|err| anyhow!("--name {host}: {err}"))?
        .san;
    if matches!(&first, San::Dns(name) if name.starts_with("*.")) {
        bail!("--name {host}: a server's name cannot be a wildcard; give it as --san instead");
    }
    let mut user = vec![first.clone()];
    user.extend(extra.iter().cloned());
    let sans = names::with_defaults(&user);
    let name = match &first {
        San::Dns(name) => name.clone(),
        San::Ip(ip) => ip.to_string(),
    };
    let dir = match out {
        Some(dir) => dir.to_path_buf(),
        None => home.server_dir(&name),
    };
    Ok(LeafJob {
        role: Role::Server,
        name,
        sans,
        dir: crate::env::absolute(&dir)?,
        key_type: common.key_type,
        days: DEFAULT_DAYS,
    })
}

/// The lines of a host list, `FIRST [SAN...]` each (SANs may also be comma-separated; `#` starts
/// a comment; blank lines are skipped): the line number (from 1), `first` applied to the first
/// word, and the SANs. Errors name `origin` and the line. Shared by `issue server --from` and
/// `provision --from`.
pub fn host_list_lines<T>(
    text: &str,
    origin: &Path,
    first: impl Fn(&str) -> Result<T>,
) -> Result<Vec<(usize, T, Vec<San>)>> {
    let mut lines = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let line = line.split('#').next().unwrap_or_default().trim();
        let mut words = line
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|w| !w.is_empty());
        let Some(word) = words.next() else { continue };
        let at = |err: String| anyhow!("{} line {number}: {err}", origin.display());
        let head = first(word).map_err(|e| at(format!("{e:#}")))?;
        let sans = words
            .map(|word| names::parse_san(word).map(|arg| arg.san))
            .collect::<Result<Vec<_>, _>>()
            .map_err(at)?;
        lines.push((number, head, sans));
    }
    Ok(lines)
}

/// `NAME [SAN...]` per line; SANs may also be comma-separated; `#` starts a comment.
pub fn parse_host_list(text: &str, origin: &Path) -> Result<Vec<(String, Vec<San>)>> {
    let mut hosts: Vec<(String, Vec<San>)> = Vec::new();
    for (number, host, sans) in host_list_lines(text, origin, |word| Ok(word.to_string()))? {
        if hosts.iter().any(|(known, _)| *known == host) {
            bail!(
                "{} line {number}: '{host}' is listed twice",
                origin.display()
            );
        }
        hosts.push((host, sans));
    }
    if hosts.is_empty() {
        bail!(
            "{} lists no hosts (one per line: NAME [SAN...])",
            origin.display()
        );
    }
    Ok(hosts)
}

/// A client name: a certificate CN and a directory name at once.
pub fn checked_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() || name == "." || name == ".." || name.starts_with('-') {
        bail!("--name '{name}': give a plain name such as alice or ci-runner-3");
    }
    if let Some(bad) = name.chars().find(|c| *c == '/' || c.is_control()) {
        bail!("--name {name:?}: {bad:?} cannot be part of a name (it names a directory too)");
    }
    if name.chars().count() > 64 {
        bail!("--name '{name}' is longer than 64 characters, the X.509 limit for a common name");
    }
    Ok(name.to_string())
}

/// A serial that this home never issued, nor this run.
pub fn fresh_serial(inventory: &Inventory, taken: &[Serial]) -> Result<Serial> {
    loop {
        let serial = Serial::random()?;
        if !inventory.has_serial(&serial.hex()) && !taken.contains(&serial) {
            return Ok(serial);
        }
    }
}

/// Generates keys and signs one certificate per job, on every core.
pub fn sign_all(
    ca: &Ca,
    jobs: &[LeafJob],
    now: OffsetDateTime,
    inventory: &Inventory,
) -> Result<Vec<Issued>> {
    let mut serials = Vec::with_capacity(jobs.len());
    for _ in jobs {
        let serial = fresh_serial(inventory, &serials)?;
        serials.push(serial);
    }
    let work: Vec<(&LeafJob, Serial)> = jobs.iter().zip(serials).collect();
    let workers = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(work.len())
        .max(1);
    let chunk = work.len().div_ceil(workers);
    std::thread::scope(|scope| {
        let handles: Vec<_> = work
            .chunks(chunk.max(1))
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|(job, serial)| {
                            let key = job.key_type.generate()?;
                            let spec = CertSpec {
                                role: job.role,
                                common_name: job.name.clone(),
                                sans: job.sans.clone(),
                                validity: Validity::days_from(now, job.days),
                                serial: *serial,
                            };
                            ca.sign(spec, &key, job.key_type)
                        })
                        .collect::<Result<Vec<_>>>()
                })
            })
            .collect();
        let mut all = Vec::with_capacity(jobs.len());
        for handle in handles {
            all.extend(
                handle
                    .join()
                    .map_err(|_| anyhow!("a signing thread panicked"))??,
            );
        }
        Ok(all)
    })
}

fn issue(
    home: &Home,
    mut jobs: Vec<LeafJob>,
    common: &IssueCommon,
    mut notes: Vec<String>,
    now: OffsetDateTime,
) -> Result<IssueReport> {
    if let Some(days) = common.days
        && !(1..=MAX_DAYS).contains(&days)
    {
        bail!("--days {days}: give a number of days from 1 to {MAX_DAYS}");
    }
    let _lock = super::lock_home(home)?;
    let ca = home.read_ca(&common.home.passphrase())?;
    // An explicit --days that outlives the CA is refused (by Ca::sign); the default is shortened.
    let ca_days_left = (ca.not_after - now).whole_days();
    let days = common.days.unwrap_or(DEFAULT_DAYS.min(ca_days_left));
    if days < 1 {
        bail!(
            "the CA expires on {}: rotate it first ('dockcert rotate-ca --begin')",
            ca.not_after.date()
        );
    }
    if common.days.is_none() && days < DEFAULT_DAYS {
        notes.push(format!(
            "valid for {days} days instead of {DEFAULT_DAYS}: the CA expires on {}",
            ca.not_after.date()
        ));
    }
    for job in &mut jobs {
        job.days = days;
    }
    let ca_pem = home.trust_pem()?;
    let mut inventory = home.read_inventory()?;
    let targets: Vec<PathBuf> = jobs
        .iter()
        .flat_map(|job| {
            let files = job.layout().files_in(&job.dir);
            [files.ca, files.cert, files.key]
        })
        .collect();
    store::check_targets(&targets, common.force)?;

    let issued = sign_all(&ca, &jobs, now, &inventory)?;
    let mut plan = home.plan();
    for (job, cert) in jobs.iter().zip(&issued) {
        let files = job.layout().files_in(&job.dir);
        plan.add(files.ca, ca_pem.as_bytes(), CERT_MODE);
        plan.add(files.cert, cert.cert_pem.as_bytes(), CERT_MODE);
        plan.add(files.key, cert.key_pem.as_bytes(), KEY_MODE);
        inventory.overwritten(&job.dir, &cert.spec.serial.hex());
        inventory.add(Record::new(
            cert,
            vec![Location::docker(job.layout(), job.dir.clone())],
        ));
    }
    plan.add_state(home.inventory_path(), inventory.to_json(), 0o600);
    let written = store::apply(&plan, common.force, now)?;
    Ok(IssueReport {
        certificates: issued
            .iter()
            .map(|cert| CertEntry::new(cert, now))
            .collect(),
        files: written
            .into_iter()
            .filter(|w| w.path != home.inventory_path())
            .map(|w| FileEntry {
                content: String::new(),
                mode: format!("{:04o}", w.mode),
                path: w.path,
                backup: w.backup,
            })
            .collect(),
        inventory: home.inventory_path(),
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_lists_parse_with_comments_and_both_separators() {
        let text =
            "# fleet\nd1.example 10.0.0.1\n\nd2.example DNS:alt.example,IP:10.0.0.2 # edge\n";
        let hosts = parse_host_list(text, "hosts.txt".as_ref()).unwrap();
        assert_eq!(hosts.len(), 2);
        assert_eq!(hosts[1].0, "d2.example");
        assert_eq!(hosts[1].1.len(), 2);
        let err = parse_host_list("a\nb IP:999.1.1.1\n", "h".as_ref())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("h line 2") && err.contains("999.1.1.1"),
            "{err}"
        );
        assert!(
            parse_host_list("a\na\n", "h".as_ref())
                .unwrap_err()
                .to_string()
                .contains("twice")
        );
        assert!(parse_host_list("# nothing\n", "h".as_ref()).is_err());
    }

    #[test]
    fn client_names_are_safe_as_directory_names() {
        assert_eq!(checked_name(" alice ").unwrap(), "alice");
        for bad in ["", ".", "..", "a/b", "-x", "a\nb"] {
            assert!(checked_name(bad).is_err(), "{bad:?}");
        }
    }
}

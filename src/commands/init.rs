//! `dockcert init`: a CA, a server and a client certificate, written where dockerd and the docker
//! CLI read them.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use time::OffsetDateTime;

use crate::cli::{InitArgs, InitLayout};
use crate::docker::{self, Layout};
use crate::env::Env;
use crate::pki::names::{self, San};
use crate::pki::{self, CertSpec, MAX_DAYS, Role, Serial, Validity};
use crate::report::{CertEntry, Conversion, EnvVar, FileEntry, InitReport};
use crate::store::home::Home;
use crate::store::inventory::{Location, Record};
use crate::store::{self, CERT_MODE, KEY_MODE};

/// Which PEM of the set a file holds.
#[derive(Clone, Copy)]
enum Part {
    CaCert,
    CaKey,
    ServerCert,
    ServerKey,
    ClientCert,
    ClientKey,
}

/// The longest common name X.509 allows (ub-common-name).
const MAX_CN_LEN: usize = 64;

/// Runs `init` and returns what it did.
pub fn run(args: &InitArgs, env: &Env, now: OffsetDateTime) -> Result<InitReport> {
    check_days(args.days, args.ca_days)?;
    let home = Home::resolve(args.home.as_deref(), env.dockcert_home.as_deref())?;
    let dind = args.layout == InitLayout::Dind;
    let (daemon_dir, daemon_layout, client_dir, ca_copy) = match (&args.certdir, dind) {
        (Some(certdir), true) => {
            // docker:dind's DOCKER_TLS_CERTDIR. No ca/key.pem: with one, the entrypoint regenerates
            // every certificate at each start; without it, it uses server/ as it is.
            let certdir = crate::env::absolute(certdir)?;
            let ca_copy = certdir.join("ca").join("cert.pem");
            (
                certdir.join("server"),
                Layout::DindServer,
                certdir.join("client"),
                Some(ca_copy),
            )
        }
        _ => {
            let daemon_dir = crate::env::absolute(
                &args.daemon_dir.clone().unwrap_or_else(|| home.daemon_dir()),
            )?;
            let client_dir = match &args.client_dir {
                Some(dir) => dir.clone(),
                None => docker::client_cert_dir(env).context(
                    "cannot find the docker CLI's directory (no DOCKER_CERT_PATH and no home \
                         directory); pass --client-dir DIR",
                )?,
            };
            (
                daemon_dir,
                Layout::Daemon,
                crate::env::absolute(&client_dir)?,
                None,
            )
        }
    };

    let (san_args, discovered) = names::expand(&args.sans, crate::docker::localnames::local_names);
    let mut user_sans: Vec<San> = san_args.iter().map(|arg| arg.san.clone()).collect();
    if dind {
        // The name compose gives the dind service, which its clients dial (tcp://docker:2376).
        let docker = San::Dns("docker".to_string());
        if !user_sans.contains(&docker) {
            user_sans.push(docker);
        }
    }
    let sans = names::with_defaults(&user_sans);
    let server_cn = match &args.cn {
        Some(cn) => checked_cn("--cn", cn)?,
        None => user_sans
            .iter()
            .filter_map(San::dns_name)
            .find(|name| name.len() <= MAX_CN_LEN)
            .unwrap_or("localhost")
            .to_string(),
    };
    let client_cn = checked_cn("--client-cn", &args.client_cn)?;

    let daemon = daemon_layout.files_in(&daemon_dir);
    let client = Layout::Client.files_in(&client_dir);
    let mut files = vec![
        (home.ca_cert(), Part::CaCert, "CA certificate"),
        (
            home.ca_key(),
            Part::CaKey,
            "CA key (keep it secret; only dockcert needs it)",
        ),
    ];
    if let Some(copy) = &ca_copy {
        files.push((
            copy.clone(),
            Part::CaCert,
            "docker:dind: CA certificate (its key stays in dockcert's home)",
        ));
    }
    files.extend([
        (
            daemon.ca.clone(),
            Part::CaCert,
            "daemon: CA certificate (--tlscacert)",
        ),
        (
            daemon.cert.clone(),
            Part::ServerCert,
            "daemon: server certificate (--tlscert)",
        ),
        (
            daemon.key.clone(),
            Part::ServerKey,
            "daemon: server key (--tlskey)",
        ),
        (client.ca.clone(), Part::CaCert, "client: CA certificate"),
        (
            client.cert.clone(),
            Part::ClientCert,
            "client: client certificate",
        ),
        (client.key.clone(), Part::ClientKey, "client: client key"),
    ]);
    let targets: Vec<PathBuf> = files.iter().map(|(path, _, _)| path.clone()).collect();
    // An interrupted run is recovered before the files are checked (only when there is a journal:
    // a refused init leaves no trace).
    let early_lock = if home.journal_dir().is_dir() {
        Some(super::lock_home(&home)?)
    } else {
        None
    };
    // Refuse before the slow part (RSA key generation); apply() checks again just before writing.
    store::check_targets(&targets, args.force)?;
    let passphrase = if args.encrypt_ca_key {
        let source = crate::pki::passphrase::Source {
            file: args.passphrase_file.clone(),
        };
        Some(source.get("to encrypt the new CA key", true)?)
    } else {
        None
    };
    let _lock = match early_lock {
        Some(lock) => lock,
        None => super::lock_home(&home)?,
    };
    let mut inventory = home.read_inventory()?;

    let mut keys = args.key_type.generate_many(3)?.into_iter();
    let (Some(ca_key), Some(server_key), Some(client_key)) =
        (keys.next(), keys.next(), keys.next())
    else {
        bail!("internal error: key generation returned too few keys");
    };
    let spec = |role, common_name: String, sans: Vec<San>, days| -> Result<CertSpec> {
        Ok(CertSpec {
            role,
            common_name,
            sans,
            validity: Validity::days_from(now, days),
            serial: Serial::random()?,
        })
    };
    // A name unique to this CA (its date and the start of its serial): with two CAs of one name,
    // clients try the wrong one and report a signature failure instead of "unknown authority".
    let ca_spec = spec(Role::Ca, String::new(), vec![], args.ca_days)?;
    let ca_spec = CertSpec {
        common_name: format!("dockcert CA {} {}", now.date(), ca_spec.serial.short()),
        ..ca_spec
    };
    let (ca, ca_issued) = pki::self_signed_ca(ca_spec, ca_key, args.key_type)?;
    let server_spec = spec(Role::Server, server_cn, sans, args.days)?;
    let server = ca.sign(server_spec, &server_key, args.key_type)?;
    let client_spec = spec(Role::Client, client_cn, vec![], args.days)?;
    let client_cert = ca.sign(client_spec, &client_key, args.key_type)?;

    // The CA key at rest: encrypted when asked (leaf keys never are: dockerd cannot read them).
    let ca_key_pem = match &passphrase {
        Some(secret) => {
            let der = pem::parse(ca_issued.key_pem.as_bytes())?.into_contents();
            zeroize::Zeroizing::new(crate::pki::keycrypt::encrypt_pkcs8(
                &der,
                secret.as_bytes(),
            )?)
        }
        None => ca_issued.key_pem.clone(),
    };
    let mut plan = home.plan();
    for (path, part, _) in &files {
        let (contents, mode) = match part {
            Part::CaCert => (&ca_issued.cert_pem, CERT_MODE),
            Part::CaKey => (&*ca_key_pem, KEY_MODE),
            Part::ServerCert => (&server.cert_pem, CERT_MODE),
            Part::ServerKey => (&*server.key_pem, KEY_MODE),
            Part::ClientCert => (&client_cert.cert_pem, CERT_MODE),
            Part::ClientKey => (&*client_cert.key_pem, KEY_MODE),
        };
        plan.add(path.clone(), contents.as_bytes(), mode);
    }
    // The inventory: a forced init supersedes everything the old CA signed.
    let ca_serial = ca_issued.spec.serial.hex();
    let superseded: Vec<String> = inventory.current().map(|r| r.serial.clone()).collect();
    for serial in superseded {
        inventory.replace(&serial, &ca_serial);
    }
    let ca_location = Location {
        layout: "ca".to_string(),
        dir: home.root().join("ca"),
    };
    inventory.add(Record::new(&ca_issued, vec![ca_location]));
    inventory.add(Record::new(
        &server,
        vec![Location::docker(daemon_layout, daemon_dir.clone())],
    ));
    inventory.add(Record::new(
        &client_cert,
        vec![Location::docker(Layout::Client, client_dir.clone())],
    ));
    plan.add_state(home.inventory_path(), inventory.to_json(), 0o600);
    let mut written = store::apply(&plan, args.force, now)?;
    written.retain(|w| w.path != home.inventory_path());

    let first_host = first_connectable_host(&server.spec.sans);
    Ok(InitReport {
        key_type: args.key_type.to_string(),
        files: written
            .into_iter()
            .zip(files.iter())
            .map(|(written, (_, _, content))| FileEntry {
                path: written.path,
                mode: format!("{:04o}", written.mode),
                content: (*content).to_string(),
                backup: written.backup,
            })
            .collect(),
        certificates: [&ca_issued, &server, &client_cert]
            .into_iter()
            .map(|issued| CertEntry::new(issued, now))
            .collect(),
        conversions: san_args
            .iter()
            .filter_map(|arg| arg.conversion())
            .map(|(from, to)| Conversion { from, to })
            .collect(),
        discovered: discovered.iter().map(ToString::to_string).collect(),
        dind_certdir: args
            .certdir
            .as_ref()
            .filter(|_| dind)
            .and(daemon_dir.parent().map(Into::into)),
        dockerd: docker::dockerd_args(&daemon),
        client_env: docker::client_env(&first_host, &client_dir)
            .into_iter()
            .map(|(name, value)| EnvVar {
                name: name.to_string(),
                value,
            })
            .collect(),
    })
}

/// The host for `DOCKER_HOST`: the server's first SAN that can be connected to (not a wildcard).
fn first_connectable_host(sans: &[San]) -> String {
    sans.iter()
        .find(|san| !matches!(san, San::Dns(name) if name.starts_with("*.")))
        .map(San::url_host)
        .unwrap_or_else(|| "localhost".to_string())
}

fn check_days(days: i64, ca_days: i64) -> Result<()> {
    for (flag, value) in [("--days", days), ("--ca-days", ca_days)] {
        if value < 1 {
            bail!(
                "{flag} {value}: a certificate must be valid for at least 1 day; give a positive number of days"
            );
        }
        if value > MAX_DAYS {
            bail!("{flag} {value}: more than {MAX_DAYS} days (100 years); give a shorter validity");
        }
    }
    if days > ca_days {
        bail!(
            "--days {days} is longer than --ca-days {ca_days}: the certificates would outlive their CA; \
             lower --days or raise --ca-days"
        );
    }
    Ok(())
}

fn checked_cn(flag: &str, cn: &str) -> Result<String> {
    let cn = cn.trim();
    if cn.is_empty() {
        bail!("{flag} is empty; give a name such as docker.example.com");
    }
    if cn.chars().count() > MAX_CN_LEN {
        bail!(
            "{flag} '{cn}' is longer than {MAX_CN_LEN} characters, the X.509 limit for a common name"
        );
    }
    if cn.chars().any(char::is_control) {
        bail!("{flag} {cn:?} contains control characters; give a plain name");
    }
    Ok(cn.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_must_be_positive_bounded_and_within_the_ca() {
        assert!(check_days(365, 3650).is_ok());
        assert!(check_days(3650, 3650).is_ok());
        for (days, ca_days, needle) in [
            (0, 3650, "--days 0: a certificate must be valid"),
            (-1, 3650, "--days -1"),
            (10, 0, "--ca-days 0"),
            (3651, 3650, "would outlive their CA"),
            (365, 40_000, "100 years"),
        ] {
            let err = check_days(days, ca_days).unwrap_err().to_string();
            assert!(err.contains(needle), "{days}/{ca_days}: {err}");
        }
    }

    #[test]
    fn docker_host_skips_wildcards() {
        let sans = names::with_defaults(&[
            San::Dns("*.d.example".into()),
            San::Ip("::2".parse().unwrap()),
        ]);
        assert_eq!(first_connectable_host(&sans), "[::2]");
        assert_eq!(first_connectable_host(&sans[..1]), "localhost");
    }

    #[test]
    fn common_names_are_checked() {
        assert_eq!(checked_cn("--cn", " host ").unwrap(), "host");
        assert!(checked_cn("--cn", "").is_err());
        assert!(checked_cn("--cn", &"x".repeat(65)).is_err());
        assert!(checked_cn("--cn", "a\nb").is_err());
    }
}

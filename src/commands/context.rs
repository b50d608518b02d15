//! `dockcert context create`: a docker CLI context written straight into the CLI's store, exactly
//! as `docker context create` writes it, with copies of the client's files.

use anyhow::{Context as _, Result, anyhow, bail};
use time::OffsetDateTime;

use crate::cli::ContextCreateArgs;
use crate::docker::{self, Layout};
use crate::env::Env;
use crate::report::ContextReport;
use crate::store::home::Home;
use crate::store::inventory::Location;
use crate::store::{self, Plan};
use crate::x509::certinfo::CertSummary;
use crate::x509::load;

/// Runs `context create`.
pub fn create(args: &ContextCreateArgs, env: &Env, now: OffsetDateTime) -> Result<ContextReport> {
    docker::check_context_name(&args.name).map_err(|err| anyhow!(err))?;
    let host = docker::parse_tcp_host(&args.host).map_err(|err| anyhow!(err))?;
    let source = args
        .cert_path
        .clone()
        .or_else(|| docker::client_cert_dir(env))
        .ok_or_else(|| anyhow!("no certificate directory: give --cert-path DIR"))?;
    let source = crate::env::absolute(&source)?;
    let files = Layout::Client.files_in(&source);
    // The copies must be usable: a context with a broken or encrypted key fails only later.
    let cert = load::read_certificates(&files.cert)?;
    load::read_certificates(&files.ca)?;
    let key = load::read_private_key(&files.key)?;
    let client = cert
        .certs
        .first()
        .and_then(|der| CertSummary::from_der(der))
        .ok_or_else(|| anyhow!("{} holds no readable certificate", files.cert.display()))?;
    if !load::same_public_key(&load::key_info(&key)?.spki, &client.spki) {
        bail!(
            "{} is not the key of {}; fix the client directory first",
            files.key.display(),
            files.cert.display()
        );
    }

    let config_dir =
        docker::docker_config_dir(env.docker_config.as_deref(), env.home_dir.as_deref())
            .ok_or_else(|| {
                anyhow!("cannot find the docker CLI's configuration directory; set DOCKER_CONFIG")
            })?;
    let config_dir = crate::env::absolute(&config_dir)?;
    let id = docker::context_id(&args.name);
    let meta = config_dir
        .join("contexts")
        .join("meta")
        .join(&id)
        .join("meta.json");
    let tls_dir = config_dir
        .join("contexts")
        .join("tls")
        .join(&id)
        .join("docker");
    let copies = Layout::Context.files_in(&tls_dir);
    if meta.exists() && !args.force {
        bail!(
            "a context named '{}' already exists ({}); pass --force to replace it",
            args.name,
            meta.display()
        );
    }

    let mut plan = Plan::default();
    let meta_json = docker::context_meta_json(&args.name, args.description.as_deref(), &host.url());
    plan.add(meta.clone(), meta_json, 0o600);
    for (from, to) in [
        (&files.ca, &copies.ca),
        (&files.cert, &copies.cert),
        (&files.key, &copies.key),
    ] {
        let bytes = zeroize::Zeroizing::new(
            crate::bounded::read(from)
                .with_context(|| format!("failed to read {}", from.display()))?,
        );
        // Copies, replaced without a backup beside them (the CLI warns about unknown files there).
        plan.add_state(to.clone(), bytes.to_vec(), 0o600);
    }
    let config_json = config_dir.join("config.json");
    if args.use_it {
        plan.add(
            config_json.clone(),
            with_current_context(&config_json, &args.name)?,
            0o600,
        );
    }
    // The inventory records the copies, so that renewal refreshes them.
    // (Only when there is a dockcert home: certificates made elsewhere leave no trace of dockcert.)
    let home = Home::resolve(args.home.home.as_deref(), env.dockcert_home.as_deref())?;
    let _lock = if home.root().is_dir() {
        Some(super::lock_home(&home)?)
    } else {
        None
    };
    // The context's files and the inventory, one transaction journaled in the home when there is
    // one (certificates made elsewhere leave no trace of dockcert).
    if home.root().is_dir() {
        plan.journal_in(home.journal_dir());
    }
    let mut inventory = home.read_inventory()?;
    let mut recorded = false;
    if let Some(record) = inventory
        .certificates
        .iter_mut()
        .find(|r| r.is_current() && r.serial == client.serial)
    {
        if !record.locations.iter().any(|l| l.dir == tls_dir) {
            record
                .locations
                .push(Location::docker(Layout::Context, tls_dir.clone()));
        }
        recorded = true;
        plan.add_state(home.inventory_path(), inventory.to_json(), 0o600);
    }
    let written = store::apply(&plan, true, now)?;
    Ok(ContextReport {
        name: args.name.clone(),
        host: host.url(),
        meta,
        tls_dir,
        current: args.use_it,
        recorded,
        backups: written.into_iter().filter_map(|w| w.backup).collect(),
    })
}

/// `config.json` with `currentContext` set, every other key kept in its order.
fn with_current_context(path: &std::path::Path, name: &str) -> Result<String> {
    let mut config = match crate::bounded::read_to_string(path) {
        Ok(text) => serde_json::from_str::<serde_json::Value>(&text).with_context(|| {
            format!(
                "{} is not valid JSON; fix it or move it away",
                path.display()
            )
        })?,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => serde_json::json!({}),
        Err(err) => return Err(err).with_context(|| format!("failed to read {}", path.display())),
    };
    let object = config
        .as_object_mut()
        .ok_or_else(|| anyhow!("{} is not a JSON object", path.display()))?;
    object.insert("currentContext".to_string(), name.into());
    // Tabs, as the docker CLI writes it.
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"\t");
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
    serde::Serialize::serialize(&config, &mut serializer)?;
    Ok(String::from_utf8(out)? + "\n")
}

//! `dockcert import-ca`: adopt an existing CA (Docker's openssl recipe, a colleague's script) as
//! dockcert's CA, after checking that it can serve as one.

use anyhow::{Context, Result, anyhow, bail};
use time::OffsetDateTime;
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::cli::ImportArgs;
use crate::env::Env;
use crate::pki::Ca;
use crate::pki::keycrypt;
use crate::report::ImportReport;
use crate::store::home::Home;
use crate::store::inventory::{Location, Record};
use crate::store::{self, CERT_MODE, KEY_MODE};
use crate::x509::certinfo::CertSummary;
use crate::x509::load::{self, LoadError};

/// Runs `import-ca`.
pub fn run(args: &ImportArgs, env: &Env, now: OffsetDateTime) -> Result<ImportReport> {
    let home = Home::resolve(args.home.home.as_deref(), env.dockcert_home.as_deref())?;
    let cert_file = load::read_certificates(&args.cert)?;
    let Some(der) = cert_file.certs.first() else {
        bail!("{} holds no certificate", args.cert.display());
    };
    let summary = CertSummary::from_der(der)
        .ok_or_else(|| anyhow!("{} does not parse", args.cert.display()))?;
    check_ca(der, &summary, &args.cert, now)?;
    let cert_pem = pem::encode(&pem::Pem::new("CERTIFICATE", der.to_vec()));

    let passphrase = args.home.passphrase();
    let bytes = zeroize::Zeroizing::new(
        crate::bounded::read(&args.key)
            .with_context(|| format!("failed to read {}", args.key.display()))?,
    );
    let mut secret = None;
    let key = match load::parse_private_key(&args.key, &bytes) {
        Ok(key) => key,
        Err(LoadError::EncryptedKey { .. }) => {
            let pass = passphrase.get(&format!("to decrypt {}", args.key.display()), false)?;
            let key = keycrypt::decrypt_key_file(&args.key, &bytes, pass.as_bytes())?;
            secret = Some(pass);
            key
        }
        Err(err) => return Err(err.into()),
    };
    let pkcs8 = load::to_pkcs8(&key)?;
    let plain_pem = keycrypt::pkcs8_pem(&pkcs8);
    // Proves the key belongs to the certificate and that rcgen can sign with it.
    Ca::from_pem(&cert_pem, &plain_pem).with_context(|| {
        format!(
            "cannot adopt {} with {}",
            args.cert.display(),
            args.key.display()
        )
    })?;
    let stored_key = if args.encrypt_ca_key {
        let pass = match secret {
            Some(pass) => pass,
            None => passphrase.get("to encrypt the CA key", true)?,
        };
        zeroize::Zeroizing::new(keycrypt::encrypt_pkcs8(&pkcs8, pass.as_bytes())?)
    } else {
        plain_pem
    };

    let _lock = super::lock_home(&home)?;
    if home
        .read_rotation()?
        .is_some_and(|r| r.phase != crate::store::home::Phase::Finished)
    {
        bail!(
            "a CA rotation is in progress in {}; finish it before importing a CA",
            home.root().display()
        );
    }
    let mut inventory = home.read_inventory()?;
    let mut plan = home.plan();
    plan.add(home.ca_cert(), cert_pem.as_bytes(), CERT_MODE);
    plan.add(home.ca_key(), stored_key.as_bytes(), KEY_MODE);
    let superseded: Vec<String> = inventory
        .current()
        .filter(|r| r.role == "ca")
        .map(|r| r.serial.clone())
        .collect();
    for serial in superseded {
        inventory.replace(&serial, &summary.serial);
    }
    inventory.add(Record {
        serial: summary.serial.clone(),
        role: "ca".to_string(),
        name: common_name(der).unwrap_or_else(|| summary.subject.clone()),
        sans: Vec::new(),
        key_type: key_type_name(&summary.spki),
        not_before: summary.not_before,
        not_after: summary.not_after,
        locations: vec![Location {
            layout: "ca".to_string(),
            dir: home.root().join("ca"),
        }],
        replaced_by: None,
    });
    plan.add_state(home.inventory_path(), inventory.to_json(), 0o600);
    let written = store::apply(&plan, args.force, now)?;
    Ok(ImportReport {
        subject: summary.subject.clone(),
        serial: summary.serial.clone(),
        not_after: summary.not_after,
        days_left: summary.days_left(now),
        key_format: key.format.to_string(),
        encrypted_at_rest: args.encrypt_ca_key,
        files: written
            .into_iter()
            .filter(|w| w.path != home.inventory_path())
            .map(|w| w.path)
            .collect(),
    })
}

/// CA:TRUE, allowed to sign certificates, in date.
fn check_ca(
    der: &[u8],
    summary: &CertSummary,
    path: &std::path::Path,
    now: OffsetDateTime,
) -> Result<()> {
    let (_, cert) =
        X509Certificate::from_der(der).map_err(|err| anyhow!("{}: {err}", path.display()))?;
    if !summary.is_ca {
        bail!(
            "{} is not a CA certificate (basicConstraints CA:TRUE is missing); give the CA's certificate, \
             not a server or client certificate",
            path.display()
        );
    }
    if let Ok(Some(usage)) = cert.key_usage()
        && !usage.value.key_cert_sign()
    {
        bail!(
            "{}: its keyUsage does not allow signing certificates (keyCertSign)",
            path.display()
        );
    }
    if now > summary.not_after {
        bail!(
            "{} expired on {}; make a new CA with 'dockcert init'",
            path.display(),
            summary.not_after.date()
        );
    }
    if now < summary.not_before {
        bail!(
            "{} is not valid before {}; check the clock",
            path.display(),
            summary.not_before
        );
    }
    Ok(())
}

fn common_name(der: &[u8]) -> Option<String> {
    let (_, cert) = X509Certificate::from_der(der).ok()?;
    let cn = cert
        .subject()
        .iter_common_name()
        .next()?
        .as_str()
        .ok()?
        .to_string();
    Some(cn)
}

/// `rsa-4096`, `ecdsa-p256`… for the inventory.
fn key_type_name(spki: &[u8]) -> String {
    use x509_parser::prelude::SubjectPublicKeyInfo;
    use x509_parser::public_key::PublicKey;
    let Ok((_, info)) = SubjectPublicKeyInfo::from_der(spki) else {
        return "unknown".to_string();
    };
    match info.parsed() {
        Ok(PublicKey::RSA(rsa)) => format!("rsa-{}", rsa.key_size()),
        Ok(PublicKey::EC(point)) => match point.key_size() {
            256 => "ecdsa-p256".to_string(),
            384 => "ecdsa-p384".to_string(),
            bits => format!("ecdsa-{bits}"),
        },
        _ if info.algorithm.algorithm.to_id_string() == "1.3.101.112" => "ed25519".to_string(),
        _ => "unknown".to_string(),
    }
}

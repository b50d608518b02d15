//! The inventory in dockcert's home: every certificate issued (by `init`, `issue`, `renew`,
//! `rotate-ca`) and every directory it was written to, so that renewal and rotation know what to
//! rewrite. Pure data: reading and writing go through `home` and `store`.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::docker::Layout;
use crate::pki::{Issued, Role};

/// The inventory file's format version.
pub const VERSION: u32 = 1;

/// Every certificate dockcert issued from this home.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inventory {
    /// Format version.
    pub version: u32,
    /// The certificates, oldest first.
    pub certificates: Vec<Record>,
}

/// Where a certificate was written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    /// `daemon` (ca.pem, server-cert.pem, server-key.pem), `client` (ca.pem, cert.pem, key.pem),
    /// `context` (a docker context's copies of a client's files) or `ca` (ca.pem, ca-key.pem).
    pub layout: String,
    /// The directory.
    pub dir: PathBuf,
}

impl Location {
    /// A location in one of Docker's layouts.
    pub fn docker(layout: Layout, dir: PathBuf) -> Location {
        Location {
            layout: match layout {
                Layout::Daemon => "daemon",
                Layout::Client => "client",
                Layout::Context => "context",
                Layout::DindServer => "dind-server",
            }
            .to_string(),
            dir,
        }
    }

    /// The Docker layout, if this is one.
    pub fn docker_layout(&self) -> Option<Layout> {
        match self.layout.as_str() {
            "daemon" => Some(Layout::Daemon),
            "client" => Some(Layout::Client),
            "context" => Some(Layout::Context),
            "dind-server" => Some(Layout::DindServer),
            _ => None,
        }
    }
}

/// One certificate issued.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// Serial number, lower-case hex.
    pub serial: String,
    /// `ca`, `server` or `client`.
    pub role: String,
    /// The subject common name.
    pub name: String,
    /// Subject alternative names (`DNS:…`, `IP:…`).
    pub sans: Vec<String>,
    /// Key type, e.g. `ecdsa-p256`.
    pub key_type: String,
    /// Validity start.
    #[serde(with = "time::serde::rfc3339")]
    pub not_before: OffsetDateTime,
    /// Validity end.
    #[serde(with = "time::serde::rfc3339")]
    pub not_after: OffsetDateTime,
    /// Every directory it was written to.
    pub locations: Vec<Location>,
    /// The serial of the certificate that replaced it (renewal, rotation), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaced_by: Option<String>,
}

impl Record {
    /// The record of `issued`, written to `locations`.
    pub fn new(issued: &Issued, locations: Vec<Location>) -> Record {
        let spec = &issued.spec;
        Record {
            serial: spec.serial.hex(),
            role: spec.role.name().to_string(),
            name: spec.common_name.clone(),
            sans: spec.sans.iter().map(ToString::to_string).collect(),
            key_type: issued.key_type.to_string(),
            not_before: spec.validity.not_before,
            not_after: spec.validity.not_after,
            locations,
            replaced_by: None,
        }
    }

    /// Whether it is still in use (not replaced by a newer one).
    pub fn is_current(&self) -> bool {
        self.replaced_by.is_none()
    }

    /// The role, parsed.
    pub fn role(&self) -> Option<Role> {
        match self.role.as_str() {
            "ca" => Some(Role::Ca),
            "server" => Some(Role::Server),
            "client" => Some(Role::Client),
            _ => None,
        }
    }
}

impl Inventory {
    /// An empty inventory.
    pub fn new() -> Inventory {
        Inventory {
            version: VERSION,
            certificates: Vec::new(),
        }
    }

    /// Parses the inventory file's contents.
    pub fn from_json(text: &str, origin: &std::path::Path) -> Result<Inventory> {
        let inventory: Inventory = serde_json::from_str(text)
            .with_context(|| format!("{} is not a valid dockcert inventory", origin.display()))?;
        if inventory.version != VERSION {
            bail!(
                "{} has format version {}, which this dockcert does not know (it writes {VERSION}); \
                 use a newer dockcert",
                origin.display(),
                inventory.version
            );
        }
        Ok(inventory)
    }

    /// The inventory as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }

    /// Whether `serial` (hex) was ever issued from this home.
    pub fn has_serial(&self, serial: &str) -> bool {
        self.certificates.iter().any(|r| r.serial == serial)
    }

    /// Records a new certificate.
    pub fn add(&mut self, record: Record) {
        self.certificates.push(record);
    }

    /// The certificates still in use.
    pub fn current(&self) -> impl Iterator<Item = &Record> {
        self.certificates.iter().filter(|r| r.is_current())
    }

    /// A new certificate `by` was written over what is in `dir` (`issue --force`): the current
    /// records there no longer are, so that the inventory keeps matching the disk. A record
    /// written elsewhere too keeps its other locations; one left with none is replaced by `by`.
    pub fn overwritten(&mut self, dir: &std::path::Path, by: &str) {
        for record in &mut self.certificates {
            if record.replaced_by.is_some() || record.serial == by {
                continue;
            }
            let before = record.locations.len();
            record.locations.retain(|l| l.dir != dir);
            if record.locations.len() != before && record.locations.is_empty() {
                record.replaced_by = Some(by.to_string());
            }
        }
    }

    /// Marks the current certificate `serial` as replaced by `by`.
    pub fn replace(&mut self, serial: &str, by: &str) {
        for record in &mut self.certificates {
            if record.serial == serial && record.replaced_by.is_none() {
                record.replaced_by = Some(by.to_string());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pki::names::San;
    use crate::pki::{CertSpec, KeyType, Serial, Validity};
    use time::macros::datetime;
    use zeroize::Zeroizing;

    fn issued(serial: u8, role: Role) -> Issued {
        Issued {
            spec: CertSpec {
                role,
                common_name: "h.example".into(),
                sans: vec![San::Dns("h.example".into())],
                validity: Validity::days_from(datetime!(2026-01-01 0:00 UTC), 30),
                serial: Serial::from_bytes([serial; 16]),
            },
            key_type: KeyType::EcdsaP256,
            cert_pem: String::new(),
            key_pem: Zeroizing::new(String::new()),
        }
    }

    #[test]
    fn round_trips_and_tracks_replacement() {
        let mut inventory = Inventory::new();
        let location = Location::docker(Layout::Daemon, PathBuf::from("/srv/d"));
        inventory.add(Record::new(
            &issued(1, Role::Server),
            vec![location.clone()],
        ));
        inventory.add(Record::new(&issued(2, Role::Server), vec![location]));
        let first = inventory.certificates[0].serial.clone();
        let second = inventory.certificates[1].serial.clone();
        inventory.replace(&first, &second);
        let text = inventory.to_json();
        let back = Inventory::from_json(&text, "inv.json".as_ref()).unwrap();
        assert_eq!(back, inventory);
        assert_eq!(back.current().count(), 1);
        assert!(back.has_serial(&first));
        assert_eq!(
            back.certificates[0].locations[0].docker_layout(),
            Some(Layout::Daemon)
        );
        assert_eq!(back.certificates[0].role(), Some(Role::Server));
        let err = Inventory::from_json("{\"version\": 9, \"certificates\": []}", "i".as_ref())
            .unwrap_err();
        assert!(err.to_string().contains("format version 9"), "{err}");
        assert!(Inventory::from_json("[", "i".as_ref()).is_err());
    }
}

//! Issues N ECDSA P-256 client certificate directories from one CA, for `make bench`
//! (bench/audit.py): OUT/ca.pem and OUT/dir1 … OUT/dirN, each with ca.pem, cert.pem, key.pem
//! (modes 0444/0444/0400), made with dockcert's own pki module.
//!
//! Usage: cargo run --release --example bench_clients -- OUT N

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use anyhow::{Context, Result, bail};
use dockcert::pki::names::San;
use dockcert::pki::{self, CertSpec, KeyType, Role, Serial, Validity};

fn write(path: &Path, text: &str, mode: u32) -> Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(out), Some(count)) = (args.get(1), args.get(2)) else {
        bail!("usage: bench_clients OUT N");
    };
    let out = Path::new(out);
    let count: usize = count.parse().context("N must be a number")?;
    let now = time::OffsetDateTime::now_utc();
    let key_type = KeyType::EcdsaP256;
    let ca_spec = CertSpec {
        role: Role::Ca,
        common_name: "bench CA".to_string(),
        sans: Vec::new(),
        validity: Validity::days_from(now, 3650),
        serial: Serial::random()?,
    };
    let (ca, _) = pki::self_signed_ca(ca_spec, key_type.generate()?, key_type)?;
    std::fs::create_dir_all(out)?;
    write(&out.join("ca.pem"), &ca.cert_pem, 0o444)?;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    std::thread::scope(|scope| -> Result<()> {
        let workers: Vec<_> = (0..threads)
            .map(|worker| {
                let ca = &ca;
                scope.spawn(move || -> Result<()> {
                    for index in (worker..count).step_by(threads) {
                        let dir = out.join(format!("dir{}", index + 1));
                        std::fs::create_dir(&dir)?;
                        let spec = CertSpec {
                            role: Role::Client,
                            common_name: format!("client {}", index + 1),
                            sans: Vec::<San>::new(),
                            validity: Validity::days_from(now, 365),
                            serial: Serial::random()?,
                        };
                        let issued = ca.sign(spec, &key_type.generate()?, key_type)?;
                        write(&dir.join("ca.pem"), &ca.cert_pem, 0o444)?;
                        write(&dir.join("cert.pem"), &issued.cert_pem, 0o444)?;
                        write(&dir.join("key.pem"), &issued.key_pem, 0o400)?;
                    }
                    Ok(())
                })
            })
            .collect();
        for worker in workers {
            worker
                .join()
                .map_err(|_| anyhow::anyhow!("a worker panicked"))??;
        }
        Ok(())
    })
}

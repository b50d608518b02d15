//! Docker's verdict on a certificate chain: what Go's `crypto/x509` (`Certificate.Verify` with
//! `KeyUsages` serverAuth or clientAuth, `VerifyHostname`) and the parsing `crypto/tls` applies
//! to every peer certificate decide, for each Go that Docker ships with.
//!
//! Pure: DER in, `now` in, a verdict out. The rules and their sources are listed rule by rule in
//! the README ("Docker's verdict") and in Go's own `verify.go`, `parser.go` and `x509.go`, cited
//! below where a rule is subtle. Go 1.19 is Debian's docker.io 20.10 (dockerd and CLI); the docker
//! CLI 28 is Go 1.24 built without a go.mod, so with Go-1.20-era GODEBUG defaults
//! (`x509negativeserial=1`, `rsa1024min=0`).
//!
//! Chain indexes in a [`Verdict`]: 0 is the leaf; `1..=intermediates.len()` are
//! `intermediates[i - 1]`; `intermediates.len() + 1 + j` is `roots[j]`. A leaf pinned in the
//! roots gives the one-element chain `[0]`.

use std::fmt;

use time::OffsetDateTime;

use super::gonames;
use super::goparse::{self, GoCert, PubKey};
use super::gosig::{self, SigError};

/// What the leaf is checked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// The docker CLI checking dockerd's certificate: serverAuth, and the host name it dialled
    /// (crypto/tls sets `VerifyOptions.DNSName` from `ServerName`).
    ServerAuth {
        /// The host name or IP address the client connects to; `None` skips the name check.
        host: Option<String>,
    },
    /// dockerd checking a client certificate (`--tlsverify`): clientAuth, no host name.
    ClientAuth,
}

/// A Go release Docker is built with.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum GoRelease {
    /// Go 1.19.8: Debian's docker.io 20.10 (dockerd and the docker CLI).
    Go119,
    /// Go 1.24 as the docker CLI 28 is built (no go.mod, so old GODEBUG defaults).
    DockerCli28,
}

impl GoRelease {
    /// Every release the verdict covers, oldest first.
    pub const ALL: [GoRelease; 2] = [GoRelease::Go119, GoRelease::DockerCli28];

    fn is_124(self) -> bool {
        self == GoRelease::DockerCli28
    }
}

impl fmt::Display for GoRelease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            GoRelease::Go119 => "Go 1.19 (docker.io 20.10's dockerd and CLI)",
            GoRelease::DockerCli28 => "Go 1.24 (the docker CLI 28)",
        })
    }
}

/// Why a release refuses the chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// A stable kebab-case code.
    pub code: &'static str,
    /// One plain sentence.
    pub message: String,
}

impl Rejection {
    fn new(code: &'static str, message: impl Into<String>) -> Rejection {
        Rejection {
            code,
            message: message.into(),
        }
    }

    /// Whether this is one of dockcert's own refusals where Go would accept
    /// ([`PERMITTED_DIFFERENCES`]).
    pub fn is_permitted_difference(&self) -> bool {
        PERMITTED_DIFFERENCES
            .iter()
            .any(|(code, _)| *code == self.code)
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// The verdict of each Go release.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// Per release: the verified chain as indexes (see the module docs), or why it is refused.
    pub per_release: Vec<(GoRelease, Result<Vec<usize>, Rejection>)>,
}

impl Verdict {
    /// Every release accepts the chain.
    pub fn accepted(&self) -> bool {
        self.per_release.iter().all(|(_, result)| result.is_ok())
    }

    /// The releases that refuse the chain, and why.
    pub fn rejections(&self) -> Vec<(GoRelease, &Rejection)> {
        self.per_release
            .iter()
            .filter_map(|(release, result)| result.as_ref().err().map(|r| (*release, r)))
            .collect()
    }

    /// One release's result.
    pub fn for_release(&self, release: GoRelease) -> Option<&Result<Vec<usize>, Rejection>> {
        self.per_release
            .iter()
            .find(|(r, _)| *r == release)
            .map(|(_, result)| result)
    }
}

/// The only places where dockcert refuses a chain that Go accepts, each for a security reason.
/// Every such refusal carries one of these codes (asserted by the differential tests).
pub const PERMITTED_DIFFERENCES: &[(&str, &str)] = &[
    (
        gosig::WEAK_RSA_ISSUER,
        "an RSA issuer key below 1024 bits (or a 1024-2047-bit key signing with SHA-384 or PSS): \
         such keys can be factored or are below every current minimum, and aws-lc-rs does not \
         check their signatures",
    ),
    (
        gosig::HUGE_RSA_ISSUER,
        "an RSA issuer key over 8192 bits: a denial-of-service vector that Go 1.24's TLS stack \
         itself refuses in presented chains",
    ),
    (
        gosig::P224_ISSUER,
        "a P-224 issuer key: a 112-bit curve that no current TLS library (aws-lc-rs, rustls, \
         browsers) verifies",
    ),
];

/// The maximum number of signature checks in one path search (Go's `maxChainSignatureChecks`).
const MAX_SIGNATURE_CHECKS: usize = 100;

/// Judges a chain as each Go release Docker ships with would.
pub fn verify(
    leaf: &[u8],
    intermediates: &[&[u8]],
    roots: &[&[u8]],
    purpose: &Purpose,
    now: OffsetDateTime,
) -> Verdict {
    let per_release = GoRelease::ALL
        .iter()
        .map(|&release| {
            (
                release,
                verify_release(leaf, intermediates, roots, purpose, now, release),
            )
        })
        .collect();
    Verdict { per_release }
}

/// Whether `host` is covered by the leaf's SANs as `VerifyHostname` decides in `release`;
/// `None` when that release cannot parse the leaf.
pub fn covers_host(leaf: &[u8], host: &str, release: GoRelease) -> Option<bool> {
    let cert = parse_for(leaf, release).ok()?;
    Some(gonames::verify_hostname(&cert, host, !release.is_124()))
}

/// A certificate's subject for messages.
fn subject(cert: &GoCert<'_>) -> String {
    use x509_parser::prelude::FromDer;
    match x509_parser::x509::X509Name::from_der(cert.raw_subject) {
        Ok((_, name)) => {
            let text = name.to_string();
            if text.is_empty() {
                "a certificate with an empty subject".to_string()
            } else {
                format!("\"{text}\"")
            }
        }
        Err(_) => "a certificate".to_string(),
    }
}

/// Parses one certificate as the given release does.
fn parse_for(der: &[u8], release: GoRelease) -> Result<GoCert<'_>, &'static str> {
    let cert = goparse::parse(der)?;
    if release.is_124()
        && let Some(err) = cert.parse_error_124
    {
        return Err(err);
    }
    Ok(cert)
}

/// What Go's certificate kinds mean for `isValid`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Leaf,
    Intermediate,
    Root,
}

/// The certificates, indexed as in the module docs (`None`: a root Go skips).
struct Pool<'a> {
    certs: Vec<Option<GoCert<'a>>>,
    intermediates: std::ops::Range<usize>,
    roots: std::ops::Range<usize>,
    release: GoRelease,
    purpose: &'a Purpose,
    now_nanos: i128,
}

/// A chain found by the search, leaf first; `unverifiable` names the permitted difference when a
/// link's signature could not be checked by dockcert.
struct Found {
    chain: Vec<usize>,
    unverifiable: Option<&'static str>,
}

fn verify_release(
    leaf_der: &[u8],
    intermediates: &[&[u8]],
    roots: &[&[u8]],
    purpose: &Purpose,
    now: OffsetDateTime,
    release: GoRelease,
) -> Result<Vec<usize>, Rejection> {
    let describe = |position: String, err: &str| {
        // Go 1.24 refuses critical key identifiers at parse time; say so with its own code.
        let code = if err.contains("key identifier incorrectly marked critical") {
            "key-id-critical"
        } else if err == "unsupported elliptic curve" {
            // P-192, secp256k1, brainpool ...: Go parses no other curves.
            "unsupported-key"
        } else {
            "malformed-certificate"
        };
        Rejection::new(code, format!("{release} cannot parse {position}: {err}."))
    };
    // crypto/tls parses every certificate the peer sends before verifying.
    let leaf =
        parse_for(leaf_der, release).map_err(|e| describe("the leaf certificate".into(), e))?;
    let mut certs = vec![Some(leaf)];
    for (i, der) in intermediates.iter().enumerate() {
        let cert = parse_for(der, release)
            .map_err(|e| describe(format!("intermediate certificate {}", i + 1), e))?;
        certs.push(Some(cert));
    }
    // CertPool.AppendCertsFromPEM skips what it cannot parse; a file with no usable certificate
    // is refused by go-connections ("failed to append certificates from PEM file").
    let mut usable_roots = 0;
    for der in roots {
        let cert = parse_for(der, release).ok();
        usable_roots += usize::from(cert.is_some());
        certs.push(cert);
    }
    if usable_roots == 0 {
        return Err(Rejection::new(
            "no-usable-root",
            format!("{release} finds no certificate it can parse among the trusted CAs."),
        ));
    }
    let pool = Pool {
        intermediates: 1..1 + intermediates.len(),
        roots: 1 + intermediates.len()..certs.len(),
        certs,
        release,
        purpose,
        now_nanos: now.unix_timestamp_nanos(),
    };
    pool.verify()
}

impl<'a> Pool<'a> {
    fn cert(&self, index: usize) -> &GoCert<'a> {
        // Only indexes of parsed certificates are ever handed around.
        self.certs[index]
            .as_ref()
            .unwrap_or_else(|| unreachable!("unparsed certificate {index}"))
    }

    fn verify(&self) -> Result<Vec<usize>, Rejection> {
        let leaf = self.cert(0);
        self.is_valid(0, Kind::Leaf, &[])?;
        if let Purpose::ServerAuth { host: Some(host) } = self.purpose
            && !host.is_empty()
            && !gonames::verify_hostname(leaf, host, !self.release.is_124())
        {
            return Err(host_error(leaf, host, self.release));
        }
        // Go's Verify: a leaf that is itself in the root pool is a one-certificate chain
        // (`opts.Roots.contains(c)`): no signature, basic constraints or issuer check.
        let pinned = self.roots.clone().any(|i| {
            self.certs[i]
                .as_ref()
                .is_some_and(|root| root.raw == leaf.raw)
        });
        let candidates = if pinned {
            vec![Found {
                chain: vec![0],
                unverifiable: None,
            }]
        } else {
            let mut checks = 0;
            let (found, err) = self.build_chains(&[0], &mut checks);
            if found.is_empty() {
                return Err(err.unwrap_or_else(|| unknown_authority(leaf, None)));
            }
            found
        };
        let mut last_error = None;
        let mut blocked = None;
        for found in &candidates {
            if let Err(err) = self.chain_checks(&found.chain) {
                last_error = Some(err);
                continue;
            }
            match found.unverifiable {
                None => {
                    self.tls_key_checks()?;
                    return Ok(found.chain.clone());
                }
                Some(code) => blocked = Some(code),
            }
        }
        if let Some(code) = blocked {
            return Err(unverifiable_rejection(code, self.release));
        }
        Err(last_error.unwrap_or_else(|| unknown_authority(leaf, None)))
    }

    /// What Verify checks on each candidate chain after building it: EKU nesting (and, in Go
    /// 1.24, certificate policies).
    fn chain_checks(&self, chain: &[usize]) -> Result<(), Rejection> {
        let (wanted_server, usage) = match self.purpose {
            Purpose::ServerAuth { .. } => (true, "serverAuth"),
            Purpose::ClientAuth => (false, "clientAuth"),
        };
        // checkChainForKeyUsage (verify.go): from the root down, every certificate with an EKU
        // extension must list the usage or anyExtendedKeyUsage; roots count. One usage is asked
        // for, so the intersection is this simple.
        for &index in chain.iter().rev() {
            let cert = self.cert(index);
            if !cert.eku_present || cert.eku_any {
                continue;
            }
            let listed = if wanted_server {
                cert.eku_server
            } else {
                cert.eku_client
            };
            if !listed {
                let role = role_name(index, chain, &self.roots);
                return Err(Rejection::new(
                    "wrong-eku",
                    format!(
                        "{} refuses the chain: the {role} {} does not allow {usage} in its extended key usage.",
                        self.release,
                        subject(cert)
                    ),
                ));
            }
        }
        if self.release.is_124() && !self.policies_valid(chain) {
            return Err(Rejection::new(
                "policy",
                format!(
                    "{} refuses the chain: a policy constraint requires an explicit certificate policy that the chain does not share.",
                    self.release
                ),
            ));
        }
        Ok(())
    }

    /// crypto/tls after Verify: the leaf's key must be RSA, ECDSA or Ed25519; Go 1.24 also
    /// refuses presented RSA keys over 8192 bits (`checkKeySize`).
    fn tls_key_checks(&self) -> Result<(), Rejection> {
        let leaf = self.cert(0);
        if matches!(leaf.key, PubKey::Dsa | PubKey::Unknown) {
            return Err(Rejection::new(
                "unsupported-leaf-key",
                format!(
                    "{} refuses the leaf {}: its public key is of a type TLS cannot use.",
                    self.release,
                    subject(leaf)
                ),
            ));
        }
        if self.release.is_124() {
            let presented = std::iter::once(0).chain(self.intermediates.clone());
            for index in presented {
                if let PubKey::Rsa { bits, .. } = self.cert(index).key
                    && bits > 8192
                {
                    return Err(Rejection::new(
                        "rsa-key-too-large",
                        format!(
                            "{} refuses {}: its RSA key has {bits} bits, more than the 8192 TLS accepts.",
                            self.release,
                            subject(self.cert(index))
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// `findPotentialParents`: same name, ordered by key identifier agreement.
    fn potential_parents(&self, child: &GoCert<'_>, range: std::ops::Range<usize>) -> Vec<usize> {
        let mut matching = Vec::new();
        let mut one = Vec::new();
        let mut mismatch = Vec::new();
        for index in range {
            let Some(candidate) = &self.certs[index] else {
                continue;
            };
            if candidate.raw_subject != child.raw_issuer {
                continue;
            }
            // Two empty identifiers count as matching (bytes.Equal(nil, nil)).
            if candidate.ski == child.aki {
                matching.push(index);
            } else if candidate.ski.is_empty() != child.aki.is_empty() {
                one.push(index);
            } else {
                mismatch.push(index);
            }
        }
        // A pool holds each certificate once (CertPool dedups by hash).
        let mut out: Vec<usize> = Vec::new();
        for index in matching.into_iter().chain(one).chain(mismatch) {
            if !out
                .iter()
                .any(|&seen| self.cert(seen).raw == self.cert(index).raw)
            {
                out.push(index);
            }
        }
        out
    }

    /// `alreadyInChain`: same subject, same key, same SAN (or both without).
    fn already_in_chain(&self, candidate: usize, chain: &[usize]) -> bool {
        let c = self.cert(candidate);
        chain.iter().any(|&i| {
            let other = self.cert(i);
            other.raw_subject == c.raw_subject
                && other.raw_spki == c.raw_spki
                && match (c.san, other.san) {
                    (None, None) => true,
                    (Some(a), Some(b)) => a == b,
                    _ => false,
                }
        })
    }

    /// `buildChains`: every chain from `chain`'s last certificate up to a root, roots first.
    /// Returns the chains and, when there are none, the error Go would report.
    fn build_chains(&self, chain: &[usize], checks: &mut usize) -> (Vec<Found>, Option<Rejection>) {
        let child_index = *chain.last().unwrap_or(&0);
        let child = self.cert(child_index);
        let mut found = Vec::new();
        let mut err: Option<Rejection> = None;
        let mut hint: Option<Rejection> = None;
        let candidates = self
            .potential_parents(child, self.roots.clone())
            .into_iter()
            .map(|i| (i, Kind::Root))
            .chain(
                self.potential_parents(child, self.intermediates.clone())
                    .into_iter()
                    .map(|i| (i, Kind::Intermediate)),
            );
        for (candidate, kind) in candidates {
            if self.already_in_chain(candidate, chain) {
                continue;
            }
            *checks += 1;
            if *checks > MAX_SIGNATURE_CHECKS {
                err = Some(Rejection::new(
                    "too-many-signature-checks",
                    format!(
                        "{} gives up: the chain needs more than {MAX_SIGNATURE_CHECKS} signature checks.",
                        self.release
                    ),
                ));
                continue;
            }
            let unverifiable = match self.check_signature_from(child, self.cert(candidate)) {
                Ok(()) => None,
                Err(LinkError::Unverifiable(code)) => Some(code),
                Err(LinkError::Refused(reason)) => {
                    hint.get_or_insert(reason);
                    continue;
                }
            };
            if let Err(e) = self.is_valid(candidate, kind, chain) {
                err = Some(e);
                continue;
            }
            let mut next = chain.to_vec();
            next.push(candidate);
            match kind {
                Kind::Root => found.push(Found {
                    chain: next,
                    unverifiable,
                }),
                _ => {
                    let (children, child_err) = self.build_chains(&next, checks);
                    err = child_err;
                    found.extend(children.into_iter().map(|mut f| {
                        f.unverifiable = f.unverifiable.or(unverifiable);
                        f
                    }));
                }
            }
        }
        if !found.is_empty() {
            return (found, None);
        }
        let err = err.unwrap_or_else(|| unknown_authority(child, hint));
        (found, Some(err))
    }

    /// `CheckSignatureFrom` (x509.go): the parent must be allowed to sign certificates, then the
    /// signature must verify.
    fn check_signature_from(
        &self,
        child: &GoCert<'_>,
        parent: &GoCert<'_>,
    ) -> Result<(), LinkError> {
        let release = self.release;
        // RFC 5280 4.2.1.9 as Go reads it: a v3 parent needs basicConstraints with cA; v1 and v2
        // parents may sign without it.
        if (parent.version == 3 && !parent.bc_valid) || (parent.bc_valid && !parent.is_ca) {
            return Err(LinkError::Refused(Rejection::new(
                "issuer-not-ca",
                format!(
                    "{release} refuses {}: its issuer {} is not a CA (basic constraints without cA).",
                    subject(child),
                    subject(parent)
                ),
            )));
        }
        // KeyUsage present without keyCertSign (bit 5).
        if parent.key_usage != 0 && parent.key_usage & (1 << 5) == 0 {
            return Err(LinkError::Refused(Rejection::new(
                "issuer-no-keycertsign",
                format!(
                    "{release} refuses {}: its issuer {} has a key usage without keyCertSign.",
                    subject(child),
                    subject(parent)
                ),
            )));
        }
        match gosig::check(child.sig_alg, child.raw_tbs, child.signature, &parent.key) {
            Ok(()) => Ok(()),
            Err(SigError::Unverifiable(code)) => Err(LinkError::Unverifiable(code)),
            Err(SigError::Insecure(hash)) => Err(LinkError::Refused(Rejection::new(
                "insecure-signature",
                format!(
                    "{release} refuses {}: it is signed with {hash}, which Go no longer accepts.",
                    subject(child)
                ),
            ))),
            Err(SigError::Unsupported) => Err(LinkError::Refused(Rejection::new(
                "unsupported-signature",
                format!(
                    "{release} refuses {}: its signature algorithm is not one Go verifies with its issuer's key.",
                    subject(child)
                ),
            ))),
            Err(SigError::Bad) => Err(LinkError::Refused(Rejection::new(
                "bad-signature",
                format!(
                    "{release} refuses {}: its signature does not verify with the key of {}.",
                    subject(child),
                    subject(parent)
                ),
            ))),
        }
    }

    /// `isValid` (verify.go) for a candidate of the given kind below `chain`.
    fn is_valid(&self, index: usize, kind: Kind, chain: &[usize]) -> Result<(), Rejection> {
        let cert = self.cert(index);
        let release = self.release;
        if cert.unhandled_critical_in(release.is_124()) > 0 {
            return Err(Rejection::new(
                "unhandled-critical-extension",
                format!(
                    "{release} refuses {}: it has a critical extension Go does not handle.",
                    subject(cert)
                ),
            ));
        }
        // Both bounds inclusive: `now.Before(NotBefore)`, `now.After(NotAfter)`.
        let now = self.now_nanos;
        if now < i128::from(cert.not_before) * 1_000_000_000 {
            return Err(Rejection::new(
                "not-yet-valid",
                format!("{release} refuses {}: it is not valid yet.", subject(cert)),
            ));
        }
        if now > i128::from(cert.not_after) * 1_000_000_000 {
            return Err(Rejection::new(
                "expired",
                format!("{release} refuses {}: it has expired.", subject(cert)),
            ));
        }
        if kind != Kind::Leaf && cert.has_name_constraints {
            // Go 1.19 checks the leaf's SANs and the CA's own; Go 1.24 every certificate below
            // the CA (DOCKER-VERDICT.md rule 9).
            let to_check: Vec<&GoCert<'_>> = if release.is_124() {
                chain.iter().map(|&i| self.cert(i)).collect()
            } else {
                vec![self.cert(chain[0]), cert]
            };
            for below in to_check {
                if let Some(san) = below.san
                    && let Err(why) = gonames::check_sans(cert, san)
                {
                    return Err(Rejection::new(
                        "name-constraints",
                        format!(
                            "{release} refuses the chain: {why} of {} (set by {}).",
                            subject(below),
                            subject(cert)
                        ),
                    ));
                }
            }
        }
        if kind == Kind::Intermediate && (!cert.bc_valid || !cert.is_ca) {
            return Err(Rejection::new(
                "issuer-not-ca",
                format!(
                    "{release} refuses the intermediate {}: it is not marked as a CA.",
                    subject(cert)
                ),
            ));
        }
        if cert.bc_valid && cert.max_path_len >= 0 {
            let intermediates = chain.len() as i64 - 1;
            if intermediates > cert.max_path_len {
                return Err(Rejection::new(
                    "path-length",
                    format!(
                        "{release} refuses the chain: {} allows {} intermediate(s) below it, the chain has {intermediates}.",
                        subject(cert),
                        cert.max_path_len
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Go 1.24's `policiesValid` (RFC 5280 6.1 as updated by RFC 9618), with the user's initial
    /// policy set `anyPolicy` and no initial constraints. Policy mappings are not applied.
    fn policies_valid(&self, chain: &[usize]) -> bool {
        use std::collections::BTreeSet;
        if chain.len() == 1 {
            return true;
        }
        let n = chain.len() - 1;
        let any: &[u8] = goparse::oid::ANY_POLICY;
        let mut explicit = n as i64 + 1;
        let mut inhibit_any = n as i64 + 1;
        // The leaves of the valid policy graph (None: the graph is NULL).
        let mut graph: Option<BTreeSet<&[u8]>> = Some(BTreeSet::from([any]));
        for i in (0..n).rev() {
            let cert = self.cert(chain[i]);
            let self_issued = cert.self_issued();
            if cert.policies.is_empty() {
                graph = None;
            }
            if explicit == 0 && graph.is_none() {
                return false;
            }
            if let Some(previous) = &graph {
                let mut next: BTreeSet<&[u8]> = BTreeSet::new();
                for &policy in &cert.policies {
                    if policy == any {
                        continue;
                    }
                    if previous.contains(policy) || previous.contains(any) {
                        next.insert(policy);
                    }
                }
                let asserts_any = cert.policies.contains(&any);
                if asserts_any && (inhibit_any > 0 || (n - i < n && self_issued)) {
                    for &policy in previous {
                        next.insert(policy);
                    }
                }
                graph = Some(next);
            }
            if i != 0 && !self_issued {
                explicit = (explicit - 1).max(0);
                inhibit_any = (inhibit_any - 1).max(0);
            }
            if let Some(require) = cert.require_explicit_policy
                && require < explicit
            {
                explicit = require;
            }
            if let Some(inhibit) = cert.inhibit_any_policy
                && inhibit < inhibit_any
            {
                inhibit_any = inhibit;
            }
        }
        if explicit > 0 {
            explicit -= 1;
        }
        if self.cert(chain[0]).require_explicit_policy == Some(0) {
            explicit = 0;
        }
        let valid = graph.is_some_and(|set| !set.is_empty());
        explicit != 0 || valid
    }
}

/// Why a link from a child to a candidate issuer fails.
enum LinkError {
    Refused(Rejection),
    Unverifiable(&'static str),
}

fn role_name(index: usize, chain: &[usize], roots: &std::ops::Range<usize>) -> &'static str {
    if index == 0 {
        "leaf"
    } else if roots.contains(&index) || Some(&index) == chain.last() {
        "root"
    } else {
        "intermediate"
    }
}

fn unknown_authority(cert: &GoCert<'_>, hint: Option<Rejection>) -> Rejection {
    if let Some(hint) = hint {
        return hint;
    }
    let issuer = {
        use x509_parser::prelude::FromDer;
        x509_parser::x509::X509Name::from_der(cert.raw_issuer)
            .map(|(_, name)| name.to_string())
            .unwrap_or_default()
    };
    Rejection::new(
        "unknown-authority",
        format!(
            "No trusted CA issued {}: its issuer \"{issuer}\" is neither among the trusted CAs nor a usable intermediate.",
            subject(cert)
        ),
    )
}

fn unverifiable_rejection(code: &'static str, release: GoRelease) -> Rejection {
    let reason = PERMITTED_DIFFERENCES
        .iter()
        .find(|(c, _)| *c == code)
        .map_or("", |(_, reason)| *reason);
    Rejection::new(
        code,
        format!(
            "{release} would accept this chain, but dockcert refuses it: it relies on {reason}."
        ),
    )
}

fn host_error(leaf: &GoCert<'_>, host: &str, release: GoRelease) -> Rejection {
    let mut names: Vec<String> = leaf.dns_names.iter().map(|n| n.to_string()).collect();
    names.extend(leaf.ip_addresses.iter().filter_map(|ip| {
        match ip.len() {
            4 => <[u8; 4]>::try_from(*ip)
                .ok()
                .map(|b| std::net::IpAddr::from(b).to_string()),
            16 => <[u8; 16]>::try_from(*ip)
                .ok()
                .map(|b| std::net::IpAddr::from(b).to_string()),
            _ => None,
        }
    }));
    let message = if names.is_empty() {
        format!(
            "{release} refuses {} for {host}: it has no subject alternative names (the common name is ignored).",
            subject(leaf)
        )
    } else {
        format!(
            "{release} refuses {} for {host}: it is valid only for {}.",
            subject(leaf),
            names.join(", ")
        )
    };
    Rejection::new("host-not-covered", message)
}

#[cfg(test)]
mod tests;

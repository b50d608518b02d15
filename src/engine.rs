//! What a live check learns about the daemon beside its findings: the Engine's `/version` and the
//! TLS session. These facts live below both the code that finds them (`net`) and the code that
//! prints them (`report`), as [`Finding`](crate::finding::Finding) does.

use serde::Serialize;

/// The Docker engine, as `/version` describes it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Engine {
    /// Engine version, e.g. `20.10.24+dfsg1`.
    pub version: String,
    /// API version.
    pub api_version: String,
    /// Oldest API version it accepts.
    pub min_api_version: String,
    /// Operating system.
    pub os: String,
    /// Architecture.
    pub arch: String,
}

/// The TLS session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Session {
    /// e.g. `TLSv1.3`.
    pub version: String,
    /// e.g. `TLS13_AES_256_GCM_SHA384`.
    pub cipher_suite: String,
}

//! Talking to other machines. [`verify`] is `verify`'s logic: the pre-flight checks of the client's
//! files, then the live handshake and HTTP exchange ([`http`]) and the diagnosis of what failed.
//! Around it: the rustls verifier that gives Docker's verdict and the [`chain_recorder`] that keeps
//! what the daemon sent, what other clients of the daemon would say, naming replies that are not
//! TLS, and RSA keys below 2048 bits; and ssh to remote hosts, with the system's OpenSSH client.

pub mod chain_recorder;
pub mod docker_verifier;
pub mod http;
pub mod not_tls;
pub mod other_clients;
pub mod rsa_legacy;
pub mod ssh;
pub mod verify;

//! The live side of `verify`: the rustls verifier that gives Docker's verdict, what other clients
//! of the daemon would say, naming replies that are not TLS, and RSA keys below 2048 bits.

pub mod docker_verifier;
pub mod not_tls;
pub mod other_clients;
pub mod rsa_legacy;

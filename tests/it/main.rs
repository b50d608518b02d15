//! Integration tests: the real binary, with HOME, DOCKCERT_HOME, DOCKER_CERT_PATH and DOCKER_CONFIG
//! pointed at temporary directories, and the real openssl, docker CLI and dockerd as peers.

mod audit;
mod dockerd;
mod helpers;
mod init;
mod lifecycle;
mod nshost;
mod openssl;
mod provision;
mod robust;
mod verify;

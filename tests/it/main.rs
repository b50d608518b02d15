//! Integration tests: the real binary, with HOME, DOCKCERT_HOME, DOCKER_CERT_PATH and DOCKER_CONFIG
//! pointed at temporary directories, and the real openssl, docker CLI and dockerd as peers.

mod audit;
mod docker_verdict;
mod dockerd;
mod goverdict;
mod helpers;
mod init;
mod lifecycle;
mod openssl;
mod robust;
mod verify;

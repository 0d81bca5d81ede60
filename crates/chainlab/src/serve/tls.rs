//! HTTPS for a classroom LAN.
//!
//! Threads (SharedArrayBuffer) and WebGPU need a secure context. `localhost` is one,
//! but a student opening `http://192.168.1.20:8080` is not, so on a LAN the server
//! speaks TLS: with the school's certificate, or with a self-signed one made at start
//! for this machine's addresses. Students accept it once; the printed SHA-256
//! fingerprint lets the instructor check that the browser shows the same one.

use std::net::IpAddr;
use std::path::Path;

use anyhow::Context;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use sha2::{Digest, Sha256};

pub struct Certificate {
    pub cert_pem: Vec<u8>,
    pub key_pem: Vec<u8>,
    pub fingerprint: String,
}

impl Certificate {
    pub fn from_files(cert: &Path, key: &Path) -> anyhow::Result<Self> {
        let cert_pem = std::fs::read(cert)
            .with_context(|| format!("cannot read certificate {}", cert.display()))?;
        let key_pem = std::fs::read(key)
            .with_context(|| format!("cannot read private key {}", key.display()))?;
        let leaf = CertificateDer::from_pem_slice(&cert_pem)
            .with_context(|| format!("{} holds no PEM certificate", cert.display()))?;
        Ok(Self {
            fingerprint: fingerprint(&leaf),
            cert_pem,
            key_pem,
        })
    }

    /// A certificate naming `localhost` and every address of this machine.
    pub fn self_signed(names: Vec<String>) -> anyhow::Result<Self> {
        let generated =
            rcgen::generate_simple_self_signed(names).context("cannot generate a certificate")?;
        Ok(Self {
            fingerprint: fingerprint(generated.cert.der()),
            cert_pem: generated.cert.pem().into_bytes(),
            key_pem: generated.key_pair.serialize_pem().into_bytes(),
        })
    }
}

/// `localhost`, the loopback addresses and the machine's LAN addresses.
pub fn local_names() -> Vec<String> {
    let mut names = vec![
        "localhost".to_string(),
        "127.0.0.1".to_string(),
        "::1".to_string(),
    ];
    names.extend(lan_addresses().iter().map(IpAddr::to_string));
    names
}

/// The machine's non-loopback addresses, each once.
pub fn lan_addresses() -> Vec<IpAddr> {
    let interfaces = if_addrs::get_if_addrs().unwrap_or_default();
    let mut addresses: Vec<IpAddr> = interfaces
        .iter()
        .filter(|i| !i.is_loopback())
        .map(|i| i.ip())
        .collect();
    addresses.sort();
    addresses.dedup();
    addresses
}

/// The SHA-256 fingerprint as browsers show it: colon-separated upper-case hex.
pub fn fingerprint(der: &[u8]) -> String {
    let digest = Sha256::digest(der);
    let hex: Vec<String> = digest.iter().map(|byte| format!("{byte:02X}")).collect();
    hex.join(":")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn self_signed_names_the_given_hosts_and_fingerprints_its_der() {
        let certificate =
            Certificate::self_signed(vec!["localhost".into(), "192.168.1.20".into()]).unwrap();
        let der = CertificateDer::from_pem_slice(&certificate.cert_pem).unwrap();
        assert_eq!(certificate.fingerprint, fingerprint(&der));
        assert_eq!(certificate.fingerprint.len(), 32 * 3 - 1);
        let key = String::from_utf8(certificate.key_pem).unwrap();
        assert!(key.starts_with("-----BEGIN PRIVATE KEY-----"));
    }

    #[test]
    fn fingerprint_of_known_bytes() {
        // printf abc | sha256sum
        assert!(fingerprint(b"abc").starts_with("BA:78:16:BF:8F:01:CF:EA"));
    }

    #[test]
    fn local_names_start_with_loopback() {
        let names = local_names();
        assert_eq!(names[..3], ["localhost", "127.0.0.1", "::1"]);
    }
}

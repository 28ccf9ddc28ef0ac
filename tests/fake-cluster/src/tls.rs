//! Certificates and the TLS server configuration: a throw-away CA and a separate leaf for
//! `127.0.0.1`/`localhost` signed by it (rustls rejects a CA used as an end entity), served by
//! rustls with the aws-lc-rs provider and ALPN `http/1.1` only (exec needs HTTP/1.1 upgrades).

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::error::Error;

/// The generated CA (PEM, for kubeconfigs) and the server configuration using its leaf.
pub struct Tls {
    /// The CA certificate in PEM.
    pub ca_pem: String,
    /// The rustls server configuration.
    pub config: Arc<rustls::ServerConfig>,
}

/// Generates a CA and a leaf certificate and builds the server configuration.
pub fn generate() -> Result<Tls, Error> {
    let certs = |source| Error::Certificates { source };
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(certs)?;
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "fake-cluster-ca");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_key = KeyPair::generate().map_err(certs)?;
    let ca_cert = ca_params.self_signed(&ca_key).map_err(certs)?;
    let issuer = Issuer::new(ca_params, ca_key);

    let mut leaf_params =
        CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
            .map_err(certs)?;
    leaf_params
        .distinguished_name
        .push(DnType::CommonName, "fake-apiserver");
    leaf_params.is_ca = IsCa::ExplicitNoCa;
    leaf_params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    leaf_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let leaf_key = KeyPair::generate().map_err(certs)?;
    let leaf_cert = leaf_params.signed_by(&leaf_key, &issuer).map_err(certs)?;

    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    let chain: Vec<CertificateDer<'static>> = vec![leaf_cert.der().clone(), ca_cert.der().clone()];
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|source| Error::Tls { source })?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|source| Error::Tls { source })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Tls {
        ca_pem: ca_cert.pem(),
        config: Arc::new(config),
    })
}

//! EF.SOD, the Document Security Object of ICAO 9303 part 10 §4.6.2: a CMS SignedData
//! (RFC 5652) whose content is an LDSSecurityObject listing the SHA-256 of every data group,
//! signed with ECDSA P-256 (ring) by a Document Signer whose certificate chains to the
//! Country Signing CA. [`verify`] is passive authentication (ICAO 9303 part 11 §5.1).

use std::str::FromStr;
use std::time::Duration;

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo};
use der::asn1::{BitString, ObjectIdentifier, OctetString, SetOfVec};
use der::{Any, Decode, Encode, Sequence};
use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, KeyPair};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use thiserror::Error;
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::BasicConstraints;
use x509_cert::ext::{AsExtension, Extension};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Validity;
use x509_cert::{Certificate, TbsCertificate};

/// EF.SOD's application tag around the ContentInfo.
pub const SOD_TAG: u8 = 0x77;

const OID_LDS_SECURITY_OBJECT: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.23.136.1.1.1");
const OID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
const OID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const OID_ECDSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const OID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const OID_P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const OID_CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
const OID_MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");

#[derive(Debug, Error)]
pub enum SodError {
    #[error("SOD rusak, tidak bisa dibaca / EF.SOD malformed: {0}")]
    Malformed(String),
    #[error("tanda tangan SOD tidak sah / SOD signature invalid")]
    BadSignature,
    #[error(
        "sertifikat penanda tangan tidak diterbitkan CSCA / document signer certificate not issued by the trusted CSCA"
    )]
    UntrustedSigner,
    #[error(
        "hash DG{0} tidak cocok: data di chip telah diubah / DG{0} hash mismatch: chip data was altered"
    )]
    HashMismatch(u8),
    #[error("DG{0} tidak tercantum di SOD / DG{0} not listed in the SOD")]
    Unlisted(u8),
    #[error(
        "DG{0} tercantum di SOD tetapi tidak ada di chip / DG{0} listed in the SOD but missing from the chip"
    )]
    MissingGroup(u8),
    #[error("kunci penanda tangan tidak valid / signing key rejected: {0}")]
    Key(String),
}

impl From<der::Error> for SodError {
    fn from(e: der::Error) -> Self {
        Self::Malformed(e.to_string())
    }
}

#[derive(Sequence)]
struct DataGroupHash {
    data_group_number: u8,
    data_group_hash_value: OctetString,
}

#[derive(Sequence)]
struct LdsSecurityObject {
    version: u8,
    hash_algorithm: AlgorithmIdentifierOwned,
    data_group_hash_values: Vec<DataGroupHash>,
}

fn alg(oid: ObjectIdentifier) -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid,
        parameters: None,
    }
}

pub fn sha256(data: &[u8]) -> [u8; 32] {
    let d = ring::digest::digest(&ring::digest::SHA256, data);
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

/// A signing key with its certificate: the CSCA (self-signed) or a Document Signer.
pub struct Signer {
    key: EcdsaKeyPair,
    pub cert: Certificate,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer").finish_non_exhaustive()
    }
}

impl Signer {
    /// A fresh CSCA: self-signed, CA, valid `years`.
    pub fn new_csca(subject: &str, years: u64) -> Result<Self, SodError> {
        new_csca_with_key(subject, years).map(|(signer, _)| signer)
    }

    /// A Document Signer certified by this CSCA.
    pub fn issue_document_signer(&self, subject: &str, years: u64) -> Result<Self, SodError> {
        issue_document_signer_with_key(self, subject, years).map(|(signer, _)| signer)
    }

    /// Rebuilds a signer from its PKCS#8 key and DER certificate (the CLI's key files).
    pub fn from_parts(pkcs8: &[u8], cert_der: &[u8]) -> Result<Self, SodError> {
        let key = EcdsaKeyPair::from_pkcs8(
            &signature::ECDSA_P256_SHA256_ASN1_SIGNING,
            pkcs8,
            &SystemRandom::new(),
        )
        .map_err(|e| SodError::Key(e.to_string()))?;
        Ok(Self {
            key,
            cert: Certificate::from_der(cert_der)?,
        })
    }

    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, SodError> {
        Ok(self
            .key
            .sign(&SystemRandom::new(), msg)
            .map_err(|e| SodError::Key(e.to_string()))?
            .as_ref()
            .to_vec())
    }
}

/// A new P-256 key as PKCS#8 (to store in a keystore file).
pub fn generate_pkcs8() -> Result<Vec<u8>, SodError> {
    Ok(EcdsaKeyPair::generate_pkcs8(
        &signature::ECDSA_P256_SHA256_ASN1_SIGNING,
        &SystemRandom::new(),
    )
    .map_err(|e| SodError::Key(e.to_string()))?
    .as_ref()
    .to_vec())
}

/// A new signer plus the PKCS#8 of its key, for persisting.
pub fn new_csca_with_key(subject: &str, years: u64) -> Result<(Signer, Vec<u8>), SodError> {
    let (key, pkcs8) = new_key()?;
    let cert = issue(&key, None, subject, key.public_key().as_ref(), years, true)?;
    Ok((Signer { key, cert }, pkcs8))
}

/// A Document Signer certified by `csca`, plus the PKCS#8 of its key.
pub fn issue_document_signer_with_key(
    csca: &Signer,
    subject: &str,
    years: u64,
) -> Result<(Signer, Vec<u8>), SodError> {
    let (key, pkcs8) = new_key()?;
    let cert = issue(
        &csca.key,
        Some(&csca.cert),
        subject,
        key.public_key().as_ref(),
        years,
        false,
    )?;
    Ok((Signer { key, cert }, pkcs8))
}

fn new_key() -> Result<(EcdsaKeyPair, Vec<u8>), SodError> {
    let pkcs8 = generate_pkcs8()?;
    let key = EcdsaKeyPair::from_pkcs8(
        &signature::ECDSA_P256_SHA256_ASN1_SIGNING,
        &pkcs8,
        &SystemRandom::new(),
    )
    .map_err(|e| SodError::Key(e.to_string()))?;
    Ok((key, pkcs8))
}

fn issue(
    issuer_key: &EcdsaKeyPair,
    issuer_cert: Option<&Certificate>,
    subject: &str,
    subject_public_key: &[u8],
    years: u64,
    ca: bool,
) -> Result<Certificate, SodError> {
    let subject = Name::from_str(subject)?;
    let issuer = issuer_cert.map_or_else(|| subject.clone(), |c| c.tbs_certificate.subject.clone());
    let serial = sha256(subject_public_key);
    let spki = SubjectPublicKeyInfoOwned {
        algorithm: AlgorithmIdentifierOwned {
            oid: OID_EC_PUBLIC_KEY,
            parameters: Some(Any::from(OID_P256.to_owned())),
        },
        subject_public_key: BitString::from_bytes(subject_public_key)?,
    };
    let constraints = BasicConstraints {
        ca,
        path_len_constraint: ca.then_some(0),
    };
    let extensions: Vec<Extension> = vec![constraints.to_extension(&subject, &[])?];
    let tbs = TbsCertificate {
        version: x509_cert::Version::V3,
        serial_number: SerialNumber::new(&serial[..8])?,
        signature: alg(OID_ECDSA_SHA256),
        issuer,
        validity: Validity::from_now(Duration::from_secs(years * 365 * 86_400))?,
        subject,
        subject_public_key_info: spki,
        issuer_unique_id: None,
        subject_unique_id: None,
        extensions: Some(extensions),
    };
    let tbs_der = tbs.to_der()?;
    let sig = issuer_key
        .sign(&SystemRandom::new(), &tbs_der)
        .map_err(|e| SodError::Key(e.to_string()))?;
    Ok(Certificate {
        tbs_certificate: tbs,
        signature_algorithm: alg(OID_ECDSA_SHA256),
        signature: BitString::from_bytes(sig.as_ref())?,
    })
}

/// Builds EF.SOD (tag 77 + ContentInfo) over `(data group number, file bytes)`.
pub fn build(groups: &[(u8, &[u8])], signer: &Signer) -> Result<Vec<u8>, SodError> {
    let lds = LdsSecurityObject {
        version: 0,
        hash_algorithm: alg(OID_SHA256),
        data_group_hash_values: groups
            .iter()
            .map(|(n, bytes)| {
                Ok(DataGroupHash {
                    data_group_number: *n,
                    data_group_hash_value: OctetString::new(sha256(bytes).to_vec())?,
                })
            })
            .collect::<Result<_, der::Error>>()?,
    };
    let econtent = lds.to_der()?;
    let signed_attrs = SetOfVec::try_from(vec![
        Attribute {
            oid: OID_CONTENT_TYPE,
            values: SetOfVec::try_from(vec![Any::from(OID_LDS_SECURITY_OBJECT.to_owned())])?,
        },
        Attribute {
            oid: OID_MESSAGE_DIGEST,
            values: SetOfVec::try_from(vec![Any::encode_from(&OctetString::new(
                sha256(&econtent).to_vec(),
            )?)?])?,
        },
    ])?;
    // RFC 5652 §5.4: the signature covers the DER of the attributes as a SET (tag 31).
    let signature = signer.sign(&signed_attrs.to_der()?)?;
    let ds = &signer.cert.tbs_certificate;
    let signer_info = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: ds.issuer.clone(),
            serial_number: ds.serial_number.clone(),
        }),
        digest_alg: alg(OID_SHA256),
        signed_attrs: Some(signed_attrs),
        signature_algorithm: alg(OID_ECDSA_SHA256),
        signature: OctetString::new(signature)?,
        unsigned_attrs: None,
    };
    let signed = SignedData {
        version: CmsVersion::V3,
        digest_algorithms: SetOfVec::try_from(vec![alg(OID_SHA256)])?,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: OID_LDS_SECURITY_OBJECT,
            econtent: Some(Any::encode_from(&OctetString::new(econtent)?)?),
        },
        certificates: Some(vec![CertificateChoices::Certificate(signer.cert.clone())].try_into()?),
        crls: None,
        signer_infos: vec![signer_info].try_into()?,
    };
    let info = ContentInfo {
        content_type: OID_SIGNED_DATA,
        content: Any::encode_from(&signed)?,
    };
    let der = info.to_der()?;
    let mut out = vec![SOD_TAG];
    super::tlv::encode_length(der.len(), &mut out);
    out.extend(der);
    Ok(out)
}

/// What passive authentication proved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub signer_subject: String,
    pub groups: Vec<u8>,
}

/// Passive authentication: the DS certificate chains to `csca`, the SOD signature is valid, and
/// every present data group hashes to the value in the SOD (and no listed group is missing).
pub fn verify(
    sod: &[u8],
    groups: &[(u8, &[u8])],
    csca: &Certificate,
) -> Result<Verified, SodError> {
    let der = strip_tag(sod)?;
    let info = ContentInfo::from_der(der)?;
    if info.content_type != OID_SIGNED_DATA {
        return Err(SodError::Malformed("not a SignedData".into()));
    }
    let signed: SignedData = info.content.decode_as()?;
    let ds = signed
        .certificates
        .as_ref()
        .and_then(|set| {
            set.0.iter().find_map(|c| {
                if let CertificateChoices::Certificate(c) = c {
                    Some(c)
                } else {
                    None
                }
            })
        })
        .ok_or_else(|| SodError::Malformed("no document signer certificate".into()))?;
    check_issued_by(ds, csca)?;

    let econtent = signed
        .encap_content_info
        .econtent
        .as_ref()
        .ok_or_else(|| SodError::Malformed("no content".into()))?
        .decode_as::<OctetString>()?;
    let si = signed
        .signer_infos
        .0
        .iter()
        .next()
        .ok_or_else(|| SodError::Malformed("no signer".into()))?;
    let attrs = si
        .signed_attrs
        .as_ref()
        .ok_or_else(|| SodError::Malformed("no signed attributes".into()))?;
    let digest = attrs
        .iter()
        .find(|a| a.oid == OID_MESSAGE_DIGEST)
        .and_then(|a| a.values.iter().next())
        .ok_or_else(|| SodError::Malformed("no message digest".into()))?
        .decode_as::<OctetString>()?;
    public_key_of(ds)
        .verify(&attrs.to_der()?, si.signature.as_bytes())
        .map_err(|_| SodError::BadSignature)?;
    if digest.as_bytes() != sha256(econtent.as_bytes()) {
        return Err(SodError::BadSignature);
    }

    let lds = LdsSecurityObject::from_der(econtent.as_bytes())?;
    for (n, bytes) in groups {
        let listed = lds
            .data_group_hash_values
            .iter()
            .find(|h| h.data_group_number == *n)
            .ok_or(SodError::Unlisted(*n))?;
        if listed.data_group_hash_value.as_bytes() != sha256(bytes) {
            return Err(SodError::HashMismatch(*n));
        }
    }
    if let Some(missing) = lds
        .data_group_hash_values
        .iter()
        .find(|h| !groups.iter().any(|(n, _)| *n == h.data_group_number))
    {
        return Err(SodError::MissingGroup(missing.data_group_number));
    }
    Ok(Verified {
        signer_subject: ds.tbs_certificate.subject.to_string(),
        groups: lds
            .data_group_hash_values
            .iter()
            .map(|h| h.data_group_number)
            .collect(),
    })
}

/// The ContentInfo inside EF.SOD's tag 77.
fn strip_tag(sod: &[u8]) -> Result<&[u8], SodError> {
    let (tag, total) =
        super::tlv::peek_header(sod).map_err(|e| SodError::Malformed(e.to_string()))?;
    let header = match sod.get(1) {
        Some(b) if *b < 0x80 => 2,
        Some(b) => 2 + usize::from(b & 0x7F),
        None => 0,
    };
    if tag != u32::from(SOD_TAG) || total > sod.len() || header == 0 {
        return Err(SodError::Malformed("EF.SOD tag".into()));
    }
    Ok(&sod[header..total])
}

fn public_key_of(cert: &Certificate) -> signature::UnparsedPublicKey<Vec<u8>> {
    let key = cert
        .tbs_certificate
        .subject_public_key_info
        .subject_public_key
        .raw_bytes()
        .to_vec();
    signature::UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_ASN1, key)
}

/// `cert` was signed by `csca`'s key, names it as issuer, and the CSCA is a CA.
pub fn check_issued_by(cert: &Certificate, csca: &Certificate) -> Result<(), SodError> {
    if cert.tbs_certificate.issuer != csca.tbs_certificate.subject {
        return Err(SodError::UntrustedSigner);
    }
    let is_ca = csca
        .tbs_certificate
        .get::<BasicConstraints>()
        .ok()
        .flatten()
        .is_some_and(|(_, bc)| bc.ca);
    if !is_ca {
        return Err(SodError::UntrustedSigner);
    }
    let sig = cert.signature.as_bytes().ok_or(SodError::UntrustedSigner)?;
    public_key_of(csca)
        .verify(&cert.tbs_certificate.to_der()?, sig)
        .map_err(|_| SodError::UntrustedSigner)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pki() -> (Signer, Signer) {
        let csca = Signer::new_csca("CN=CSCA Uji,O=Rekam,C=ID", 10).unwrap();
        let ds = csca
            .issue_document_signer("CN=DS Uji,O=Rekam,C=ID", 3)
            .unwrap();
        (csca, ds)
    }

    #[test]
    fn signed_sod_verifies_and_any_altered_group_is_named() {
        let (csca, ds) = pki();
        let dg1 = b"biodata".to_vec();
        let dg2 = vec![7u8; 3000];
        let sod = build(&[(1, &dg1), (2, &dg2)], &ds).unwrap();
        assert_eq!(sod[0], SOD_TAG);
        let ok = verify(&sod, &[(1, &dg1), (2, &dg2)], &csca.cert).unwrap();
        assert_eq!(ok.groups, vec![1, 2]);
        assert!(ok.signer_subject.contains("DS Uji"));

        let mut tampered = dg2.clone();
        tampered[100] ^= 1;
        assert!(matches!(
            verify(&sod, &[(1, &dg1), (2, &tampered)], &csca.cert),
            Err(SodError::HashMismatch(2))
        ));
        assert!(matches!(
            verify(&sod, &[(1, &dg1)], &csca.cert),
            Err(SodError::MissingGroup(2))
        ));
        assert!(matches!(
            verify(&sod, &[(1, &dg1), (2, &dg2), (3, b"x")], &csca.cert),
            Err(SodError::Unlisted(3))
        ));
    }

    #[test]
    fn a_signer_from_another_csca_or_a_flipped_signature_is_rejected() {
        let (csca, ds) = pki();
        let (other, _) = pki();
        let dg1 = b"biodata".to_vec();
        let sod = build(&[(1, &dg1)], &ds).unwrap();
        assert!(matches!(
            verify(&sod, &[(1, &dg1)], &other.cert),
            Err(SodError::UntrustedSigner)
        ));
        // Flip a byte near the end (inside the signature value).
        let mut bad = sod.clone();
        let n = bad.len();
        bad[n - 5] ^= 0x01;
        assert!(verify(&bad, &[(1, &dg1)], &csca.cert).is_err());
        assert!(verify(&sod[..sod.len() / 2], &[(1, &dg1)], &csca.cert).is_err());
    }
}

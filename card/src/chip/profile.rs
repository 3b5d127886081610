//! The chip profile: which files a card holds and how an applicant becomes their bytes. The real
//! KTP-el file map and keys are not public, so [`OpenProfile`] follows ICAO 9303's LDS with the
//! KTP-el content; a vendor profile implements [`ChipProfile`] and nothing else changes.

use biometrics::{FingerPosition, Template};
use image::{GrayImage, RgbImage};
use thiserror::Error;
use x509_cert::Certificate;

use super::dg::{self, Biodata, DgError};
use super::sod::{self, Signer, SodError, Verified};

#[derive(Debug, Error)]
pub enum ProfileError {
    #[error(transparent)]
    Dg(#[from] DgError),
    #[error(transparent)]
    Sod(#[from] SodError),
    #[error(
        "data melebihi kapasitas chip ({need} > {budget} byte) / data exceeds chip capacity ({need} > {budget} bytes)"
    )]
    OverBudget { need: usize, budget: usize },
    #[error("file {0:04X} tidak ada di chip / file {0:04X} missing from the chip")]
    MissingFile(u16),
}

/// Everything the chip needs about one applicant. Debug hides the biometrics.
#[derive(Clone)]
pub struct Applicant {
    pub biodata: Biodata,
    pub face: RgbImage,
    pub signature: GrayImage,
    /// All captured fingers; the profile picks the two for the chip.
    pub fingers: Vec<Template>,
}

impl std::fmt::Debug for Applicant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Applicant")
            .field("biodata", &self.biodata)
            .field("fingers", &self.fingers.len())
            .finish_non_exhaustive()
    }
}

/// One elementary file: its FID and its exact content.
#[derive(Clone, PartialEq, Eq)]
pub struct ChipFile {
    pub fid: u16,
    pub name: &'static str,
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for ChipFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}({:04X}, {} B)", self.name, self.fid, self.bytes.len())
    }
}

/// What the encoder chose to fit the budget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodeReport {
    pub budget: usize,
    pub total: usize,
    pub face_quality: u8,
    pub face_size: (u32, u32),
    pub face_bytes: usize,
    pub signature_quality: u8,
    pub signature_size: (u32, u32),
    pub signature_bytes: usize,
    pub fingers: [FingerPosition; 2],
    /// True when an index finger was replaced by the best other finger.
    pub finger_fallback: bool,
}

/// One line for the technician (Bahasa Indonesia / English), as the `ktp-card` tool prints it.
impl std::fmt::Display for EncodeReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} byte dari / of {} — foto / face {}x{} JPEG q{} ({} B), tanda tangan / signature {}x{} q{} ({} B), jari / fingers {:?}",
            self.total,
            self.budget,
            self.face_size.0,
            self.face_size.1,
            self.face_quality,
            self.face_bytes,
            self.signature_size.0,
            self.signature_size.1,
            self.signature_quality,
            self.signature_bytes,
            self.fingers,
        )?;
        if self.finger_fallback {
            write!(f, " (cadangan dua jari terbaik / best-two fallback)")?;
        }
        Ok(())
    }
}

/// The files of one card, in write order (the SOD last: a card with a valid SOD is complete).
#[derive(Debug, Clone)]
pub struct ChipImage {
    pub files: Vec<ChipFile>,
    pub report: EncodeReport,
}

impl ChipImage {
    pub fn total_bytes(&self) -> usize {
        self.files.iter().map(|f| f.bytes.len()).sum()
    }
}

/// A card layout: application, files, encoding and passive authentication.
pub trait ChipProfile {
    fn name(&self) -> &'static str;
    /// The application to SELECT by AID.
    fn aid(&self) -> &[u8];
    /// Every FID the profile may write, in write order.
    fn file_ids(&self) -> &[u16];
    /// The applicant's files within `budget` bytes, signed by the document signer.
    fn encode(
        &self,
        applicant: &Applicant,
        signer: &Signer,
        budget: usize,
    ) -> Result<ChipImage, ProfileError>;
    /// Passive authentication of files read back from a card.
    fn verify(&self, files: &[ChipFile], csca: &Certificate) -> Result<Verified, ProfileError>;
}

pub const FID_COM: u16 = 0x011E;
pub const FID_DG1: u16 = 0x0101;
pub const FID_DG2: u16 = 0x0102;
pub const FID_DG3: u16 = 0x0103;
pub const FID_DG7: u16 = 0x0107;
pub const FID_SOD: u16 = 0x011D;

/// Rekam's open KTP-el profile: AID in the proprietary F0 range ("REKAMKTP").
pub const OPEN_AID: &[u8] = &[0xF0, 0x52, 0x45, 0x4B, 0x41, 0x4D, 0x4B, 0x54, 0x50];

/// Share of the space left after the fixed files that the signature may take (the face gets the rest).
const SIGNATURE_SHARE: f32 = 0.2;

#[derive(Debug, Clone, Copy, Default)]
pub struct OpenProfile;

fn dg_number(fid: u16) -> Option<u8> {
    match fid {
        FID_DG1 | FID_DG2 | FID_DG3 | FID_DG7 => Some((fid & 0xFF) as u8),
        _ => None,
    }
}

impl ChipProfile for OpenProfile {
    fn name(&self) -> &'static str {
        "rekam-open-ktp-el/1"
    }

    fn aid(&self) -> &[u8] {
        OPEN_AID
    }

    fn file_ids(&self) -> &[u16] {
        &[FID_DG1, FID_DG2, FID_DG3, FID_DG7, FID_COM, FID_SOD]
    }

    fn encode(
        &self,
        applicant: &Applicant,
        signer: &Signer,
        budget: usize,
    ) -> Result<ChipImage, ProfileError> {
        let dg1 = dg::encode_dg1(&applicant.biodata)?;
        let ([f1, f2], finger_fallback) = dg::choose_fingers(&applicant.fingers)?;
        let dg3 = dg::encode_dg3([f1, f2]);
        let com = dg::encode_com(&[dg::TAG_DG1, dg::TAG_DG2, dg::TAG_DG3, dg::TAG_DG7]);
        // The SOD's size does not depend on the hashed bytes (ECDSA signatures vary by ≤ 2 bytes).
        let sod_estimate = sod::build(&[(1, &[]), (2, &[]), (3, &[]), (7, &[])], signer)?.len() + 4;
        let fixed = dg1.len() + dg3.len() + com.len() + sod_estimate;
        // TLV headers around the images: DG2 = 75/7F61/02/7F60/A1/5F2E + 46-byte face record header.
        let (dg2_overhead, dg7_overhead) = (46 + 40, 12);
        let images = budget
            .checked_sub(fixed + dg2_overhead + dg7_overhead)
            .ok_or(ProfileError::OverBudget {
                need: fixed,
                budget,
            })?;

        let sig_budget = (images as f32 * SIGNATURE_SHARE) as usize;
        let (sig_jpeg, signature_quality, signature_size) =
            dg::jpeg_to_fit(&dg::signature_image(&applicant.signature), sig_budget, 60)?;
        let face_budget = images - sig_jpeg.len();
        let (face_jpeg, face_quality, face_size) =
            dg::jpeg_to_fit(&dg::face_image(&applicant.face), face_budget, 60)?;
        let (face_bytes, signature_bytes) = (face_jpeg.len(), sig_jpeg.len());
        let dg2 = dg::encode_dg2(dg::face_record(&face_jpeg, face_size.0, face_size.1));
        let dg7 = dg::encode_dg7(sig_jpeg);

        let sod = sod::build(&[(1, &dg1), (2, &dg2), (3, &dg3), (7, &dg7)], signer)?;
        let files = vec![
            ChipFile {
                fid: FID_DG1,
                name: "DG1",
                bytes: dg1,
            },
            ChipFile {
                fid: FID_DG2,
                name: "DG2",
                bytes: dg2,
            },
            ChipFile {
                fid: FID_DG3,
                name: "DG3",
                bytes: dg3,
            },
            ChipFile {
                fid: FID_DG7,
                name: "DG7",
                bytes: dg7,
            },
            ChipFile {
                fid: FID_COM,
                name: "EF.COM",
                bytes: com,
            },
            ChipFile {
                fid: FID_SOD,
                name: "EF.SOD",
                bytes: sod,
            },
        ];
        let total = files.iter().map(|f| f.bytes.len()).sum();
        if total > budget {
            return Err(ProfileError::OverBudget {
                need: total,
                budget,
            });
        }
        Ok(ChipImage {
            files,
            report: EncodeReport {
                budget,
                total,
                face_quality,
                face_size,
                face_bytes,
                signature_quality,
                signature_size,
                signature_bytes,
                fingers: [f1.position, f2.position],
                finger_fallback,
            },
        })
    }

    fn verify(&self, files: &[ChipFile], csca: &Certificate) -> Result<Verified, ProfileError> {
        let sod = files
            .iter()
            .find(|f| f.fid == FID_SOD)
            .ok_or(ProfileError::MissingFile(FID_SOD))?;
        let com = files
            .iter()
            .find(|f| f.fid == FID_COM)
            .ok_or(ProfileError::MissingFile(FID_COM))?;
        let listed = dg::decode_com(&com.bytes)?;
        let groups: Vec<(u8, &[u8])> = files
            .iter()
            .filter_map(|f| dg_number(f.fid).map(|n| (n, f.bytes.as_slice())))
            .collect();
        for tag in listed {
            let fid = match tag {
                dg::TAG_DG1 => FID_DG1,
                dg::TAG_DG2 => FID_DG2,
                dg::TAG_DG3 => FID_DG3,
                _ => FID_DG7,
            };
            if !files.iter().any(|f| f.fid == fid) {
                return Err(ProfileError::MissingFile(fid));
            }
        }
        // The hashes prove integrity; parsing proves the groups are well-formed for readers.
        let verified = sod::verify(&sod.bytes, &groups, csca)?;
        for f in files {
            match f.fid {
                FID_DG1 => drop(dg::decode_dg1(&f.bytes)?),
                FID_DG2 => drop(dg::face_jpeg(&f.bytes)?),
                FID_DG3 => drop(dg::decode_dg3(&f.bytes)?),
                _ => {}
            }
        }
        Ok(verified)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chip::demo;

    fn pki() -> (Signer, Signer) {
        let csca = Signer::new_csca("CN=CSCA Uji,C=ID", 10).unwrap();
        let ds = csca.issue_document_signer("CN=DS Uji,C=ID", 3).unwrap();
        (csca, ds)
    }

    #[test]
    fn demo_applicant_fits_8k_and_verifies_and_smaller_budgets_lower_quality() {
        let (csca, ds) = pki();
        let image = OpenProfile.encode(&demo::applicant(), &ds, 8192).unwrap();
        let r = &image.report;
        assert!(image.total_bytes() <= 8192 && r.total == image.total_bytes());
        assert!(
            r.total > 7000,
            "the budget is used for image quality, got {}",
            r.total
        );
        assert_eq!(
            r.fingers,
            [FingerPosition::RightIndex, FingerPosition::LeftIndex]
        );
        assert_eq!(image.files.last().map(|f| f.fid), Some(FID_SOD));
        OpenProfile.verify(&image.files, &csca.cert).unwrap();

        let small = OpenProfile.encode(&demo::applicant(), &ds, 5000).unwrap();
        assert!(small.total_bytes() <= 5000);
        assert!(
            small.report.face_quality < r.face_quality || small.report.face_size.0 < r.face_size.0
        );
        assert!(matches!(
            OpenProfile.encode(&demo::applicant(), &ds, 1200),
            Err(ProfileError::OverBudget { .. })
        ));
    }

    #[test]
    fn the_report_line_gives_every_choice_and_says_when_fingers_fell_back() {
        let report = EncodeReport {
            budget: 8192,
            total: 7801,
            face_quality: 62,
            face_size: (240, 320),
            face_bytes: 5120,
            signature_quality: 40,
            signature_size: (300, 100),
            signature_bytes: 900,
            fingers: [FingerPosition::RightIndex, FingerPosition::LeftThumb],
            finger_fallback: false,
        };
        let line = report.to_string();
        for part in [
            "7801 byte dari / of 8192",
            "240x320 JPEG q62 (5120 B)",
            "300x100 q40 (900 B)",
            "[RightIndex, LeftThumb]",
        ] {
            assert!(line.contains(part), "{part:?} missing from {line:?}");
        }
        assert!(!line.contains("cadangan"));
        let fallback = EncodeReport {
            finger_fallback: true,
            ..report
        };
        assert!(
            fallback
                .to_string()
                .ends_with("(cadangan dua jari terbaik / best-two fallback)")
        );
    }

    #[test]
    fn tampered_or_missing_group_fails_passive_authentication() {
        let (csca, ds) = pki();
        let image = OpenProfile.encode(&demo::applicant(), &ds, 8192).unwrap();
        let mut files = image.files.clone();
        files[0].bytes[10] ^= 0x20; // a letter of the NIK/name in DG1
        let err = OpenProfile.verify(&files, &csca.cert).unwrap_err();
        assert!(
            matches!(err, ProfileError::Sod(SodError::HashMismatch(1))),
            "{err}"
        );
        assert!(err.to_string().contains("DG1"));
        let without_dg3: Vec<ChipFile> = image
            .files
            .iter()
            .filter(|f| f.fid != FID_DG3)
            .cloned()
            .collect();
        assert!(matches!(
            OpenProfile.verify(&without_dg3, &csca.cert),
            Err(ProfileError::MissingFile(FID_DG3))
        ));
    }
}

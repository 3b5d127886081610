//! `ktp-card`: the technician's chip tool and the virtual cards for demos.
//!
//! ```text
//! ktp-card readers
//! ktp-card pki DIR                                  test CSCA + document signer into DIR
//! ktp-card virtual [--slot 1] [--state FILE] [--capacity 8192] [--tear-at K]
//!                  [--corrupt-at K] [--delay-ms D]  a virtual KTP-el chip in a vpcd slot
//! ktp-card sam [--slot 0]                           a virtual SAM in a vpcd slot
//! ktp-card encode --pki DIR [--reader R] [--sam-reader R] [--budget 8192]
//!                                                   personalize the demo applicant
//! ktp-card read --pki DIR [--reader R]              card state + passive authentication
//! ```

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use card::chip::engine::{self, CardState, Config, Personalizer};
use card::chip::keys::{self, KeyBackend, SamBackend, SoftwareKeystore, VirtualSam};
use card::chip::profile::{ChipProfile, OPEN_AID, OpenProfile};
use card::chip::sod::{self, Signer};
use card::chip::virtual_chip::{Faults, VirtualChip};
use card::chip::{demo, dg};
use card::reader::{self, CardConnection};
use card::vpcd;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("galat / error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn opt<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.windows(2)
        .find(|w| w[0] == name)
        .map(|w| w[1].as_str())
}

fn num<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> Result<T> {
    match opt(args, name) {
        None => Ok(default),
        Some(v) => v
            .parse()
            .map_err(|_| format!("{name}: bukan angka / not a number: {v}").into()),
    }
}

fn run(args: &[String]) -> Result<()> {
    let reader_name = opt(args, "--reader")
        .unwrap_or("Virtual PCD 00 01")
        .to_owned();
    match args.first().map(String::as_str) {
        Some("readers") => {
            for r in reader::list_readers()? {
                println!("{r}");
            }
            Ok(())
        }
        Some("pki") => {
            let dir = PathBuf::from(args.get(1).ok_or("pki DIR")?);
            make_pki(&dir)
        }
        Some("virtual") => serve_chip(args),
        Some("sam") => {
            let slot = num(args, "--slot", 0u16)?;
            let mut sam = VirtualSam::new(keys::development_master());
            println!("SAM virtual di slot {slot} / virtual SAM in slot {slot}");
            vpcd::serve(slot, &mut sam)?;
            Ok(())
        }
        Some("encode") => encode(args, &reader_name),
        Some("read") => read(args, &reader_name),
        _ => Err("perintah: readers | pki | virtual | sam | encode | read (lihat --help di sumber) / commands: readers | pki | virtual | sam | encode | read".into()),
    }
}

fn make_pki(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    let (csca, csca_key) = sod::new_csca_with_key("CN=CSCA Rekam Uji,O=Rekam,C=ID", 10)?;
    let (ds, ds_key) =
        sod::issue_document_signer_with_key(&csca, "CN=DS Rekam Uji,O=Rekam,C=ID", 3)?;
    use der::Encode;
    std::fs::write(dir.join("csca.der"), csca.cert.to_der()?)?;
    std::fs::write(dir.join("csca.pk8"), csca_key)?;
    std::fs::write(dir.join("ds.der"), ds.cert.to_der()?)?;
    std::fs::write(dir.join("ds.pk8"), ds_key)?;
    println!(
        "CSCA dan DS uji dibuat di / test CSCA and DS written to {}",
        dir.display()
    );
    Ok(())
}

fn load_pki(args: &[String]) -> Result<(x509_cert::Certificate, Signer)> {
    use der::Decode;
    let dir = PathBuf::from(
        opt(args, "--pki").ok_or("--pki DIR (buat dengan / create with: ktp-card pki DIR)")?,
    );
    let csca = x509_cert::Certificate::from_der(&std::fs::read(dir.join("csca.der"))?)?;
    let ds = Signer::from_parts(
        &std::fs::read(dir.join("ds.pk8"))?,
        &std::fs::read(dir.join("ds.der"))?,
    )?;
    Ok((csca, ds))
}

fn serve_chip(args: &[String]) -> Result<()> {
    let slot = num(args, "--slot", 1u16)?;
    let capacity = num(args, "--capacity", 8192usize)?;
    let serial = {
        let mut s = [0u8; 10];
        s[..8].copy_from_slice(&std::process::id().to_be_bytes().repeat(2));
        s
    };
    let mut chip =
        VirtualChip::manufacture(OPEN_AID, serial, &keys::development_master(), capacity);
    if let Some(path) = opt(args, "--state") {
        chip = chip.persist_to(Path::new(path))?;
    }
    chip.faults = Faults {
        tear_at: opt(args, "--tear-at").map(str::parse).transpose()?,
        corrupt_at: opt(args, "--corrupt-at").map(str::parse).transpose()?,
        delay: Duration::from_millis(num(args, "--delay-ms", 0u64)?),
    };
    println!(
        "chip KTP-el virtual di slot {slot}, siklus hidup 0x{:02X} / virtual KTP-el chip in slot {slot}, life cycle 0x{:02X}",
        chip.lifecycle(),
        chip.lifecycle()
    );
    vpcd::serve(slot, &mut chip)?;
    println!("kartu dicabut / card removed (torn: {})", chip.is_torn());
    Ok(())
}

fn encode(args: &[String], reader_name: &str) -> Result<()> {
    let (csca, ds) = load_pki(args)?;
    let budget = num(args, "--budget", 8192usize)?;
    let image = OpenProfile.encode(&demo::applicant(), &ds, budget)?;
    println!("rencana / plan: {}", image.report);
    let mut keys: Box<dyn KeyBackend> = match opt(args, "--sam-reader") {
        Some(sam) => Box::new(SamBackend::new(CardConnection::wait_and_connect_exclusive(
            sam,
            Duration::from_secs(10),
        )?)),
        None => Box::new(SoftwareKeystore::new(keys::development_master())),
    };
    let mut card =
        CardConnection::wait_and_connect_exclusive(reader_name, Duration::from_secs(30))?;
    let mut e = Personalizer::new(
        &OpenProfile,
        &csca,
        image.files,
        Config::default(),
        engine::host_challenge()?,
    );
    let out = engine::run(&mut e, &mut card, keys.as_mut())?;
    println!(
        "selesai dan terkunci / done and locked: {} APDU, {} B ditulis / written, {} B dibaca / read, {} potongan dipertahankan / chunks kept; ditandatangani / signed by {}",
        out.apdus, out.bytes_written, out.bytes_read, out.chunks_kept, out.verified.signer_subject
    );
    Ok(())
}

fn read(args: &[String], reader_name: &str) -> Result<()> {
    let (csca, _) = load_pki(args)?;
    let mut card = CardConnection::wait_and_connect(reader_name, Duration::from_secs(30))?;
    let (state, files) = engine::inspect(&mut card, &OpenProfile, &csca)?;
    match &state {
        CardState::Blank => println!("kartu kosong / blank card"),
        CardState::Partial { files, reason } => {
            println!("tertulis sebagian / partially written: file {files:04X?} — {reason}")
        }
        CardState::CompleteUnlocked(v) => println!(
            "lengkap, belum dikunci / complete, not locked: DG {:?} sah / valid",
            v.groups
        ),
        CardState::Locked {
            verification: Ok(v),
        } => {
            println!(
                "terkunci, autentikasi pasif SAH / locked, passive authentication VALID: DG {:?}, {}",
                v.groups, v.signer_subject
            )
        }
        CardState::Locked {
            verification: Err(e),
        } => println!(
            "terkunci, autentikasi pasif GAGAL / locked, passive authentication FAILED: {e}"
        ),
    }
    if let Some(dg1) = files
        .iter()
        .find(|f| f.name == "DG1")
        .and_then(|f| dg::decode_dg1(&f.bytes).ok())
    {
        println!("NIK {} — {}", identity::mask(&dg1.nik), dg1.kab_kota);
    }
    if matches!(
        state,
        CardState::Locked {
            verification: Err(_)
        }
    ) {
        return Err("autentikasi pasif gagal / passive authentication failed".into());
    }
    Ok(())
}

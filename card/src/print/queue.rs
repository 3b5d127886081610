//! The station's print queue: SQLite-backed, ordered, and safe across crashes.
//!
//! Every document gets a row in submission order. Each attempt to print it has a job name that
//! is unique for ever (`<queue id>-<seq>-a<attempt>`), written to the database *before* the
//! Print-Job request is sent. After a crash the queue therefore knows, for the job at the head:
//!
//! | state in the database | what [`PrintQueue::pump`] does                                     |
//! |-----------------------|--------------------------------------------------------------------|
//! | `queued`              | records a new attempt name, then submits                          |
//! | `submitting`          | asks CUPS for a job with that name: adopts it, or submits again   |
//! | `printing` (IPP id)   | polls that job: completed → `done`; aborted/gone → `failed`        |
//! | `failed`              | waits for the operator: [`PrintQueue::retry`] or [`PrintQueue::cancel`] |
//!
//! A name is only ever submitted when CUPS has no job of that name, so no card is printed
//! twice; a row leaves the queue only as `done` or `canceled`, so none is dropped. The head
//! blocks the queue while it is not finished, which keeps the order of cards.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};
use thiserror::Error;

use super::cups::{CupsPrinter, DocFormat, JobInfo, PrinterStatus};
use super::reasons::{PrinterNotice, notices};
use crate::printer::{JobState, PrinterError};

/// What the queue needs from a printer. [`CupsPrinter`] is the implementation; the trait is
/// the seam between the queue's decisions and IPP.
pub trait PrintBackend {
    fn submit(
        &self,
        job_name: &str,
        format: DocFormat,
        media: &str,
        document: Vec<u8>,
    ) -> Result<i32, PrinterError>;
    fn job(&self, id: i32) -> Result<Option<JobInfo>, PrinterError>;
    fn jobs_named(&self, name: &str) -> Result<Vec<JobInfo>, PrinterError>;
    fn cancel(&self, id: i32) -> Result<(), PrinterError>;
    fn status(&self) -> Result<Option<PrinterStatus>, PrinterError>;
}

impl PrintBackend for CupsPrinter {
    fn submit(
        &self,
        job_name: &str,
        format: DocFormat,
        media: &str,
        document: Vec<u8>,
    ) -> Result<i32, PrinterError> {
        CupsPrinter::submit(self, job_name, format, media, document)
    }
    fn job(&self, id: i32) -> Result<Option<JobInfo>, PrinterError> {
        CupsPrinter::job(self, id)
    }
    fn jobs_named(&self, name: &str) -> Result<Vec<JobInfo>, PrinterError> {
        CupsPrinter::jobs_named(self, name)
    }
    fn cancel(&self, id: i32) -> Result<(), PrinterError> {
        CupsPrinter::cancel(self, id)
    }
    fn status(&self) -> Result<Option<PrinterStatus>, PrinterError> {
        CupsPrinter::status(self)
    }
}

#[derive(Debug, Error)]
pub enum QueueError {
    #[error("Basis data antrean cetak / Print queue database: {0}")]
    Db(#[from] rusqlite::Error),
    #[error("Pekerjaan cetak {0} tidak ada / No print job {0}")]
    NoSuchJob(i64),
    #[error(
        "Pekerjaan cetak {seq} berstatus {state}, tidak dapat {action} / Print job {seq} is \
         {state}; cannot {action}"
    )]
    WrongState {
        seq: i64,
        state: &'static str,
        action: &'static str,
    },
    #[error("Printer: {0}")]
    Printer(#[from] PrinterError),
    #[error("Data antrean rusak / Corrupt queue row: {0}")]
    Corrupt(String),
}

/// Where one queued document stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobStatus {
    /// Waiting for its turn (or for a retry to be sent).
    Queued,
    /// Attempt named `name` is being handed to CUPS; its id is not known yet.
    Submitting {
        name: String,
    },
    /// CUPS has it as job `ipp_id`; `notices` say what blocks it, if anything.
    Printing {
        ipp_id: i32,
        state: JobState,
        notices: Vec<PrinterNotice>,
    },
    Done {
        ipp_id: i32,
    },
    /// The attempt ended without printing; the operator decides (retry or cancel).
    Failed {
        reason: String,
    },
    Canceled,
}

impl JobStatus {
    fn tag(&self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Submitting { .. } => "submitting",
            JobStatus::Printing { .. } => "printing",
            JobStatus::Done { .. } => "done",
            JobStatus::Failed { .. } => "failed",
            JobStatus::Canceled => "canceled",
        }
    }

    pub fn is_final(&self) -> bool {
        matches!(self, JobStatus::Done { .. } | JobStatus::Canceled)
    }
}

/// A row of the queue as the station shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedJob {
    pub seq: i64,
    pub kind: String,
    pub attempts: u32,
    pub status: JobStatus,
}

pub struct PrintQueue {
    db: Connection,
    queue_id: String,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS print_jobs (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    kind       TEXT    NOT NULL,
    format     TEXT    NOT NULL,
    media      TEXT    NOT NULL,
    document   BLOB    NOT NULL,
    state      TEXT    NOT NULL DEFAULT 'queued'
               CHECK (state IN ('queued','submitting','printing','done','failed','canceled')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    job_name   TEXT,
    ipp_id     INTEGER,
    last_error TEXT,
    reprint_of INTEGER REFERENCES print_jobs(seq)
);
CREATE INDEX IF NOT EXISTS print_jobs_open ON print_jobs(state) WHERE state NOT IN ('done','canceled');
";

impl PrintQueue {
    /// Opens (or creates) the queue in the SQLite file at `path`.
    pub fn open(path: &Path) -> Result<Self, QueueError> {
        let db = Connection::open(path)?;
        db.pragma_update(None, "journal_mode", "WAL")?;
        db.pragma_update(None, "synchronous", "FULL")?;
        db.execute_batch(SCHEMA)?;
        let queue_id = Self::queue_id(&db)?;
        Ok(Self { db, queue_id })
    }

    /// A random id made once per database, so job names never repeat across stations or a
    /// recreated database (CUPS keeps job history).
    fn queue_id(db: &Connection) -> Result<String, QueueError> {
        if let Some(id) = db
            .query_row("SELECT value FROM meta WHERE key = 'queue_id'", [], |r| {
                r.get::<_, String>(0)
            })
            .optional()?
        {
            return Ok(id);
        }
        let random: i64 = db.query_row("SELECT random()", [], |r| r.get(0))?;
        let id = format!("rekam{:012x}", (random as u64) & 0xffff_ffff_ffff);
        db.execute(
            "INSERT INTO meta (key, value) VALUES ('queue_id', ?1)",
            [&id],
        )?;
        Ok(id)
    }

    /// Adds a document at the end of the queue; returns its sequence number.
    pub fn enqueue(
        &self,
        kind: &str,
        format: DocFormat,
        media: &str,
        document: &[u8],
    ) -> Result<i64, QueueError> {
        self.db.execute(
            "INSERT INTO print_jobs (kind, format, media, document) VALUES (?1, ?2, ?3, ?4)",
            params![kind, format.as_str(), media, document],
        )?;
        Ok(self.db.last_insert_rowid())
    }

    /// Prints a finished document again as a new job at the end of the queue.
    pub fn reprint(&self, seq: i64) -> Result<i64, QueueError> {
        let state = self.state_tag(seq)?;
        if state != "done" {
            return Err(QueueError::WrongState {
                seq,
                state: static_tag(&state),
                action: "cetak ulang / reprint",
            });
        }
        self.db.execute(
            "INSERT INTO print_jobs (kind, format, media, document, reprint_of)
             SELECT kind, format, media, document, seq FROM print_jobs WHERE seq = ?1",
            [seq],
        )?;
        Ok(self.db.last_insert_rowid())
    }

    /// Sends a failed job again (as a new attempt with a new name).
    pub fn retry(&self, seq: i64) -> Result<(), QueueError> {
        let state = self.state_tag(seq)?;
        if state != "failed" {
            return Err(QueueError::WrongState {
                seq,
                state: static_tag(&state),
                action: "ulangi / retry",
            });
        }
        self.set_state(seq, "queued", None, None)?;
        Ok(())
    }

    /// Cancels a job that has not finished; a job CUPS already holds is canceled there first.
    pub fn cancel(&self, seq: i64, printer: &dyn PrintBackend) -> Result<(), QueueError> {
        let row = self.row(seq)?;
        if row.state == "done" || row.state == "canceled" {
            return Err(QueueError::WrongState {
                seq,
                state: static_tag(&row.state),
                action: "batalkan / cancel",
            });
        }
        if let Some(id) = row.ipp_id
            && let Err(e) = printer.cancel(id)
            // A job CUPS no longer has needs no canceling; anything else stays visible.
            && printer.job(id).ok().flatten().is_some()
        {
            self.note_error(seq, &e.to_string())?;
            return Err(QueueError::Printer(e));
        }
        self.set_state(seq, "canceled", row.ipp_id, row.last_error.as_deref())?;
        Ok(())
    }

    /// Moves the head of the queue one step; returns its status (or `None` when empty).
    /// Call it periodically; it only blocks for the IPP round trips it makes.
    pub fn pump(&self, printer: &dyn PrintBackend) -> Result<Option<QueuedJob>, QueueError> {
        let Some(seq) = self.head()? else {
            return Ok(None);
        };
        let row = self.row(seq)?;
        match row.state.as_str() {
            "queued" => self.start_attempt(&row, printer)?,
            "submitting" => self.reconcile(&row, printer)?,
            "printing" => self.track(&row, printer)?,
            // failed: waits for retry/cancel.
            _ => {}
        }
        self.get(seq, printer).map(Some)
    }

    /// Pumps until the queue is empty or its head needs the operator, or `deadline` passes.
    pub fn run_until_idle(
        &self,
        printer: &dyn PrintBackend,
        deadline: std::time::Instant,
    ) -> Result<Option<QueuedJob>, QueueError> {
        loop {
            let head = self.pump(printer)?;
            match &head {
                None => return Ok(None),
                Some(j) if matches!(j.status, JobStatus::Failed { .. }) => return Ok(head),
                _ if std::time::Instant::now() >= deadline => return Ok(head),
                _ => std::thread::sleep(std::time::Duration::from_millis(100)),
            }
        }
    }

    /// The status of job `seq`, asking the printer for live details when it is printing.
    pub fn get(&self, seq: i64, printer: &dyn PrintBackend) -> Result<QueuedJob, QueueError> {
        let row = self.row(seq)?;
        let status = match (row.state.as_str(), row.ipp_id) {
            ("queued", _) => JobStatus::Queued,
            ("submitting", _) => JobStatus::Submitting {
                name: row.job_name.clone().unwrap_or_default(),
            },
            ("printing", Some(ipp_id)) => {
                let job = printer.job(ipp_id).ok().flatten();
                let printer_notices = match printer.status() {
                    Ok(Some(s)) => printer_notices(&s),
                    Ok(None) => vec![PrinterNotice::Gone],
                    Err(_) => vec![PrinterNotice::Offline],
                };
                JobStatus::Printing {
                    ipp_id,
                    state: job.map(|j| j.state).unwrap_or(JobState::Pending),
                    notices: printer_notices,
                }
            }
            ("done", Some(ipp_id)) => JobStatus::Done { ipp_id },
            ("failed", _) => JobStatus::Failed {
                reason: row.last_error.clone().unwrap_or_default(),
            },
            ("canceled", _) => JobStatus::Canceled,
            (s, _) => return Err(QueueError::Corrupt(format!("job {seq} state {s}"))),
        };
        Ok(QueuedJob {
            seq,
            kind: row.kind,
            attempts: row.attempts,
            status,
        })
    }

    /// Every job name this queue has sent (or was about to send) for `seq`, oldest first.
    pub fn attempt_names(&self, seq: i64) -> Result<Vec<String>, QueueError> {
        let row = self.row(seq)?;
        Ok((1..=row.attempts).map(|a| self.job_name(seq, a)).collect())
    }

    fn job_name(&self, seq: i64, attempt: u32) -> String {
        format!("{}-{seq}-a{attempt}", self.queue_id)
    }

    fn head(&self) -> Result<Option<i64>, QueueError> {
        Ok(self
            .db
            .query_row(
                "SELECT seq FROM print_jobs WHERE state NOT IN ('done','canceled') ORDER BY seq LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Records the attempt and its name durably, then submits it.
    fn start_attempt(&self, row: &Row, printer: &dyn PrintBackend) -> Result<(), QueueError> {
        let attempt = row.attempts + 1;
        let name = self.job_name(row.seq, attempt);
        self.db.execute(
            "UPDATE print_jobs SET state = 'submitting', attempts = ?2, job_name = ?3, ipp_id = NULL WHERE seq = ?1",
            params![row.seq, attempt, name],
        )?;
        self.submit(row.seq, &name, printer)
    }

    /// After a crash between recording an attempt and learning its IPP id: adopt the job CUPS
    /// has under that name, or send it (CUPS has none, so this cannot print twice).
    fn reconcile(&self, row: &Row, printer: &dyn PrintBackend) -> Result<(), QueueError> {
        let Some(name) = row.job_name.as_deref() else {
            return Err(QueueError::Corrupt(format!(
                "job {} submitting without a name",
                row.seq
            )));
        };
        match printer.jobs_named(name) {
            Ok(found) => match found.iter().map(|j| j.id).min() {
                Some(id) => self.set_state(row.seq, "printing", Some(id), None),
                None => self.submit(row.seq, name, printer),
            },
            Err(e) => self.note_error(row.seq, &e.to_string()),
        }
    }

    fn submit(&self, seq: i64, name: &str, printer: &dyn PrintBackend) -> Result<(), QueueError> {
        let (format, media, document): (String, String, Vec<u8>) = self.db.query_row(
            "SELECT format, media, document FROM print_jobs WHERE seq = ?1",
            [seq],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        let format = DocFormat::parse(&format)
            .ok_or_else(|| QueueError::Corrupt(format!("format {format}")))?;
        match printer.submit(name, format, &media, document) {
            Ok(id) => self.set_state(seq, "printing", Some(id), None),
            // CUPS answered "no": nothing was created, the operator must act.
            Err(PrinterError::Refused(why)) => {
                let why = match printer.status() {
                    Ok(None) => PrinterNotice::Gone.message(),
                    Ok(Some(s)) if !s.accepting => PrinterNotice::NotAccepting.message(),
                    _ => format!("CUPS menolak / CUPS refused: {why}"),
                };
                self.set_state(seq, "failed", None, Some(&why))
            }
            // No answer: the job may or may not exist; stay in `submitting` and reconcile by name.
            Err(e) => self.note_error(seq, &e.to_string()),
        }
    }

    fn track(&self, row: &Row, printer: &dyn PrintBackend) -> Result<(), QueueError> {
        let Some(id) = row.ipp_id else {
            return Err(QueueError::Corrupt(format!(
                "job {} printing without an id",
                row.seq
            )));
        };
        match printer.job(id) {
            Ok(Some(job)) => match job.state {
                JobState::Completed => self.set_state(row.seq, "done", Some(id), None),
                JobState::Aborted | JobState::Canceled => {
                    let why = format!(
                        "Pekerjaan cetak dihentikan printer / The printer stopped the job ({:?}: {})",
                        job.state,
                        job.reasons.join(", ")
                    );
                    self.set_state(row.seq, "failed", Some(id), Some(&why))
                }
                _ => Ok(()),
            },
            // CUPS forgot the job: its queue was deleted (jobs go with it) or history purged.
            Ok(None) => self.set_state(
                row.seq,
                "failed",
                Some(id),
                Some(&PrinterNotice::Gone.message()),
            ),
            Err(e) => self.note_error(row.seq, &e.to_string()),
        }
    }

    fn set_state(
        &self,
        seq: i64,
        state: &str,
        ipp_id: Option<i32>,
        error: Option<&str>,
    ) -> Result<(), QueueError> {
        self.db.execute(
            "UPDATE print_jobs SET state = ?2, ipp_id = ?3, last_error = ?4 WHERE seq = ?1",
            params![seq, state, ipp_id, error],
        )?;
        Ok(())
    }

    fn note_error(&self, seq: i64, error: &str) -> Result<(), QueueError> {
        self.db.execute(
            "UPDATE print_jobs SET last_error = ?2 WHERE seq = ?1",
            params![seq, error],
        )?;
        Ok(())
    }

    fn state_tag(&self, seq: i64) -> Result<String, QueueError> {
        Ok(self.row(seq)?.state)
    }

    fn row(&self, seq: i64) -> Result<Row, QueueError> {
        self.db
            .query_row(
                "SELECT seq, kind, state, attempts, job_name, ipp_id, last_error FROM print_jobs WHERE seq = ?1",
                [seq],
                |r| {
                    Ok(Row {
                        seq: r.get(0)?,
                        kind: r.get(1)?,
                        state: r.get(2)?,
                        attempts: r.get(3)?,
                        job_name: r.get(4)?,
                        ipp_id: r.get(5)?,
                        last_error: r.get(6)?,
                    })
                },
            )
            .optional()?
            .ok_or(QueueError::NoSuchJob(seq))
    }

    /// Jobs in queue order (for the station's print panel).
    pub fn list(&self) -> Result<Vec<(i64, String, String)>, QueueError> {
        let mut stmt = self
            .db
            .prepare("SELECT seq, kind, state FROM print_jobs ORDER BY seq")?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }
}

fn printer_notices(s: &PrinterStatus) -> Vec<PrinterNotice> {
    let mut n = notices(&s.reasons);
    if s.info.state == 5 && !n.contains(&PrinterNotice::Paused) {
        n.push(PrinterNotice::Paused);
    }
    if !s.accepting {
        n.push(PrinterNotice::NotAccepting);
    }
    n
}

fn static_tag(s: &str) -> &'static str {
    [
        JobStatus::Queued,
        JobStatus::Canceled,
        JobStatus::Done { ipp_id: 0 },
        JobStatus::Failed {
            reason: String::new(),
        },
        JobStatus::Submitting {
            name: String::new(),
        },
        JobStatus::Printing {
            ipp_id: 0,
            state: JobState::Pending,
            notices: Vec::new(),
        },
    ]
    .iter()
    .map(JobStatus::tag)
    .find(|t| *t == s)
    .unwrap_or("unknown")
}

struct Row {
    seq: i64,
    kind: String,
    state: String,
    attempts: u32,
    job_name: Option<String>,
    ipp_id: Option<i32>,
    last_error: Option<String>,
}

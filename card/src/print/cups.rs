//! The thin IPP adapter to CUPS: submit a document, look a job up by id or by name, cancel it,
//! read the printer's state and reasons. Everything that decides what to do with the answers
//! lives in [`super::queue`] and [`super::reasons`].

use std::time::Duration;

use ipp::prelude::*;
use ipp::request::IppRequestResponse;

use crate::printer::{JobState, PrinterError, PrinterInfo};

/// The document formats the station sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocFormat {
    Pdf,
    Png,
}

impl DocFormat {
    pub fn mime(self) -> &'static str {
        match self {
            DocFormat::Pdf => "application/pdf",
            DocFormat::Png => "image/png",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DocFormat::Pdf => "pdf",
            DocFormat::Png => "png",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pdf" => Some(DocFormat::Pdf),
            "png" => Some(DocFormat::Png),
            _ => None,
        }
    }
}

/// PWG 5101.1 media names for what the station prints.
pub const MEDIA_CR80: &str = "custom_85.6x53.98mm_85.6x53.98mm";
// As a custom size: the PPD's named A6 is rounded to whole points (297 × 419).
pub const MEDIA_A6: &str = "custom_105x148mm_105x148mm";

/// A job as CUPS reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobInfo {
    pub id: i32,
    pub name: String,
    pub state: JobState,
    pub reasons: Vec<String>,
}

/// A printer's state as CUPS reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrinterStatus {
    pub info: PrinterInfo,
    pub reasons: Vec<String>,
    pub accepting: bool,
}

/// One CUPS server and one of its queues.
#[derive(Debug, Clone)]
pub struct CupsPrinter {
    server: String,
    printer: String,
}

impl CupsPrinter {
    /// `server` as from [`crate::printer::cups_uri`], `printer` a queue name.
    pub fn new(server: &str, printer: &str) -> Self {
        Self {
            server: server.trim_end_matches('/').to_owned(),
            printer: printer.to_owned(),
        }
    }

    pub fn name(&self) -> &str {
        &self.printer
    }

    fn uri(&self) -> Result<Uri, PrinterError> {
        let uri = format!("{}/printers/{}", self.server, self.printer);
        uri.parse().map_err(|_| PrinterError::BadUri(uri))
    }

    fn send(&self, req: impl Into<IppRequestResponse>) -> Result<IppRequestResponse, PrinterError> {
        let uri = self.uri()?;
        let client = IppClient::builder(uri.clone())
            .request_timeout(Duration::from_secs(30))
            .build();
        client.send(req).map_err(|e| PrinterError::NoService {
            uri: uri.to_string(),
            detail: e.to_string(),
        })
    }

    fn send_ok(
        &self,
        req: impl Into<IppRequestResponse>,
    ) -> Result<IppRequestResponse, PrinterError> {
        self.send_found(req)?
            .ok_or_else(|| refusal(StatusCode::ClientErrorNotFound))
    }

    /// Sends `req`; `None` when CUPS answers "not found" (a job or queue it no longer knows),
    /// an error for any other refusal.
    fn send_found(
        &self,
        req: impl Into<IppRequestResponse>,
    ) -> Result<Option<IppRequestResponse>, PrinterError> {
        let resp = self.send(req)?;
        let status = resp.header().status_code();
        if status == StatusCode::ClientErrorNotFound {
            return Ok(None);
        }
        if !status.is_success() {
            return Err(refusal(status));
        }
        Ok(Some(resp))
    }

    /// Print-Job: sends `document` as job `job_name` on `media`; returns the IPP job id.
    pub fn submit(
        &self,
        job_name: &str,
        format: DocFormat,
        media: &str,
        document: Vec<u8>,
    ) -> Result<i32, PrinterError> {
        let uri = self.uri()?;
        let op =
            IppOperationBuilder::print_job(uri, IppPayload::new(std::io::Cursor::new(document)))
                .job_title(job_name)
                .user_name(requesting_user())
                .document_format(format.mime())
                .attribute(attr("media", IppValue::new_keyword(media))?);
        // CUPS maps a custom `media` to the PPD's custom size rounded down to whole points
        // (242 × 153 pt for CR-80); the PPD option itself keeps the exact size.
        let op = match ppd_page_size(media) {
            Some(size) => {
                op.attribute(attr("PageSize", IppValue::new_name_without_language(size))?)
            }
            None => op,
        };
        let op = op
            .build()
            .map_err(|e| PrinterError::Refused(e.to_string()))?;
        let resp = self.send_ok(op)?;
        job_group(&resp)
            .next()
            .and_then(|g| int(g.get("job-id")))
            .ok_or_else(|| PrinterError::Refused("no job-id in the Print-Job answer".into()))
    }

    /// Get-Job-Attributes; `None` when CUPS does not know the job (e.g. its queue was deleted).
    pub fn job(&self, id: i32) -> Result<Option<JobInfo>, PrinterError> {
        let uri = self.uri()?;
        let op = IppOperationBuilder::get_job_attributes(uri, id)
            .build()
            .map_err(|e| PrinterError::Refused(e.to_string()))?;
        let Some(resp) = self.send_found(op)? else {
            return Ok(None);
        };
        Ok(job_group(&resp).next().and_then(|g| job_info(g, Some(id))))
    }

    /// Get-Jobs (which-jobs=all): every job of this queue CUPS still remembers named `name`.
    pub fn jobs_named(&self, name: &str) -> Result<Vec<JobInfo>, PrinterError> {
        let uri = self.uri()?;
        let mut req = IppRequestResponse::new(IppVersion::v1_1(), Operation::GetJobs, Some(uri))
            .map_err(|e| PrinterError::Refused(e.to_string()))?;
        let ops = DelimiterTag::OperationAttributes;
        let a = req.attributes_mut();
        a.add(
            ops,
            attr(
                "requesting-user-name",
                IppValue::new_name_without_language(requesting_user()),
            )?,
        );
        a.add(ops, attr("which-jobs", IppValue::new_keyword("all"))?);
        let wanted = ["job-id", "job-name", "job-state", "job-state-reasons"]
            .into_iter()
            .map(IppValue::new_keyword)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| PrinterError::Refused(e.to_string()))?;
        a.add(
            ops,
            attr("requested-attributes", Ok(IppValue::Array(wanted)))?,
        );
        let Some(resp) = self.send_found(req)? else {
            return Ok(Vec::new());
        };
        Ok(job_group(&resp)
            .filter_map(|g| job_info(g, None))
            .filter(|j| j.name == name)
            .collect())
    }

    /// Cancel-Job.
    pub fn cancel(&self, id: i32) -> Result<(), PrinterError> {
        let uri = self.uri()?;
        let op = IppOperationBuilder::cancel_job(uri, id)
            .user_name(requesting_user())
            .build()
            .map_err(|e| PrinterError::Refused(e.to_string()))?;
        self.send_ok(op).map(|_| ())
    }

    /// Get-Printer-Attributes: state, reasons, accepting jobs. `None` when the queue is gone.
    pub fn status(&self) -> Result<Option<PrinterStatus>, PrinterError> {
        let uri = self.uri()?;
        let op = IppOperationBuilder::get_printer_attributes(uri)
            .attributes([
                "printer-name",
                "printer-state",
                "printer-state-reasons",
                "printer-is-accepting-jobs",
                "printer-make-and-model",
            ])
            .build()
            .map_err(|e| PrinterError::Refused(e.to_string()))?;
        let Some(resp) = self.send_found(op)? else {
            return Ok(None);
        };
        let Some(g) = resp
            .attributes()
            .groups_of(DelimiterTag::PrinterAttributes)
            .next()
        else {
            return Ok(None);
        };
        Ok(Some(PrinterStatus {
            info: PrinterInfo {
                name: g
                    .get("printer-name")
                    .map(|a| a.value().to_string())
                    .unwrap_or_else(|| self.printer.clone()),
                state: enum_value(g.get("printer-state")).unwrap_or(0),
                make_and_model: g
                    .get("printer-make-and-model")
                    .map(|a| a.value().to_string()),
            },
            reasons: keywords(g.get("printer-state-reasons")),
            accepting: matches!(
                g.get("printer-is-accepting-jobs").map(|a| a.value()),
                Some(IppValue::Boolean(true))
            ),
        }))
    }
}

/// `custom_85.6x53.98mm_85.6x53.98mm` → `Custom.85.6x53.98mm` (the PPD CustomPageSize form).
pub fn ppd_page_size(media: &str) -> Option<String> {
    let rest = media.strip_prefix("custom_")?;
    let (min, max) = rest.split_once('_')?;
    (min == max && min.ends_with("mm")).then(|| format!("Custom.{min}"))
}

fn refusal(status: StatusCode) -> PrinterError {
    PrinterError::Refused(format!("{status:?}"))
}

fn attr(
    name: &str,
    value: Result<IppValue, ipp::parser::IppParseError>,
) -> Result<IppAttribute, PrinterError> {
    let value = value.map_err(|e| PrinterError::Refused(e.to_string()))?;
    IppAttribute::with_name(name, value).map_err(|e| PrinterError::Refused(e.to_string()))
}

fn job_group(
    resp: &IppRequestResponse,
) -> impl Iterator<Item = &ipp::attribute::IppAttributeGroup> {
    resp.attributes().groups_of(DelimiterTag::JobAttributes)
}

fn int(a: Option<&IppAttribute>) -> Option<i32> {
    match a.map(|a| a.value()) {
        Some(IppValue::Integer(i)) => Some(*i),
        _ => None,
    }
}

fn enum_value(a: Option<&IppAttribute>) -> Option<i32> {
    match a.map(|a| a.value()) {
        Some(IppValue::Enum(i)) => Some(*i),
        _ => None,
    }
}

fn keywords(a: Option<&IppAttribute>) -> Vec<String> {
    match a.map(|a| a.value()) {
        Some(IppValue::Array(values)) => values.iter().map(|v| v.to_string()).collect(),
        Some(v) => vec![v.to_string()],
        None => Vec::new(),
    }
}

fn job_info(g: &ipp::attribute::IppAttributeGroup, id: Option<i32>) -> Option<JobInfo> {
    let id = int(g.get("job-id")).or(id)?;
    let state = JobState::from_ipp(enum_value(g.get("job-state"))?)?;
    Some(JobInfo {
        id,
        name: g
            .get("job-name")
            .map(|a| a.value().to_string())
            .unwrap_or_default(),
        state,
        reasons: keywords(g.get("job-state-reasons")),
    })
}

/// The user CUPS files the job under.
fn requesting_user() -> String {
    ["USER", "LOGNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|u| !u.is_empty()))
        .unwrap_or_else(|| "rekam".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_media_gets_the_exact_ppd_page_size() {
        assert_eq!(
            ppd_page_size(MEDIA_CR80).as_deref(),
            Some("Custom.85.6x53.98mm")
        );
        assert_eq!(ppd_page_size(MEDIA_A6).as_deref(), Some("Custom.105x148mm"));
        assert_eq!(ppd_page_size("iso_a4_210x297mm"), None);
        assert_eq!(ppd_page_size("custom_min_10x10mm_max_20x20mm"), None);
    }
}

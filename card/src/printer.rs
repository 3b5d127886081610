//! Printers through CUPS over IPP (the `ipp` crate): discovery for now, print jobs as the
//! printing issue builds them.

use std::time::Duration;

use ipp::operation::IppOperation;
use ipp::prelude::*;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum PrinterError {
    #[error("the print service (CUPS) at {uri} did not answer: {detail}")]
    NoService { uri: String, detail: String },
    #[error("the print service refused the request: {0}")]
    Refused(String),
    #[error("bad printer address '{0}'")]
    BadUri(String),
}

/// A print queue CUPS offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrinterInfo {
    pub name: String,
    /// IPP printer-state: 3 idle, 4 processing, 5 stopped.
    pub state: i32,
    pub make_and_model: Option<String>,
}

/// The CUPS server to talk to: `$CUPS_SERVER` (host or host:port) or the local one.
pub fn cups_uri() -> String {
    let host = std::env::var("CUPS_SERVER")
        .ok()
        .filter(|h| !h.is_empty() && !h.starts_with('/'))
        .unwrap_or_else(|| "localhost".into());
    if host.contains(':') {
        format!("ipp://{host}/")
    } else {
        format!("ipp://{host}:631/")
    }
}

/// Lists the queues of the CUPS server at `uri` (CUPS-Get-Printers).
pub fn list_printers(uri: &str) -> Result<Vec<PrinterInfo>, PrinterError> {
    let parsed: Uri = uri
        .parse()
        .map_err(|_| PrinterError::BadUri(uri.to_owned()))?;
    let client = IppClient::builder(parsed)
        .request_timeout(Duration::from_secs(5))
        .build();
    let resp = client
        .send(IppOperationBuilder::cups().get_printers())
        .map_err(|e| PrinterError::NoService {
            uri: uri.to_owned(),
            detail: e.to_string(),
        })?;
    let status = resp.header().status_code();
    // CUPS answers client-error-not-found when there are no queues at all.
    if status == StatusCode::ClientErrorNotFound {
        return Ok(Vec::new());
    }
    if !status.is_success() {
        return Err(PrinterError::Refused(format!("{status:?}")));
    }
    Ok(resp
        .attributes()
        .groups_of(DelimiterTag::PrinterAttributes)
        .filter_map(|g| {
            let name = g.get("printer-name")?.value().to_string();
            let state = match g.get("printer-state").map(|a| a.value()) {
                Some(IppValue::Enum(s)) => *s,
                _ => 0,
            };
            let make_and_model = g
                .get("printer-make-and-model")
                .map(|a| a.value().to_string());
            Some(PrinterInfo {
                name,
                state,
                make_and_model,
            })
        })
        .collect())
}

/// IPP job states (RFC 8011 §5.3.7) the station acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    Pending,
    Held,
    Processing,
    Stopped,
    Canceled,
    Aborted,
    Completed,
}

impl JobState {
    pub fn from_ipp(code: i32) -> Option<Self> {
        Some(match code {
            3 => Self::Pending,
            4 => Self::Held,
            5 => Self::Processing,
            6 => Self::Stopped,
            7 => Self::Canceled,
            8 => Self::Aborted,
            9 => Self::Completed,
            _ => return None,
        })
    }

    /// Canceled, aborted and completed jobs will not change any more.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Canceled | Self::Aborted | Self::Completed)
    }
}

fn printer_uri(server: &str, printer: &str) -> Result<Uri, PrinterError> {
    let uri = format!("{}printers/{printer}", server_with_slash(server));
    uri.parse().map_err(|_| PrinterError::BadUri(uri))
}

fn server_with_slash(server: &str) -> String {
    if server.ends_with('/') {
        server.to_owned()
    } else {
        format!("{server}/")
    }
}

fn send(uri: &Uri, op: impl IppOperation) -> Result<IppRequestResponse, PrinterError> {
    let client = IppClient::builder(uri.clone())
        .request_timeout(Duration::from_secs(30))
        .build();
    let resp = client.send(op).map_err(|e| PrinterError::NoService {
        uri: uri.to_string(),
        detail: e.to_string(),
    })?;
    if resp.header().status_code().is_success() {
        Ok(resp)
    } else {
        Err(PrinterError::Refused(format!(
            "{:?}",
            resp.header().status_code()
        )))
    }
}

/// The user CUPS files the job under (cups-pdf writes anonymous jobs as `nobody`).
fn requesting_user() -> String {
    ["USER", "LOGNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|u| !u.is_empty()))
        .unwrap_or_else(|| "rekam".into())
}

/// Submits a PNG page to `printer` (Print-Job) and returns the job id.
pub fn print_png(
    server: &str,
    printer: &str,
    title: &str,
    png: Vec<u8>,
) -> Result<i32, PrinterError> {
    let uri = printer_uri(server, printer)?;
    let op =
        IppOperationBuilder::print_job(uri.clone(), IppPayload::new(std::io::Cursor::new(png)))
            .job_title(title)
            .user_name(requesting_user())
            .document_format("image/png")
            .build()
            .map_err(|e| PrinterError::Refused(e.to_string()))?;
    let resp = send(&uri, op)?;
    resp.attributes()
        .groups_of(DelimiterTag::JobAttributes)
        .find_map(|g| match g.get("job-id").map(|a| a.value()) {
            Some(IppValue::Integer(id)) => Some(*id),
            _ => None,
        })
        .ok_or_else(|| PrinterError::Refused("no job-id in the Print-Job answer".into()))
}

/// The current state of job `job` on `printer` (Get-Job-Attributes).
pub fn job_state(server: &str, printer: &str, job: i32) -> Result<JobState, PrinterError> {
    let uri = printer_uri(server, printer)?;
    let op = IppOperationBuilder::get_job_attributes(uri.clone(), job)
        .build()
        .map_err(|e| PrinterError::Refused(e.to_string()))?;
    let resp = send(&uri, op)?;
    resp.attributes()
        .groups_of(DelimiterTag::JobAttributes)
        .find_map(|g| match g.get("job-state").map(|a| a.value()) {
            Some(IppValue::Enum(s)) => JobState::from_ipp(*s),
            _ => None,
        })
        .ok_or_else(|| PrinterError::Refused(format!("no job-state for job {job}")))
}

/// Polls job `job` until it reaches a final state or `timeout` passes (then its last state).
pub fn wait_for_job(
    server: &str,
    printer: &str,
    job: i32,
    timeout: Duration,
) -> Result<JobState, PrinterError> {
    let deadline = std::time::Instant::now() + timeout;
    loop {
        let state = job_state(server, printer, job)?;
        if state.is_final() || std::time::Instant::now() >= deadline {
            return Ok(state);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreachable_server_is_a_clear_error() {
        // Port 9 (discard) on loopback: nothing listens there.
        let err = list_printers("ipp://127.0.0.1:9/").unwrap_err();
        assert!(matches!(err, PrinterError::NoService { .. }), "{err}");
        assert!(err.to_string().contains("127.0.0.1:9"));
    }

    #[test]
    fn rejects_a_malformed_uri() {
        assert!(matches!(
            list_printers("ipp://exa mple/"),
            Err(PrinterError::BadUri(_))
        ));
    }
}

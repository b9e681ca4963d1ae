//! Portal upload: one blocking HTTP POST per document with `ureq`.
//!
//! 2xx is delivered (the response id is kept), 409 means the portal already has the document (delivered), other
//! 4xx are permanent failures, and 5xx, 429 (honouring `Retry-After`), resets and timeouts are retried. Every
//! request carries an `Idempotency-Key` derived from the document, so a repeated upload is recognised.

use super::settings::{Auth, Portal as Settings, Upload};
use super::{Outcome, Outgoing};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use std::path::Path;
use std::time::Duration;
use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig};
use ureq::Agent;

/// A portal client.
pub struct Portal {
    agent: Agent,
    settings: Settings,
    authorization: Option<String>,
}

/// Longest response body read (for the response id).
const BODY_LIMIT: u64 = 64 * 1024;

impl Portal {
    /// Sets up the client (reads the token or password named in the profile).
    pub fn new(s: &Settings) -> Result<Portal, String> {
        let authorization = match s.auth {
            Auth::None => None,
            Auth::Bearer => {
                let token = super::settings::secret(
                    s.token_env.as_deref(),
                    s.token_file.as_ref(),
                    "delivery.portal token",
                )?;
                Some(format!("Bearer {token}"))
            }
            Auth::Basic => {
                let password = super::settings::secret(
                    s.password_env.as_deref(),
                    s.password_file.as_ref(),
                    "delivery.portal password",
                )?;
                let user = s.username.as_deref().unwrap_or_default();
                let credentials = STANDARD.encode(format!("{user}:{password}"));
                Some(format!("Basic {credentials}"))
            }
        };
        if authorization
            .as_deref()
            .is_some_and(|a| a.chars().any(char::is_control))
        {
            return Err("delivery.portal: the secret contains control characters".into());
        }
        let mut tls = TlsConfig::builder();
        if let Some(path) = &s.ca_file {
            tls = tls.root_certs(RootCerts::new_with_certs(&roots(path)?));
        }
        let agent: Agent = Agent::config_builder()
            .tls_config(tls.build())
            .timeout_global(Some(Duration::from_secs_f64(s.timeout_secs)))
            .http_status_as_error(false)
            .max_redirects(0)
            .build()
            .into();
        Ok(Portal {
            agent,
            settings: s.clone(),
            authorization,
        })
    }

    /// Uploads one document.
    pub fn deliver(&self, doc: &Outgoing) -> Outcome {
        let s = &self.settings;
        let key = super::idempotency_key(doc.seller, doc.number);
        let doctype = if doc.credit_note {
            &s.credit_note_document_type
        } else {
            &s.invoice_document_type
        };
        let receiver = format!("iso6523-actorid-upis::{}", doc.recipient);
        let mut req = self
            .agent
            .post(&s.url)
            .header("Idempotency-Key", &key)
            .header("X-Document-Number", doc.number);
        for (name, value) in &s.headers {
            req = req.header(name, value);
        }
        if let Some(a) = &self.authorization {
            req = req.header("Authorization", a);
        }
        if s.peppol {
            req = req
                .header("X-Peppol-Receiver", &receiver)
                .header("X-Peppol-Document-Type", doctype)
                .header("X-Peppol-Process", &s.process);
        }
        let result = match s.upload {
            Upload::Xml => req.header("Content-Type", "application/xml").send(doc.xml),
            Upload::Multipart => {
                let boundary = format!("ublflow-{key}");
                let mut fields: Vec<(&str, &str)> = Vec::new();
                if s.peppol {
                    fields = vec![
                        ("receiver", &receiver),
                        ("documentTypeId", doctype),
                        ("processId", &s.process),
                    ];
                }
                let body = multipart(&boundary, &fields, &format!("{}.xml", doc.number), doc.xml);
                req.header(
                    "Content-Type",
                    &format!("multipart/form-data; boundary={boundary}"),
                )
                .send(&body[..])
            }
        };
        let mut resp = match result {
            Ok(r) => r,
            Err(ureq::Error::BadUri(e)) => return Outcome::Permanent(format!("portal URL: {e}")),
            Err(e) => {
                let mut error = format!("portal: {e}");
                if error.contains("invalid peer certificate") {
                    error.push_str(" (a portal with a private CA: set delivery.portal.ca_file)");
                }
                return Outcome::Transient {
                    error,
                    retry_after: None,
                };
            }
        };
        let status = resp.status().as_u16();
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let retry_after = header("retry-after").and_then(|v| retry_after(&v, chrono::Utc::now()));
        let location = header("location");
        let request_id = header("x-request-id");
        let text = resp
            .body_mut()
            .with_config()
            .limit(BODY_LIMIT)
            .read_to_string()
            .unwrap_or_default();
        let excerpt = || {
            let t: String = text.chars().take(200).collect();
            super::template::one_line(t.trim())
        };
        match status {
            200..=299 => Outcome::Delivered(
                response_id(&text)
                    .or(location)
                    .or(request_id)
                    .unwrap_or_else(|| format!("HTTP {status}")),
            ),
            409 => Outcome::Delivered(format!(
                "HTTP 409: the portal already has it ({})",
                response_id(&text).unwrap_or_else(excerpt)
            )),
            429 | 500..=599 => Outcome::Transient {
                error: format!("portal answered HTTP {status}: {}", excerpt()),
                retry_after,
            },
            408 => Outcome::Transient {
                error: "portal answered HTTP 408 (request timeout)".into(),
                retry_after: None,
            },
            _ => Outcome::Permanent(format!("portal refused with HTTP {status}: {}", excerpt())),
        }
    }
}

/// The certificates of a `ca_file`: every certificate in the PEM file, at least one.
fn roots(path: &Path) -> Result<Vec<Certificate<'static>>, String> {
    let what = || format!("delivery.portal.ca_file: {}", path.display());
    let pem = std::fs::read(path).map_err(|e| format!("{}: cannot read it: {e}", what()))?;
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        match item.map_err(|e| format!("{}: {e}", what()))? {
            PemItem::Certificate(c) => certs.push(c),
            _ => continue,
        }
    }
    if certs.is_empty() {
        return Err(format!("{}: no PEM certificate in it", what()));
    }
    Ok(certs)
}

/// The id a portal gives in a JSON answer (`id`, `messageId`, `message_id`, `transmissionId` or `documentId`).
fn response_id(body: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(body).ok()?;
    [
        "id",
        "messageId",
        "message_id",
        "transmissionId",
        "documentId",
    ]
    .iter()
    .find_map(|k| match v.get(k)? {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

/// A `multipart/form-data` body: the text fields, then the file.
fn multipart(boundary: &str, fields: &[(&str, &str)], file_name: &str, xml: &[u8]) -> Vec<u8> {
    let mut b = Vec::with_capacity(xml.len() + 512);
    for (name, value) in fields {
        b.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    b.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
             Content-Type: application/xml\r\n\r\n"
        )
        .as_bytes(),
    );
    b.extend_from_slice(xml);
    b.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    b
}

/// A `Retry-After` value (RFC 9110): delay seconds, or an HTTP date, taken as the time left until it.
fn retry_after(value: &str, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    Some(
        (at.with_timezone(&chrono::Utc) - now)
            .to_std()
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_takes_seconds_or_an_http_date() {
        let now = chrono::DateTime::parse_from_rfc2822("Tue, 24 Nov 2026 04:00:00 GMT")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert_eq!(retry_after(" 120 ", now), Some(Duration::from_secs(120)));
        assert_eq!(
            retry_after("Tue, 24 Nov 2026 04:01:30 GMT", now),
            Some(Duration::from_secs(90))
        );
        assert_eq!(
            retry_after("Tue, 24 Nov 2026 03:59:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after("soon", now), None);
    }

    #[test]
    fn response_ids_are_found_in_json() {
        assert_eq!(response_id(r#"{"id":"abc"}"#).as_deref(), Some("abc"));
        assert_eq!(response_id(r#"{"messageId":42}"#).as_deref(), Some("42"));
        assert_eq!(response_id("not json"), None);
    }
}

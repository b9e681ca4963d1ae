//! The `[delivery]` section of the seller profile: routing, retries, e-mail and portal settings.
//!
//! Secrets are never values of the profile: a key names the environment variable or the file that holds them.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// How a document reaches its buyer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    /// Archive only: nothing is queued.
    #[default]
    None,
    /// E-mail over SMTP.
    Email,
    /// Upload to the portal's HTTP API.
    Portal,
}

impl Channel {
    /// The name used in the store and in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::None => "none",
            Channel::Email => "email",
            Channel::Portal => "portal",
        }
    }

    /// Parses a stored channel name.
    pub fn parse(s: &str) -> Option<Channel> {
        Some(match s {
            "none" => Channel::None,
            "email" => Channel::Email,
            "portal" => Channel::Portal,
            _ => return None,
        })
    }
}

/// `[delivery]`: routing and the channels' settings.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Delivery {
    /// Channel of buyers no rule and no buyer-type key matches.
    pub default: Channel,
    /// Channel of business buyers (overrides `default`).
    pub business: Option<Channel>,
    /// Channel of government buyers (overrides `default`).
    pub government: Option<Channel>,
    /// Channel of consumers (overrides `default`).
    pub consumer: Option<Channel>,
    /// Per-buyer rules, tried in order before the buyer-type keys.
    pub rules: Vec<Rule>,
    /// Retry policy.
    pub retry: Retry,
    /// Wait for the disk on each of the sender's records (slower; see the README on the trade-off).
    pub fsync_each_record: bool,
    /// SMTP settings (needed when any route is `email`).
    pub email: Option<Email>,
    /// Portal settings (needed when any route is `portal`).
    pub portal: Option<Portal>,
}

/// `[[delivery.rules]]`: one buyer, matched by exactly one of `vat_id`, `endpoint_id` or `email`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Matches the buyer's VAT id (spaces and case ignored).
    pub vat_id: Option<String>,
    /// Matches the buyer's electronic address (endpoint id, case ignored).
    pub endpoint_id: Option<String>,
    /// Matches the buyer's e-mail address (case ignored).
    pub email: Option<String>,
    /// The channel for this buyer.
    pub channel: Channel,
    /// For `email`: send to this address instead of the buyer's (such as an accounts-payable mailbox).
    pub send_to: Option<String>,
}

/// `[delivery.retry]`: capped exponential backoff with jitter.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Retry {
    /// Attempts after which a document that keeps failing transiently is failed.
    pub max_attempts: u32,
    /// Hours after queueing (or `outbox retry`) beyond which no retry is scheduled; checked only when an attempt
    /// fails transiently, so every document is attempted at least once.
    pub max_age_hours: f64,
    /// Delay before the second attempt, in seconds; each further attempt doubles it.
    pub initial_backoff_secs: f64,
    /// Longest delay between two attempts, in seconds.
    pub max_backoff_secs: f64,
}

impl Default for Retry {
    fn default() -> Self {
        Retry {
            max_attempts: 12,
            max_age_hours: 72.0,
            initial_backoff_secs: 30.0,
            max_backoff_secs: 3600.0,
        }
    }
}

/// Transport security of the SMTP connection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    /// Plain connection upgraded with STARTTLS (required); port 587 by default.
    #[default]
    Starttls,
    /// TLS from the first byte (SMTPS); port 465 by default.
    Tls,
    /// No encryption at all: only for a relay on the local machine or network; port 25 by default.
    Plain,
}

/// `[delivery.email]`: the SMTP server and the message.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Email {
    /// SMTP server host name.
    pub host: String,
    /// Port (default by `security`: 587, 465 or 25).
    pub port: Option<u16>,
    /// `starttls` (default), `tls` or `plain`.
    #[serde(default)]
    pub security: Security,
    /// Extra root certificate (PEM) to trust besides the public roots, for a relay with a private CA.
    pub ca_file: Option<PathBuf>,
    /// User name for SMTP authentication (none: no authentication).
    pub username: Option<String>,
    /// Environment variable holding the SMTP password.
    pub password_env: Option<String>,
    /// File holding the SMTP password (trailing newline ignored).
    pub password_file: Option<PathBuf>,
    /// Sender address (`From`), such as `billing@shop.example` or `Shop Billing <billing@shop.example>`.
    pub from: String,
    /// `Reply-To` address.
    pub reply_to: Option<String>,
    /// Subject template (placeholders as for `body`).
    #[serde(default = "default_subject")]
    pub subject: String,
    /// Plain-text body template with `{placeholders}`, see the README.
    #[serde(default = "default_body")]
    pub body: String,
    /// Messages per minute at most (none: no limit).
    pub rate_per_minute: Option<u32>,
    /// Seconds to wait for the server on each step.
    #[serde(default = "default_timeout")]
    pub timeout_secs: f64,
}

/// How the portal authenticates.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Auth {
    /// No authentication header.
    #[default]
    None,
    /// `Authorization: Bearer <token>`.
    Bearer,
    /// `Authorization: Basic` with `username` and the password.
    Basic,
}

/// The body of a portal upload.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Upload {
    /// The XML as the request body (`application/xml`).
    #[default]
    Xml,
    /// `multipart/form-data` with a `file` part (and the Peppol ids as fields when `peppol` is set).
    Multipart,
}

/// `[delivery.portal]`: the HTTP API documents are uploaded to.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Portal {
    /// The URL documents are POSTed to (`https://` unless the host is local).
    pub url: String,
    /// Root certificates (PEM) to verify the portal's certificate against instead of the public roots, for a
    /// portal with a private CA.
    pub ca_file: Option<PathBuf>,
    /// `none` (default), `bearer` or `basic`.
    #[serde(default)]
    pub auth: Auth,
    /// Environment variable holding the bearer token.
    pub token_env: Option<String>,
    /// File holding the bearer token.
    pub token_file: Option<PathBuf>,
    /// User name for basic authentication.
    pub username: Option<String>,
    /// Environment variable holding the basic-auth password.
    pub password_env: Option<String>,
    /// File holding the basic-auth password.
    pub password_file: Option<PathBuf>,
    /// `xml` (default) or `multipart`.
    #[serde(default)]
    pub upload: Upload,
    /// Extra request headers.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Send the receiver's Peppol participant id and the document type id (see the README).
    #[serde(default)]
    pub peppol: bool,
    /// Peppol document type id of invoices.
    #[serde(default = "default_invoice_doctype")]
    pub invoice_document_type: String,
    /// Peppol document type id of credit notes.
    #[serde(default = "default_credit_note_doctype")]
    pub credit_note_document_type: String,
    /// Peppol process id.
    #[serde(default = "default_process")]
    pub process: String,
    /// Uploads per minute at most (none: no limit).
    pub rate_per_minute: Option<u32>,
    /// Seconds an upload may take before it is abandoned and retried.
    #[serde(default = "default_timeout")]
    pub timeout_secs: f64,
}

fn default_subject() -> String {
    "{kind} {number} from {seller}".into()
}

fn default_body() -> String {
    "Dear customer,\n\nplease find attached our {kind} {number} of {issue_date}.\n\nAmount due: {amount_due} \
     {currency}\nDue date: {due_date}\nPayment: {payment_means}, reference {payment_reference}\n{terms}\n\n\
     Kind regards,\n{seller}\n"
        .into()
}

fn default_timeout() -> f64 {
    30.0
}

fn default_invoice_doctype() -> String {
    "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2::Invoice##urn:cen.eu:en16931:2017#compliant#\
     urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1"
        .into()
}

fn default_credit_note_doctype() -> String {
    "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2::CreditNote##urn:cen.eu:en16931:2017#compliant#\
     urn:fdc:peppol.eu:2017:poacc:billing:3.0::2.1"
        .into()
}

fn default_process() -> String {
    "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0".into()
}

/// Reads a secret from the environment variable or file a profile names; errors name the source, never the value.
pub fn secret(env: Option<&str>, file: Option<&PathBuf>, what: &str) -> Result<String, String> {
    if let Some(var) = env {
        return std::env::var(var)
            .map_err(|_| format!("{what}: environment variable {var} is not set"));
    }
    if let Some(path) = file {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{what}: cannot read {}: {}", path.display(), e.kind()))?;
        return Ok(text.trim_end_matches(['\r', '\n']).to_owned());
    }
    Err(format!("{what}: name an environment variable or a file"))
}

/// Whether a host name or address is this machine's loopback (`localhost`, `127.0.0.0/8`, `::1`).
fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

impl Delivery {
    /// Checks the section; returns the offending key and why.
    pub fn check(&self) -> Result<(), (&'static str, String)> {
        for (i, r) in self.rules.iter().enumerate() {
            let matchers = [&r.vat_id, &r.endpoint_id, &r.email]
                .iter()
                .filter(|m| m.is_some())
                .count();
            if matchers != 1 {
                return Err((
                    "delivery.rules",
                    format!(
                        "rule {} needs exactly one of vat_id, endpoint_id or email",
                        i + 1
                    ),
                ));
            }
            if let Some(to) = &r.send_to {
                super::route::check_address(to)
                    .map_err(|m| ("delivery.rules", format!("rule {}: send_to: {m}", i + 1)))?;
            }
        }
        let used = |c: Channel| {
            self.default == c
                || [self.business, self.government, self.consumer].contains(&Some(c))
                || self.rules.iter().any(|r| r.channel == c)
        };
        if used(Channel::Email) && self.email.is_none() {
            return Err((
                "delivery.email",
                "a route uses email, so [delivery.email] is needed".into(),
            ));
        }
        if used(Channel::Portal) && self.portal.is_none() {
            return Err((
                "delivery.portal",
                "a route uses portal, so [delivery.portal] is needed".into(),
            ));
        }
        let r = &self.retry;
        if r.max_attempts == 0 || r.initial_backoff_secs.is_nan() || r.initial_backoff_secs < 0.0 {
            return Err((
                "delivery.retry",
                "max_attempts must be at least 1 and backoffs non-negative".into(),
            ));
        }
        if r.max_age_hours.is_nan() || r.max_age_hours <= 0.0 {
            return Err(("delivery.retry.max_age_hours", "must be positive".into()));
        }
        if r.max_backoff_secs.is_nan() || r.max_backoff_secs < r.initial_backoff_secs {
            return Err((
                "delivery.retry.max_backoff_secs",
                "must be at least initial_backoff_secs".into(),
            ));
        }
        if let Some(e) = &self.email {
            for (key, t) in [
                ("delivery.email.subject", &e.subject),
                ("delivery.email.body", &e.body),
            ] {
                super::template::check(t).map_err(|m| (key, m))?;
            }
            super::smtp::check_from(&e.from).map_err(|m| ("delivery.email.from", m))?;
            if e.username.is_some() && e.password_env.is_none() && e.password_file.is_none() {
                return Err((
                    "delivery.email.password_env",
                    "a username needs password_env or password_file".into(),
                ));
            }
            if e.security == Security::Plain && e.username.is_some() && !is_loopback(&e.host) {
                return Err((
                    "delivery.email.security",
                    "with a username, the password would cross the network unencrypted: use \"starttls\" or \
                     \"tls\" (\"plain\" with a login only to a relay on this machine: localhost, 127.0.0.1, ::1)"
                        .into(),
                ));
            }
            if e.timeout_secs.is_nan() || e.timeout_secs <= 0.0 {
                return Err(("delivery.email.timeout_secs", "must be positive".into()));
            }
        }
        if let Some(p) = &self.portal {
            if !(p.url.starts_with("https://") || p.url.starts_with("http://")) {
                return Err((
                    "delivery.portal.url",
                    "must start with https:// (or http://)".into(),
                ));
            }
            if p.ca_file.is_some() && !p.url.starts_with("https://") {
                return Err((
                    "delivery.portal.ca_file",
                    "is only used with an https:// url".into(),
                ));
            }
            let secret_named =
                |env: &Option<String>, file: &Option<PathBuf>| env.is_some() || file.is_some();
            match p.auth {
                Auth::Bearer if !secret_named(&p.token_env, &p.token_file) => {
                    return Err((
                        "delivery.portal.token_env",
                        "bearer auth needs token_env or token_file".into(),
                    ))
                }
                Auth::Basic
                    if p.username.is_none() || !secret_named(&p.password_env, &p.password_file) =>
                {
                    return Err((
                        "delivery.portal.username",
                        "basic auth needs username and password_env or password_file".into(),
                    ))
                }
                _ => {}
            }
            for (name, value) in &p.headers {
                let bad = |s: &str| s.chars().any(char::is_control);
                if name.is_empty() || bad(name) || bad(value) || name.contains([':', ' ']) {
                    return Err((
                        "delivery.portal.headers",
                        format!("header {name:?} is not a valid header"),
                    ));
                }
            }
            if p.timeout_secs.is_nan() || p.timeout_secs <= 0.0 {
                return Err(("delivery.portal.timeout_secs", "must be positive".into()));
            }
        }
        Ok(())
    }
}

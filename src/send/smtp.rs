//! E-mail delivery over SMTP with `lettre` (blocking transport, rustls, certificates verified).
//!
//! The message carries the archived XML, base64-encoded so it arrives byte for byte, as `<number>.xml`, and a
//! plain-text body from the profile's template. Its Message-ID is derived from the document number and the
//! seller's electronic address, so a message sent again after a crash carries the same id.

use super::settings::{Email, Security};
use super::template::{self, one_line};
use super::{Outcome, Outgoing};
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Attachment, Body, Mailbox, Message, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{SmtpTransport, Transport};
use std::time::Duration;

/// An SMTP sender, holding (pooled) connections to one server.
pub struct Smtp {
    transport: SmtpTransport,
    from: Mailbox,
    reply_to: Option<Mailbox>,
    subject: String,
    body: String,
    early_payment: Option<String>,
    seller: String,
    timeout: Duration,
    /// The user name of SMTP AUTH, if any.
    user: Option<String>,
    /// Whether the connection is unencrypted (`security = "plain"`).
    plain: bool,
    /// Why the server refused our login, once it has: the rest of the run fails without logging in again, so
    /// a wrong password is not tried once per document (servers lock accounts or ban addresses for that).
    login_refused: Option<String>,
}

/// Whether an SMTP error is a socket timeout (a blocking read past its timeout reports `WouldBlock` on Unix).
fn timed_out(e: &lettre::transport::smtp::Error) -> bool {
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            return matches!(
                io.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            );
        }
        source = s.source();
    }
    e.is_timeout()
}

/// Checks the `from` setting: an address with an optional display name, nothing that could split a header.
pub fn check_from(from: &str) -> Result<(), String> {
    if from.chars().any(char::is_control) {
        return Err("contains control characters".into());
    }
    from.parse::<Mailbox>()
        .map(|_| ())
        .map_err(|e| format!("{from:?} is not a valid sender address: {e}"))
}

/// The Message-ID of a document: `<number.scheme-endpoint@ublflow.invalid>`, characters outside
/// `[A-Za-z0-9._+-]` written as `=XX`.
pub fn message_id(number: &str, seller_scheme: &str, seller_endpoint: &str) -> String {
    let enc = |s: &str| {
        let mut out = String::with_capacity(s.len());
        for b in s.bytes() {
            if b.is_ascii_alphanumeric() || b"._+-".contains(&b) {
                out.push(char::from(b));
            } else {
                out.push_str(&format!("={b:02X}"));
            }
        }
        out
    };
    format!(
        "<{}.{}-{}@ublflow.invalid>",
        enc(number),
        enc(seller_scheme),
        enc(seller_endpoint)
    )
}

impl Smtp {
    /// Sets up the transport (reads the password named in the profile); `seller` is `(scheme, endpoint id)`.
    pub fn new(
        s: &Email,
        seller: (&str, &str),
        early_payment: Option<&str>,
    ) -> Result<Smtp, String> {
        let timeout = Some(Duration::from_secs_f64(s.timeout_secs));
        let mut builder = SmtpTransport::builder_dangerous(s.host.as_str()).timeout(timeout);
        let tls = |host: &str| {
            let mut b = TlsParameters::builder(host.to_owned());
            if let Some(path) = &s.ca_file {
                let pem = std::fs::read(path).map_err(|e| {
                    format!(
                        "delivery.email.ca_file: cannot read {}: {e}",
                        path.display()
                    )
                })?;
                let cert = Certificate::from_pem(&pem)
                    .map_err(|e| format!("delivery.email.ca_file: {}: {e}", path.display()))?;
                b = b.add_root_certificate(cert);
            }
            b.build_rustls()
                .map_err(|e| format!("TLS setup for {host}: {e}"))
        };
        builder = match s.security {
            Security::Starttls => builder
                .port(s.port.unwrap_or(587))
                .tls(Tls::Required(tls(&s.host)?)),
            Security::Tls => builder
                .port(s.port.unwrap_or(465))
                .tls(Tls::Wrapper(tls(&s.host)?)),
            Security::Plain => builder.port(s.port.unwrap_or(25)).tls(Tls::None),
        };
        if let Some(user) = &s.username {
            let password = super::settings::secret(
                s.password_env.as_deref(),
                s.password_file.as_ref(),
                "delivery.email password",
            )?;
            builder = builder.credentials(Credentials::new(user.clone(), password));
        }
        let from = s
            .from
            .parse()
            .map_err(|e| format!("delivery.email.from: {e}"))?;
        let reply_to = s
            .reply_to
            .as_deref()
            .map(|r| {
                check_from(r)?;
                r.parse()
                    .map_err(|e| format!("delivery.email.reply_to: {e}"))
            })
            .transpose()?;
        Ok(Smtp {
            transport: builder.build(),
            from,
            reply_to,
            subject: s.subject.clone(),
            body: s.body.clone(),
            early_payment: early_payment.map(str::to_owned),
            seller: format!("{}\0{}", seller.0, seller.1),
            timeout: Duration::from_secs_f64(s.timeout_secs),
            user: s.username.clone(),
            plain: s.security == Security::Plain,
            login_refused: None,
        })
    }

    /// Builds the message of a document; an error is permanent (the document cannot be sent this way).
    pub fn message(&self, doc: &Outgoing) -> Result<Message, String> {
        super::route::check_address(doc.recipient)?;
        let to: Mailbox = doc
            .recipient
            .parse()
            .map_err(|e| format!("invalid e-mail address {:?}: {e}", doc.recipient))?;
        let values = template::facts(doc.xml, self.early_payment.as_deref())?;
        let subject = one_line(&template::render(&self.subject, &values)?);
        let body = template::render(&self.body, &values)?;
        let (scheme, endpoint) = self.seller.split_once('\0').unwrap_or_default();
        let mut b = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .message_id(Some(message_id(doc.number, scheme, endpoint)));
        if let Some(r) = &self.reply_to {
            b = b.reply_to(r.clone());
        }
        let xml = Body::new_with_encoding(doc.xml.to_vec(), ContentTransferEncoding::Base64)
            .map_err(|_| "the document cannot be base64-encoded".to_owned())?;
        let xml_type = ContentType::parse("application/xml").expect("a valid content type");
        b.multipart(
            MultiPart::mixed()
                .singlepart(SinglePart::plain(body))
                .singlepart(Attachment::new(format!("{}.xml", doc.number)).body(xml, xml_type)),
        )
        .map_err(|e| format!("cannot build the message: {e}"))
    }

    /// Sends one document; delivered only on the server's positive reply to the message data.
    pub fn deliver(&mut self, doc: &Outgoing) -> Outcome {
        if let Some(why) = &self.login_refused {
            return Outcome::Permanent(format!("not sent, because earlier in this run {why}"));
        }
        let message = match self.message(doc) {
            Ok(m) => m,
            Err(e) => return Outcome::Permanent(e),
        };
        match self.transport.send(&message) {
            Ok(r) => Outcome::Delivered(format!(
                "{} {}",
                r.code(),
                r.message().collect::<Vec<_>>().join(" ")
            )),
            Err(e) => match self.login_refusal(&e) {
                Some(why) => {
                    self.login_refused = Some(why.clone());
                    Outcome::Permanent(why)
                }
                None => self.failure(&e),
            },
        }
    }

    /// Why the server refused our login, if the error says it did. Names the user, never the password.
    fn login_refusal(&self, e: &lettre::transport::smtp::Error) -> Option<String> {
        let user = self.user.as_deref()?;
        // 534, 535 and 538 only answer AUTH (RFC 4954): the credentials, the mechanism or AUTH on this connection.
        if matches!(e.status().map(u16::from), Some(534 | 535 | 538)) {
            return Some(format!(
                "the SMTP server refused the login of user {user:?} (check username and the password): {e}"
            ));
        }
        // lettre's own error when the server's EHLO names no mechanism it can use.
        if e.is_client() && e.to_string().contains("authentication mechanism") {
            let hint = if self.plain {
                "; most servers offer AUTH only over TLS: use security = \"starttls\" or \"tls\""
            } else {
                ""
            };
            return Some(format!(
                "the SMTP server offers no login mechanism ublflow supports (AUTH PLAIN or LOGIN) to user \
                 {user:?}{hint}"
            ));
        }
        None
    }

    /// What any other SMTP error means for the document.
    fn failure(&self, e: &lettre::transport::smtp::Error) -> Outcome {
        if e.is_permanent() {
            Outcome::Permanent(format!("SMTP server refused: {e}"))
        } else if timed_out(e) {
            Outcome::Transient {
                error: format!(
                    "SMTP: timed out: the server did not answer within {} s",
                    self.timeout.as_secs_f64()
                ),
                retry_after: None,
            }
        } else {
            Outcome::Transient {
                error: format!("SMTP: {e}"),
                retry_after: None,
            }
        }
    }
}

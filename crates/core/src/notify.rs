//! Notices leaving the node: e-mail through an SMTP relay and JSON webhooks, for contact checks
//! and for the notifications organisations choose (new incident or escalation addressed to them,
//! an assistance request, a deadline due, a sighting of their own indicator).
//!
//! Delivery never blocks the request that caused it: a notice is queued on a bounded channel and
//! one task delivers it, retrying a failed attempt a bounded number of times. A full queue drops
//! the notice with a warning rather than hold a request, and the count is kept.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde_json::Value;
use tokio::sync::mpsc;

/// Notices waiting for delivery; past this they are dropped (and counted).
pub const MAX_QUEUED_NOTICES: usize = 4096;
/// Attempts per notice before it is given up (and counted).
pub const MAX_DELIVERY_ATTEMPTS: u32 = 3;
/// Longest a single SMTP or webhook attempt may take.
pub const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest webhook answer read (it is discarded).
const MAX_WEBHOOK_TARGET_BYTES: usize = 2048;

/// Where notices go: an SMTP relay (`smtp://host:port`) and the sender address.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MailSettings {
    /// `smtp://host[:port]`: plain SMTP to a relay (a local MTA), which does onward TLS.
    pub smtp_url: Option<String>,
    /// The `From` address.
    pub from: String,
}

/// One notice.
#[derive(Debug, Clone, PartialEq)]
pub enum Notice {
    Email { to: String, subject: String, body: String },
    Webhook { url: String, payload: Value },
}

/// Delivery counters, for `/metrics` and tests.
#[derive(Debug, Default)]
pub struct OutboxCounts {
    pub delivered: AtomicU64,
    pub failed: AtomicU64,
    pub dropped: AtomicU64,
}

/// The queue of notices and its delivering task.
#[derive(Clone)]
pub struct Outbox {
    tx: mpsc::Sender<Notice>,
    counts: Arc<OutboxCounts>,
    mail_configured: bool,
}

impl std::fmt::Debug for Outbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbox").field("mail_configured", &self.mail_configured).finish()
    }
}

/// Why the mail settings cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("smtp_url {0:?}: expected smtp://host[:port]")]
    SmtpUrl(String),
    #[error("mail_from {0:?} is not an e-mail address")]
    From(String),
}

impl Outbox {
    /// Starts the delivering task. Without an SMTP relay, e-mail notices are counted as failed
    /// and logged; webhooks still go.
    pub fn start(mail: &MailSettings) -> Result<Self, NotifyError> {
        let transport = match &mail.smtp_url {
            Some(url) => Some(smtp_transport(url)?),
            None => None,
        };
        let from: Option<Mailbox> = match transport {
            Some(_) => Some(mail.from.parse().map_err(|_| NotifyError::From(mail.from.clone()))?),
            None => None,
        };
        let (tx, rx) = mpsc::channel(MAX_QUEUED_NOTICES);
        let counts = Arc::new(OutboxCounts::default());
        let http = selat_taxii::client::http_client()
            .timeout(DELIVERY_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        let mail_configured = transport.is_some();
        tokio::spawn(deliver_all(rx, Delivery { transport, from, http, counts: counts.clone() }));
        Ok(Outbox { tx, counts, mail_configured })
    }

    /// Whether e-mail can be sent at all.
    pub fn mail_configured(&self) -> bool {
        self.mail_configured
    }

    /// Queues a notice; a full queue drops it (counted, logged).
    pub fn send(&self, notice: Notice) {
        if self.tx.try_send(notice).is_err() {
            self.counts.dropped.fetch_add(1, Ordering::Relaxed);
            tracing::warn!("notice queue full ({MAX_QUEUED_NOTICES}): a notice was dropped");
        }
    }

    pub fn counts(&self) -> &OutboxCounts {
        &self.counts
    }
}

fn smtp_transport(url: &str) -> Result<AsyncSmtpTransport<Tokio1Executor>, NotifyError> {
    let bad = || NotifyError::SmtpUrl(url.to_owned());
    let rest = url.strip_prefix("smtp://").ok_or_else(bad)?.trim_end_matches('/');
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, port)) => (host, port.parse::<u16>().map_err(|_| bad())?),
        None => (rest, 25),
    };
    if host.is_empty() || host.contains(['/', '@', '?']) {
        return Err(bad());
    }
    Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
        .port(port)
        .timeout(Some(DELIVERY_TIMEOUT))
        .build())
}

struct Delivery {
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Option<Mailbox>,
    http: reqwest::Client,
    counts: Arc<OutboxCounts>,
}

async fn deliver_all(mut rx: mpsc::Receiver<Notice>, delivery: Delivery) {
    while let Some(notice) = rx.recv().await {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match delivery.deliver(&notice).await {
                Ok(()) => {
                    delivery.counts.delivered.fetch_add(1, Ordering::Relaxed);
                    break;
                }
                Err(e) if attempt < MAX_DELIVERY_ATTEMPTS => {
                    tracing::debug!(attempt, error = %e, "notice delivery failed; retrying");
                    tokio::time::sleep(Duration::from_millis(200 * u64::from(attempt))).await;
                }
                Err(e) => {
                    delivery.counts.failed.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(error = %e, "notice given up after {MAX_DELIVERY_ATTEMPTS} attempts");
                    break;
                }
            }
        }
    }
}

impl Delivery {
    async fn deliver(&self, notice: &Notice) -> Result<(), String> {
        match notice {
            Notice::Email { to, subject, body } => {
                let (Some(transport), Some(from)) = (&self.transport, &self.from) else {
                    return Err("no smtp_url is configured".to_owned());
                };
                let to: Mailbox = to.parse().map_err(|e| format!("recipient {to:?}: {e}"))?;
                let message = Message::builder()
                    .from(from.clone())
                    .to(to)
                    .subject(subject)
                    .header(ContentType::TEXT_PLAIN)
                    .body(body.clone())
                    .map_err(|e| e.to_string())?;
                transport.send(message).await.map(|_| ()).map_err(|e| e.to_string())
            }
            Notice::Webhook { url, payload } => {
                let response = self.http.post(url).json(payload).send().await.map_err(|e| e.to_string())?;
                let status = response.status();
                if status.is_success() {
                    Ok(())
                } else {
                    let text = response.text().await.unwrap_or_default();
                    let text: String = text.chars().take(MAX_WEBHOOK_TARGET_BYTES).collect();
                    Err(format!("webhook {url} answered {status}: {text}"))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls_are_checked() {
        for good in ["smtp://127.0.0.1:2525", "smtp://mail.example.org", "smtp://relay:587/"] {
            assert!(smtp_transport(good).is_ok(), "{good}");
        }
        for bad in ["smtps://x", "http://x", "smtp://", "smtp://h:notaport", "smtp://user@h:25"] {
            assert!(matches!(smtp_transport(bad), Err(NotifyError::SmtpUrl(_))), "{bad}");
        }
    }
}

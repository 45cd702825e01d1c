//! Mailing contact messages to their site's owner, as persisted jobs: a message is stored first
//! (see `contact`), its mail job enqueued in the same transaction, and the job retried with a
//! doubling delay while the mail server is down, so nothing is lost to an outage. The queue
//! that runs these jobs is `ruche_web::mail`'s, with the notifications' mails.

use crate::document::{self, Block};
use lettre::message::{Mailbox, Message};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use ruche_domain::settings::MailSettings;
use ruche_store::{Store, jobs, sites};
use std::time::Duration;

/// The job kind.
pub const JOB: &str = "contact-mail";

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("mail is not configured")]
    NotConfigured,
    #[error("{0}")]
    Address(String),
    #[error("the mail server: {0}")]
    Smtp(String),
    #[error("{0}")]
    Store(#[from] ruche_store::StoreError),
}

#[derive(serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Payload {
    pub message_id: i64,
}

/// Sends one stored message to the address of its site's contact block. A message whose site
/// or address is gone is done (nothing to send); the mail server's refusal is an error (retry).
pub async fn deliver(
    store: &Store,
    settings: &MailSettings,
    message_id: i64,
) -> Result<(), MailError> {
    let url = settings
        .smtp_url
        .as_deref()
        .ok_or(MailError::NotConfigured)?;
    let mut c = store.read().await?;
    let Some(m) = sites::message(c.ex(), message_id).await? else {
        return Ok(());
    };
    let Some(site) = sites::by_id(c.ex(), m.site_id).await? else {
        return Ok(());
    };
    drop(c);
    let doc = site.published.as_deref().unwrap_or(&site.draft);
    let Ok(doc) = document::parse_stored(doc.as_bytes()) else {
        return Ok(());
    };
    let to = doc.blocks.iter().find_map(|s| match &s.block {
        Block::Contact { to, .. } if !to.is_empty() => Some(to.clone()),
        _ => None,
    });
    let Some(to) = to else { return Ok(()) };
    let parse = |s: &str| {
        s.parse::<Mailbox>()
            .map_err(|e| MailError::Address(format!("{s}: {e}")))
    };
    // Header text on one line whatever is stored (the form refuses line breaks, older rows may
    // hold them): a line break in a header makes lettre panic.
    let one_line = |s: &str| s.replace(char::is_control, " ");
    let reply_to = Mailbox::new(
        Some(one_line(&m.name)),
        m.email
            .parse()
            .map_err(|e| MailError::Address(format!("{}: {e}", m.email)))?,
    );
    let email = Message::builder()
        .from(parse(&settings.from)?)
        .to(parse(&to)?)
        .reply_to(reply_to)
        .subject(one_line(&format!("[{}] {}", doc.title, m.name)))
        .body(format!("{} <{}>\n\n{}\n", m.name, m.email, m.message))
        .map_err(|e| MailError::Address(e.to_string()))?;
    send(url, email).await?;
    let mut tx = store.begin().await?;
    sites::mark_mailed(tx.ex(), message_id).await?;
    tx.commit().await?;
    Ok(())
}

/// Mails `body` (plain text) to `to` from the instance (`settings.from`), headed `subject`.
pub async fn send_text(
    settings: &MailSettings,
    to: &str,
    subject: &str,
    body: String,
) -> Result<(), MailError> {
    let url = settings
        .smtp_url
        .as_deref()
        .ok_or(MailError::NotConfigured)?;
    let parse = |s: &str| {
        s.parse::<Mailbox>()
            .map_err(|e| MailError::Address(format!("{s}: {e}")))
    };
    let email = Message::builder()
        .from(parse(&settings.from)?)
        .to(parse(to)?)
        .subject(subject.replace(char::is_control, " "))
        .body(body)
        .map_err(|e| MailError::Address(e.to_string()))?;
    send(url, email).await
}

/// Sends `email` through the mail server of `url`, within 30 seconds.
pub async fn send(url: &str, email: Message) -> Result<(), MailError> {
    let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
        .map_err(|e| MailError::Smtp(e.to_string()))?
        .timeout(Some(Duration::from_secs(30)))
        .build();
    transport
        .send(email)
        .await
        .map_err(|e| MailError::Smtp(e.to_string()))?;
    Ok(())
}

/// How a mail job that ended with `result` goes on: done; failed for good when it cannot become
/// a mail (a bad address); else tried again with a doubling delay from `retry_secs` (at most
/// six hours) while the mail server refuses or is down. Every mail job (`ruche_web::mail` runs
/// them all, contact messages and notifications) ends this way.
pub fn outcome(
    settings: &MailSettings,
    job: &jobs::Job,
    result: Result<(), MailError>,
) -> ruche_jobs::Outcome {
    use ruche_jobs::Outcome;
    match result {
        Ok(()) => Outcome::Done,
        Err(e @ MailError::Address(_)) => Outcome::Failed(e.to_string()),
        Err(e) => {
            let exp = u32::try_from(job.attempts.saturating_sub(1))
                .unwrap_or(16)
                .min(16);
            let delay = (settings.retry_secs.max(1) * 2u64.pow(exp)).min(6 * 3600);
            tracing::info!(
                "mail of job {} failed (attempt {}): {e}; again in {delay} s",
                job.id,
                job.attempts
            );
            Outcome::Retry {
                reason: e.to_string(),
                after: Duration::from_secs(delay),
            }
        }
    }
}

/// One contact message's mail job.
pub async fn run(store: &Store, settings: &MailSettings, job: &jobs::Job) -> ruche_jobs::Outcome {
    let message_id = match serde_json::from_str::<Payload>(&job.payload) {
        Ok(p) => p.message_id,
        Err(e) => return ruche_jobs::Outcome::Failed(format!("bad payload: {e}")),
    };
    outcome(settings, job, deliver(store, settings, message_id).await)
}

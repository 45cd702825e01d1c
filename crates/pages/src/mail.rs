//! Mailing contact messages to their site's owner, as persisted jobs: a message is stored first
//! (see `contact`), its mail job enqueued in the same transaction, and the job retried with a
//! doubling delay while the mail server is down, so nothing is lost to an outage.

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
    let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
        .map_err(|e| MailError::Smtp(e.to_string()))?
        .timeout(Some(Duration::from_secs(30)))
        .build();
    transport
        .send(email)
        .await
        .map_err(|e| MailError::Smtp(e.to_string()))?;
    let mut tx = store.begin().await?;
    sites::mark_mailed(tx.ex(), message_id).await?;
    tx.commit().await?;
    Ok(())
}

/// Runs the mail jobs (only when mail is configured) until `shutdown`: one worker, retrying a
/// message with a doubling delay from `retry_secs` (at most six hours) while the mail server
/// refuses or is down. A message that cannot become a mail (a bad address) fails for good.
pub fn spawn(
    store: Store,
    settings: MailSettings,
    wake: std::sync::Arc<tokio::sync::Notify>,
    shutdown: tokio_util::sync::CancellationToken,
) {
    if settings.smtp_url.is_none() {
        return;
    }
    let queue = ruche_jobs::Queue {
        name: "mail",
        kinds: vec![JOB],
        workers: 1,
        lease: Duration::from_secs(120),
        poll: Duration::from_secs(2),
        grace: Duration::from_secs(10),
    };
    let mail = std::sync::Arc::new(Mail {
        store: store.clone(),
        settings,
    });
    ruche_jobs::spawn(store, queue, wake, shutdown, mail);
}

/// The mail queue's work.
struct Mail {
    store: Store,
    settings: MailSettings,
}

impl ruche_jobs::Handler for Mail {
    async fn run(&self, job: jobs::Job) -> ruche_jobs::Outcome {
        run(&self.store, &self.settings, &job).await
    }
}

/// One mail job.
async fn run(store: &Store, settings: &MailSettings, job: &jobs::Job) -> ruche_jobs::Outcome {
    use ruche_jobs::Outcome;
    let message_id = match serde_json::from_str::<Payload>(&job.payload) {
        Ok(p) => p.message_id,
        Err(e) => return Outcome::Failed(format!("bad payload: {e}")),
    };
    match deliver(store, settings, message_id).await {
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

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
    let Ok(doc) = document::parse(doc.as_bytes()) else {
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
    let reply_to = Mailbox::new(
        Some(m.name.clone()),
        m.email
            .parse()
            .map_err(|e| MailError::Address(format!("{}: {e}", m.email)))?,
    );
    let email = Message::builder()
        .from(parse(&settings.from)?)
        .to(parse(&to)?)
        .reply_to(reply_to)
        .subject(format!("[{}] {}", doc.title, m.name))
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

/// Runs the mail jobs until the process ends (only when mail is configured).
pub fn spawn(store: Store, settings: MailSettings) {
    if settings.smtp_url.is_none() {
        return;
    }
    tokio::spawn(async move {
        loop {
            match run_one(&store, &settings).await {
                Ok(true) => continue,
                Ok(false) => tokio::time::sleep(Duration::from_millis(500)).await,
                Err(e) => {
                    tracing::warn!("mail worker: {e}");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    });
}

/// Claims and runs one mail job; false when there was none.
pub async fn run_one(store: &Store, settings: &MailSettings) -> Result<bool, MailError> {
    let Some(job) = jobs::claim(store, JOB, 120_000).await? else {
        return Ok(false);
    };
    let result = match serde_json::from_str::<Payload>(&job.payload) {
        Ok(p) => deliver(store, settings, p.message_id).await,
        Err(e) => Err(MailError::Address(format!("bad payload: {e}"))),
    };
    let mut tx = store.begin().await?;
    match result {
        Ok(()) => jobs::complete(tx.ex(), job.id).await?,
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
            jobs::fail(tx.ex(), &job, &e.to_string(), Some(delay as i64 * 1000)).await?;
        }
    }
    tx.commit().await?;
    Ok(true)
}

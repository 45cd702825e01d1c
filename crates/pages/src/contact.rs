//! The contact form's way in: a message is checked against spam without any third party, then
//! stored before anything else happens to it. The checks: a honeypot field hidden from people
//! and screen readers, a signed render time (a form sent too fast is a robot, one too old is
//! stale), a cap on links, and rate limits per sender and per site.

use crate::document::{self, Block};
use hmac::{Hmac, Mac};
use ruche_store::{Store, sites};
use sha2::{Digest, Sha256};

/// A page may stay open (or cached) this long before its form is stale.
pub const MAX_AGE_SECS: i64 = 48 * 3600;
/// A static export's form (no render time: the page was written once) stays valid this long.
pub const STATIC_MAX_AGE_SECS: i64 = 400 * 24 * 3600;
/// More links than this is spam.
pub const MAX_LINKS: usize = 3;
/// Per sender and per site, over the last hour.
pub const PER_SENDER_PER_HOUR: i64 = 10;
pub const PER_SITE_PER_HOUR: i64 = 50;

type HmacSha256 = Hmac<Sha256>;

fn sign(secret: &str, site_id: i64, ts: i64) -> String {
    let mut mac = match HmacSha256::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(format!("{site_id}.{ts}").as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The token a rendered form carries: its render time, signed for this site.
pub fn form_token(secret: &str, site_id: i64, now_secs: i64) -> String {
    format!("{now_secs}.{}", sign(secret, site_id, now_secs))
}

/// The token of a static export's form: signed as such, valid for [`STATIC_MAX_AGE_SECS`]
/// from the export, without the minimum fill time (the honeypot and rate limits still apply).
pub fn static_form_token(secret: &str, site_id: i64, now_secs: i64) -> String {
    format!("s{now_secs}.{}", sign(secret, site_id, -now_secs))
}

/// What a visitor sent.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct Submission {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub message: String,
    /// The honeypot: people never see it, robots fill it.
    #[serde(default)]
    pub website: String,
    #[serde(default)]
    pub token: String,
}

/// Why a message was refused; each has a message for the visitor (by key in the catalogues).
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("no contact form on this site")]
    NoForm,
    #[error("sent too fast")]
    TooFast,
    #[error("the form is too old")]
    Expired,
    #[error("the form was tampered with")]
    BadToken,
    #[error("too many links")]
    TooManyLinks,
    #[error("a field is missing or too long")]
    Invalid,
    #[error("too many messages")]
    RateLimited,
}

impl Refused {
    /// The catalogue key of the visitor's explanation.
    pub fn key(&self) -> &'static str {
        match self {
            Refused::NoForm | Refused::BadToken | Refused::Invalid => "contact-error-invalid",
            Refused::TooFast => "contact-error-too-fast",
            Refused::Expired => "contact-error-expired",
            Refused::TooManyLinks => "contact-error-links",
            Refused::RateLimited => "contact-error-rate",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ContactError {
    #[error("{0}")]
    Refused(Refused),
    #[error("no such site")]
    NotFound,
    #[error("{0}")]
    Store(#[from] ruche_store::StoreError),
}

/// What happened to a submission that was not refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Stored, with its id.
    Stored(i64),
    /// The honeypot was filled: answered as if stored, kept nowhere.
    Dropped,
}

fn links(s: &str) -> usize {
    let l = s.to_ascii_lowercase();
    l.matches("http://").count() + l.matches("https://").count() + l.matches("www.").count()
}

/// Checks and stores a message sent to the published site `slug` from `sender` (an address,
/// hashed before it is kept); a form sent less than `min_fill_secs` after its page was rendered
/// is refused (`[pages] contact_min_fill_secs`); with `mail_attempts`, its mail job is enqueued
/// in the same transaction.
#[allow(clippy::too_many_arguments)]
pub async fn submit(
    store: &Store,
    secret: &str,
    slug: &str,
    form: &Submission,
    sender: &str,
    now_secs: i64,
    min_fill_secs: u64,
    mail_attempts: Option<i64>,
) -> Result<Outcome, ContactError> {
    let refuse = |r| Err(ContactError::Refused(r));
    let mut c = store.read().await?;
    let row = sites::by_slug(c.ex(), slug)
        .await?
        .ok_or(ContactError::NotFound)?;
    drop(c);
    let Some(published) = row.published.as_deref() else {
        return Err(ContactError::NotFound);
    };
    let site = document::parse_stored(published.as_bytes()).map_err(|_| ContactError::NotFound)?;
    if !site
        .blocks
        .iter()
        .any(|s| !s.hidden && matches!(s.block, Block::Contact { .. }))
    {
        return refuse(Refused::NoForm);
    }
    let Some((ts, sig)) = form.token.split_once('.') else {
        return refuse(Refused::BadToken);
    };
    // A static export signs the negated time, so neither kind of token passes for the other.
    let (ts, exported) = match ts.strip_prefix('s') {
        Some(t) => (t, true),
        None => (ts, false),
    };
    let Ok(ts) = ts.parse::<i64>() else {
        return refuse(Refused::BadToken);
    };
    if sign(secret, row.id, if exported { -ts } else { ts }) != sig {
        return refuse(Refused::BadToken);
    }
    let min_fill_secs = i64::try_from(min_fill_secs).unwrap_or(i64::MAX);
    if !exported && now_secs.saturating_sub(ts) < min_fill_secs {
        return refuse(Refused::TooFast);
    }
    let max_age = if exported {
        STATIC_MAX_AGE_SECS
    } else {
        MAX_AGE_SECS
    };
    if now_secs - ts > max_age {
        return refuse(Refused::Expired);
    }
    if !form.website.is_empty() {
        return Ok(Outcome::Dropped);
    }
    let (name, email, message) = (form.name.trim(), form.email.trim(), form.message.trim());
    let email_ok = email
        .split_once('@')
        .is_some_and(|(a, d)| !a.is_empty() && d.contains('.'))
        && !email.contains(char::is_whitespace);
    // The name and address go into mail headers: a line break there would end the header.
    let one_line = |s: &str| !s.contains(char::is_control);
    if name.is_empty()
        || name.chars().count() > 120
        || !one_line(name)
        || !one_line(email)
        || !email_ok
        || email.len() > 200
        || message.is_empty()
        || message.chars().count() > 5000
    {
        return refuse(Refused::Invalid);
    }
    if links(message) + links(name) > MAX_LINKS {
        return refuse(Refused::TooManyLinks);
    }
    let sender_hash = hex::encode(Sha256::digest(sender.as_bytes()));
    let mut tx = store.begin().await?;
    let (by_sender, to_site) =
        sites::recent_messages(tx.ex(), row.id, &sender_hash, (now_secs - 3600) * 1000).await?;
    if by_sender >= PER_SENDER_PER_HOUR || to_site >= PER_SITE_PER_HOUR {
        return refuse(Refused::RateLimited);
    }
    let id = sites::insert_message(tx.ex(), row.id, name, email, message, &sender_hash).await?;
    if let Some(max_attempts) = mail_attempts {
        let payload = serde_json::json!({ "messageId": id }).to_string();
        ruche_store::jobs::enqueue(tx.ex(), crate::mail::JOB, &payload, None, max_attempts).await?;
    }
    tx.commit().await?;
    Ok(Outcome::Stored(id))
}

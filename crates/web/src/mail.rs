//! The mail queue: every mail the instance sends, as persisted jobs run by one worker (only when
//! mail is configured), retried while the mail server is down (`ruche_pages::mail::outcome`).
//! Contact messages are written by `ruche_pages::mail`; notifications here, where the
//! catalogues are, in their recipient's language.

use std::sync::Arc;
use std::time::Duration;

use ruche_jobs::Job;
use ruche_jobs::Outcome;
use ruche_pages::mail::{self as pages_mail, MailError};
use ruche_tube::Tube;
use ruche_tube::notifications::{self, MAIL_JOB};

use crate::api::notifications::{link, summary};
use crate::i18n::{I18n, LANGUAGES};

/// Runs the mail jobs until `shutdown`, if mail is configured.
pub fn spawn(tube: Arc<Tube>, shutdown: tokio_util::sync::CancellationToken) {
    if tube.settings.mail.smtp_url.is_none() {
        return;
    }
    let queue = ruche_jobs::Queue {
        name: "mail",
        kinds: vec![pages_mail::JOB, MAIL_JOB],
        workers: 1,
        lease: Duration::from_secs(120),
        poll: Duration::from_secs(2),
        grace: Duration::from_secs(10),
    };
    let wake = tube.mail_ready.clone();
    let store = tube.store.clone();
    let mailer = Arc::new(Mailer {
        tube,
        i18n: I18n::load(),
    });
    ruche_jobs::spawn(store, queue, wake, shutdown, mailer);
}

struct Mailer {
    tube: Arc<Tube>,
    i18n: I18n,
}

impl ruche_jobs::Handler for Mailer {
    async fn run(&self, job: Job) -> Outcome {
        let settings = &self.tube.settings.mail;
        if job.kind == pages_mail::JOB {
            return pages_mail::run(&self.tube.store, settings, &job).await;
        }
        let id = serde_json::from_str::<serde_json::Value>(&job.payload)
            .ok()
            .and_then(|p| p["notificationId"].as_i64());
        let Some(id) = id else {
            return Outcome::Failed("bad payload".into());
        };
        pages_mail::outcome(settings, &job, self.notification(id).await)
    }
}

impl Mailer {
    /// Mails notification `id` to its recipient; nothing if it or they are gone.
    async fn notification(&self, id: i64) -> Result<(), MailError> {
        let store_err = |e: ruche_tube::TubeError| MailError::Smtp(e.to_string());
        let Some(s) = notifications::one(&self.tube, id)
            .await
            .map_err(store_err)?
        else {
            return Ok(());
        };
        let Some(to) = notifications::recipient(&self.tube, &s.n)
            .await
            .map_err(store_err)?
        else {
            return Ok(());
        };
        let Some((key, args)) = summary(&s) else {
            return Ok(());
        };
        let lang = to
            .language
            .as_deref()
            .and_then(|l| LANGUAGES.iter().find(|x| **x == l))
            .copied()
            .unwrap_or("en");
        let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let line = self.i18n.message(lang, key, &args);
        let base = self.tube.settings.public_url.trim_end_matches('/');
        let name = ruche_tube::instance::current(&self.tube)
            .await
            .map(|c| c.name.clone())
            .unwrap_or_else(|_| self.tube.settings.instance.name.clone());
        let subject = format!("[{name}] {line}");
        let body = format!(
            "{}\n\n{line}\n\n{base}{}\n\n-- \n{}\n{base}/my-account/notifications\n",
            self.i18n
                .message(lang, "mail-hello", &[("name", &to.username)]),
            link(&s),
            self.i18n.message(lang, "mail-settings-hint", &[]),
        );
        pages_mail::send_text(&self.tube.settings.mail, &to.email, &subject, body).await
    }
}

//! Users' notifications, PeerTube's: what happened that concerns them (a report for moderators,
//! a decision or a message for a reporter, a comment under their video…), listed in the page
//! and mailed, as each recipient's settings say (`ruche_domain::notification`). `notify` writes
//! them, in the transaction of the event each tells, with its mail job; this module reads them
//! and keeps the settings; the mail itself is written and sent by `ruche_web::mail`, which
//! knows the catalogues of both languages.

use std::collections::HashMap;

pub use crate::notify::{MAIL_JOB, settings_of};
use ruche_domain::notification::{Kind, REQUIRED, SETTINGS, Settings};
use ruche_store::abuses::Abuse;
use ruche_store::comments::Comment;
use ruche_store::imports::VideoImport;
use ruche_store::notifications as store;
pub use ruche_store::notifications::{Filter, Notification, Recipient};
use ruche_store::users::{Account, User};
use ruche_store::videos::Video;
use serde_json::Value;

use crate::{Tube, TubeError, TubeResult};

/// A notification with what it names, read at once for a page of them.
#[derive(Debug, Clone)]
pub struct Shown {
    pub n: Notification,
    pub video: Option<Video>,
    pub comment: Option<Comment>,
    /// The comment's author.
    pub comment_author: Option<Account>,
    /// The comment's video.
    pub comment_video: Option<Video>,
    pub abuse: Option<crate::abuses::Shown>,
    pub account: Option<Account>,
    pub import: Option<VideoImport>,
    pub import_video: Option<Video>,
}

impl Shown {
    pub fn kind(&self) -> Option<Kind> {
        Kind::try_from(self.n.kind).ok()
    }
}

/// A page of `user`'s notifications (PeerTube's `GET /api/v1/users/me/notifications`), and how
/// many `f` selects.
pub async fn list(tube: &Tube, user: &User, f: &Filter) -> TubeResult<(Vec<Shown>, i64)> {
    let (rows, total) = {
        let mut c = tube.store.read().await?;
        if f.count == 0 {
            let counted = Filter {
                count: 1,
                ..f.clone()
            };
            (Vec::new(), store::list(c.ex(), user.id, &counted).await?.1)
        } else {
            store::list(c.ex(), user.id, f).await?
        }
    };
    Ok((shown(tube, rows).await?, total))
}

/// How many of `user`'s notifications are unread (the badge in the pages' header).
pub async fn unread(tube: &Tube, user: &User) -> TubeResult<i64> {
    let f = Filter {
        unread: Some(true),
        count: 1,
        ..Filter::default()
    };
    let mut c = tube.store.read().await?;
    Ok(store::list(c.ex(), user.id, &f).await?.1)
}

/// One notification with what it names (a mail job's), if it still exists.
pub async fn one(tube: &Tube, id: i64) -> TubeResult<Option<Shown>> {
    let n = {
        let mut c = tube.store.read().await?;
        store::by_id(c.ex(), id).await?
    };
    Ok(match n {
        Some(n) => shown(tube, vec![n]).await?.pop(),
        None => None,
    })
}

/// Reads what `rows` name, a few queries for the whole page.
async fn shown(tube: &Tube, rows: Vec<Notification>) -> TubeResult<Vec<Shown>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut abuses: HashMap<i64, crate::abuses::Shown> = HashMap::new();
    let abuse_rows: Vec<Abuse> = {
        let mut c = tube.store.read().await?;
        let mut found = Vec::new();
        for id in rows.iter().filter_map(|n| n.abuse_id) {
            if let Some(a) = ruche_store::abuses::by_id(c.ex(), id).await? {
                found.push(a);
            }
        }
        found
    };
    for s in crate::abuses::shown(tube, abuse_rows).await? {
        abuses.insert(s.abuse.id, s);
    }
    let mut c = tube.store.read().await?;
    let comments =
        crate::lookup::comments(c.ex(), rows.iter().filter_map(|n| n.comment_id).collect()).await?;
    let mut imports: HashMap<i64, VideoImport> = HashMap::new();
    for id in rows.iter().filter_map(|n| n.import_id) {
        if let Some(i) = ruche_store::imports::by_id(c.ex(), id).await? {
            imports.insert(id, i);
        }
    }
    let videos = crate::lookup::videos(
        c.ex(),
        rows.iter()
            .filter_map(|n| n.video_id)
            .chain(comments.values().map(|cm| cm.video_id))
            .chain(imports.values().filter_map(|i| i.video_id))
            .collect(),
    )
    .await?;
    let accounts = crate::lookup::accounts(
        c.ex(),
        rows.iter()
            .filter_map(|n| n.account_id)
            .chain(comments.values().map(|cm| cm.account_id))
            .collect(),
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|n| {
            let comment = n.comment_id.and_then(|id| comments.get(&id).cloned());
            let import = n.import_id.and_then(|id| imports.get(&id).cloned());
            Shown {
                video: n.video_id.and_then(|id| videos.get(&id).cloned()),
                comment_author: comment
                    .as_ref()
                    .and_then(|cm| accounts.get(&cm.account_id).cloned()),
                comment_video: comment
                    .as_ref()
                    .and_then(|cm| videos.get(&cm.video_id).cloned()),
                comment,
                abuse: n.abuse_id.and_then(|id| abuses.get(&id).cloned()),
                account: n.account_id.and_then(|id| accounts.get(&id).cloned()),
                import_video: import
                    .as_ref()
                    .and_then(|i| i.video_id)
                    .and_then(|id| videos.get(&id).cloned()),
                import,
                n,
            }
        })
        .collect())
}

/// Marks `user`'s notifications of `ids` read (PeerTube's: others' are ignored; an empty list,
/// or one of no ids, is refused).
pub async fn mark_read(tube: &Tube, user: &User, ids: &[i64]) -> TubeResult<()> {
    if ids.is_empty() {
        return Err(TubeError::BadRequest(
            "Should have a valid array of notification ids".into(),
        ));
    }
    let mut tx = tube.store.begin().await?;
    store::mark_read(tx.ex(), user.id, ids).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn mark_all_read(tube: &Tube, user: &User) -> TubeResult<()> {
    let mut tx = tube.store.begin().await?;
    store::mark_all_read(tx.ex(), user.id).await?;
    tx.commit().await?;
    Ok(())
}

/// `user`'s settings.
pub async fn settings(tube: &Tube, user: &User) -> TubeResult<Settings> {
    let mut c = tube.store.read().await?;
    Ok(settings_of(
        store::settings_of(c.ex(), user.id).await?.as_deref(),
    ))
}

/// Changes `user`'s settings (PeerTube's `PUT …/notification-settings`): each key of `body`
/// one of its eighteen, each value 0 to 3; the twelve PeerTube requires must be there. Nothing
/// is changed unless all is right.
pub async fn set_settings(tube: &Tube, user: &User, body: &Value) -> TubeResult<()> {
    let bad = |key: &str| TubeError::BadRequest(format!("Incorrect request parameters: {key}"));
    let Some(given) = body.as_object() else {
        return Err(bad("body"));
    };
    if let Some(missing) = REQUIRED.iter().find(|k| !given.contains_key(**k)) {
        return Err(bad(missing));
    }
    let mut s = settings(tube, user).await?;
    for (key, _) in SETTINGS {
        let Some(v) = given.get(key) else { continue };
        let ok = v.as_i64().is_some_and(|v| s.set(key, v));
        if !ok {
            return Err(bad(key));
        }
    }
    let stored = serde_json::to_string(&s).map_err(|e| TubeError::Internal(e.to_string()))?;
    let mut tx = tube.store.begin().await?;
    store::set_settings(tx.ex(), user.id, &stored).await?;
    tx.commit().await?;
    Ok(())
}

/// Remembers the language `user` chose, for their mails.
pub async fn set_language(tube: &Tube, user_id: i64, language: &str) -> TubeResult<()> {
    let mut tx = tube.store.begin().await?;
    store::set_language(tx.ex(), user_id, language).await?;
    tx.commit().await?;
    Ok(())
}

/// The recipient of notification `n`, for its mail.
pub async fn recipient(tube: &Tube, n: &Notification) -> TubeResult<Option<Recipient>> {
    let mut c = tube.store.read().await?;
    Ok(store::recipients(c.ex(), &[n.user_id]).await?.pop())
}

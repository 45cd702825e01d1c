//! Telling users what concerns them (`notifications` reads what was told): a notification is
//! written in the transaction of the event it tells, for each recipient whose settings want
//! it, with its mail job when they want it by mail and mail is configured. The events call
//! these; the rules of who is told are here (PeerTube's notifiers).

use ruche_domain::notification::{EMAIL, Kind, Settings, WEB};
use ruche_domain::user::Role;
use ruche_store::Ex;
use ruche_store::notifications::{self as store, About, Recipient};
use ruche_store::videos::Video;
use serde_json::json;

use crate::{Tube, TubeResult};

/// The job kind of a notification's mail.
pub const MAIL_JOB: &str = "notification-mail";

/// Attempts at a notification's mail (PeerTube's: 5).
const MAIL_ATTEMPTS: i64 = 5;

/// The settings `stored` says (PeerTube's defaults where it says nothing, or nothing readable).
pub fn settings_of(stored: Option<&str>) -> Settings {
    stored
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or_default()
}

/// Tells each of `to` of `kind` about `about`, in the caller's transaction: a notification in
/// the page where their setting has [`WEB`], a mail job where it has [`EMAIL`] and mail is
/// configured. How many were told.
pub(crate) async fn notify(
    mut ex: Ex<'_>,
    tube: &Tube,
    kind: Kind,
    about: About,
    to: &[Recipient],
) -> TubeResult<usize> {
    let mail = tube.settings.mail.smtp_url.is_some();
    let mut told = 0;
    for r in to {
        let how = settings_of(r.notification_settings.as_deref()).of(kind);
        let web = how & WEB != 0;
        let mailed = mail && how & EMAIL != 0;
        if !web && !mailed {
            continue;
        }
        let id = store::insert(ex.reborrow(), r.id, kind.id(), web, &about).await?;
        if mailed {
            let payload = json!({ "notificationId": id }).to_string();
            ruche_store::jobs::enqueue(ex.reborrow(), MAIL_JOB, &payload, None, MAIL_ATTEMPTS)
                .await?;
        }
        told += 1;
    }
    Ok(told)
}

/// The instance's moderators and administrators, but `except` (who acted), as recipients.
pub(crate) async fn moderators(mut ex: Ex<'_>, except: Option<i64>) -> TubeResult<Vec<Recipient>> {
    let roles = [Role::Admin.id(), Role::Moderator.id()];
    let mut all = store::with_roles(ex.reborrow(), &roles).await?;
    all.retain(|r| Some(r.id) != except);
    Ok(all)
}

/// The users of `ids` (those not blocked), as recipients.
pub(crate) async fn users(ex: Ex<'_>, ids: &[i64]) -> TubeResult<Vec<Recipient>> {
    Ok(store::recipients(ex, ids).await?)
}

/// The user that owns local account `account_id`, as a recipient (none for another
/// instance's account).
pub(crate) async fn owner_of_account(
    mut ex: Ex<'_>,
    account_id: i64,
) -> TubeResult<Vec<Recipient>> {
    let a = ruche_store::users::account_by_id(ex.reborrow(), account_id).await?;
    match a.user_id {
        Some(u) if a.host.is_none() => users(ex, &[u]).await,
        _ => Ok(Vec::new()),
    }
}

/// Whether the account `author` or its instance is muted by the account `by` or blocked by our
/// instance (PeerTube's `isBlockedByServerOrAccount`).
async fn muted(mut ex: Ex<'_>, by: i64, author: i64) -> TubeResult<bool> {
    let a = ruche_store::users::account_by_id(ex.reborrow(), author).await?;
    let hosts: Vec<String> = a.host.into_iter().collect();
    for who in [Some(by), None] {
        let (accounts, servers) =
            ruche_store::blocklist::blocked_among(ex.reborrow(), who, &[author], &hosts).await?;
        if !accounts.is_empty() || !servers.is_empty() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// A comment `comment_id` by account `author` under video `v`: its owner is told, if the video
/// is ours, the author is someone else, and neither the owner nor the instance mutes them
/// (PeerTube's `NewCommentForVideoOwner`; a comment held for review tells them too).
pub(crate) async fn comment_on_video(
    mut ex: Ex<'_>,
    tube: &Tube,
    v: &Video,
    comment_id: i64,
    author: i64,
) -> TubeResult<()> {
    if !v.is_local() || v.account_id == author || muted(ex.reborrow(), v.account_id, author).await?
    {
        return Ok(());
    }
    let to = owner_of_account(ex.reborrow(), v.account_id).await?;
    let about = About {
        comment_id: Some(comment_id),
        ..About::default()
    };
    notify(ex, tube, Kind::NewCommentOnMyVideo, about, &to).await?;
    Ok(())
}

/// A video of ours is out (PeerTube's `MyVideoPublished`): its owner is told.
pub(crate) async fn video_published(mut ex: Ex<'_>, tube: &Tube, v: &Video) -> TubeResult<()> {
    if !v.is_local() {
        return Ok(());
    }
    let to = owner_of_account(ex.reborrow(), v.account_id).await?;
    let about = About {
        video_id: Some(v.id),
        ..About::default()
    };
    notify(ex, tube, Kind::MyVideoPublished, about, &to).await?;
    Ok(())
}

/// Import `import_id` of user `user_id` ended (PeerTube's `ImportFinishedForOwner`).
pub(crate) async fn import_finished(
    mut ex: Ex<'_>,
    tube: &Tube,
    user_id: i64,
    import_id: i64,
    success: bool,
) -> TubeResult<()> {
    let to = users(ex.reborrow(), &[user_id]).await?;
    let kind = if success {
        Kind::MyVideoImportSuccess
    } else {
        Kind::MyVideoImportError
    };
    let about = About {
        import_id: Some(import_id),
        ..About::default()
    };
    notify(ex, tube, kind, about, &to).await?;
    Ok(())
}

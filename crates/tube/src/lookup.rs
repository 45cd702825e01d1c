//! Rows by id, each read once for a whole page: what a list shows beside its items (a report's
//! accounts and video, a notification's comment and its author…).

use std::collections::HashMap;

use ruche_store::Ex;
use ruche_store::comments::Comment;
use ruche_store::users::Account;
use ruche_store::videos::Video;

use crate::TubeResult;

/// The distinct ids of `ids`, sorted. (Callers collect their ids first: an iterator's closures
/// held across an `.await` make the future not `Send`.)
fn distinct(mut ids: Vec<i64>) -> Vec<i64> {
    ids.sort_unstable();
    ids.dedup();
    ids
}

pub(crate) async fn videos(ex: Ex<'_>, ids: Vec<i64>) -> TubeResult<HashMap<i64, Video>> {
    let ids = distinct(ids);
    Ok(ruche_store::videos::by_ids(ex, &ids)
        .await?
        .into_iter()
        .map(|v| (v.id, v))
        .collect())
}

pub(crate) async fn accounts(ex: Ex<'_>, ids: Vec<i64>) -> TubeResult<HashMap<i64, Account>> {
    let ids = distinct(ids);
    Ok(ruche_store::users::accounts_by_ids(ex, &ids)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect())
}

pub(crate) async fn comments(ex: Ex<'_>, ids: Vec<i64>) -> TubeResult<HashMap<i64, Comment>> {
    let ids = distinct(ids);
    Ok(ruche_store::comments::by_ids(ex, &ids)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect())
}

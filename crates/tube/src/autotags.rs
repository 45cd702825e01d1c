//! Watched words and automatic tags, as PeerTube 6.2 has them. An account (or the instance)
//! keeps lists of words; a comment under one of an account's videos is tagged with the name of
//! each of the account's lists (and of the instance's) one of whose words it contains, and with
//! `external-link` when it links elsewhere; a video with the instance's. An account holds for
//! approval the comments that got one of the tags it chose (its "review" policy). Moderators and
//! owners filter their lists of comments and videos by tag.
//!
//! Matching is PeerTube's: a word is found, whatever its case, where neither a letter precedes
//! nor follows it. All of an owner's words are found in one pass (Aho-Corasick), the automaton
//! built once per owner and kept until its lists change.

use crate::{Tube, TubeError, TubeResult};
use aho_corasick::AhoCorasick;
use ruche_store::Ex;
use ruche_store::users::User;
use ruche_store::videos::Video;
use ruche_store::watched;
pub use ruche_store::watched::{ListOrder, WatchedList};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// PeerTube's one core tag: a link to another host.
pub const EXTERNAL_LINK: &str = "external-link";
/// PeerTube's bounds: a list's name, its words, a word.
pub const MAX_NAME: usize = 100;
pub const MAX_WORDS: usize = 500;
pub const MAX_WORD: usize = 100;
/// The most lists an owner keeps (PeerTube has no bound; each one is matched against every
/// comment).
pub const MAX_LISTS: i64 = 100;

/// Whose lists: an account of ours, or the instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Account(i64),
    Instance,
}

impl Owner {
    fn key(self) -> Option<i64> {
        match self {
            Owner::Account(id) => Some(id),
            Owner::Instance => None,
        }
    }
}

/// One owner's lists, ready to match.
struct Matcher {
    names: Vec<String>,
    automaton: Option<AhoCorasick>,
    /// The list of each pattern.
    list_of: Vec<usize>,
}

impl Matcher {
    fn new(lists: &[WatchedList]) -> Matcher {
        let mut patterns = Vec::new();
        let mut list_of = Vec::new();
        for (i, l) in lists.iter().enumerate() {
            for w in l.words() {
                let w = w.trim().to_lowercase();
                if !w.is_empty() {
                    patterns.push(w);
                    list_of.push(i);
                }
            }
        }
        let automaton = if patterns.is_empty() {
            None
        } else {
            AhoCorasick::new(&patterns).ok()
        };
        Matcher {
            names: lists.iter().map(|l| l.list_name.clone()).collect(),
            automaton,
            list_of,
        }
    }

    /// The names of the lists one of whose words `text` holds, in the lists' order.
    fn lists_in(&self, text: &str) -> Vec<String> {
        let Some(ac) = &self.automaton else {
            return Vec::new();
        };
        let text = text.to_lowercase();
        let letter_at = |i: usize| text[i..].chars().next().is_some_and(char::is_alphabetic);
        let letter_before = |i: usize| {
            text[..i]
                .chars()
                .next_back()
                .is_some_and(char::is_alphabetic)
        };
        let mut found = vec![false; self.names.len()];
        let mut left = self.names.len();
        for m in ac.find_overlapping_iter(&text) {
            let list = self.list_of[m.pattern().as_usize()];
            if found[list] || letter_before(m.start()) || letter_at(m.end()) {
                continue;
            }
            found[list] = true;
            left -= 1;
            if left == 0 {
                break;
            }
        }
        self.names
            .iter()
            .zip(found)
            .filter(|(_, f)| *f)
            .map(|(n, _)| n.clone())
            .collect()
    }
}

/// The matchers of the owners seen lately, each with the state of the lists it was made from.
#[derive(Default)]
pub struct Matchers {
    kept: Mutex<HashMap<Option<i64>, Kept>>,
}

/// A matcher, and the state of the lists it was made from ([`watched::lists_stamp`]).
type Kept = ((i64, i64), Arc<Matcher>);

/// The most owners whose matcher is kept at once.
const KEPT: usize = 256;

async fn matcher(tube: &Tube, mut ex: Ex<'_>, owner: Owner) -> TubeResult<Arc<Matcher>> {
    let stamp = watched::lists_stamp(ex.reborrow(), owner.key()).await?;
    if let Ok(kept) = tube.watched.kept.lock()
        && let Some((s, m)) = kept.get(&owner.key())
        && *s == stamp
    {
        return Ok(m.clone());
    }
    let lists = watched::lists_all(ex, owner.key()).await?;
    let m = Arc::new(Matcher::new(&lists));
    if let Ok(mut kept) = tube.watched.kept.lock() {
        if kept.len() >= KEPT {
            kept.clear();
        }
        kept.insert(owner.key(), (stamp, m.clone()));
    }
    Ok(m)
}

/// Whether `text` links to a host other than ours (an `http(s)://` URL or a `www.` address).
fn has_external_link(text: &str, our_host: &str) -> bool {
    let lower = text.to_lowercase();
    let mut rest = lower.as_str();
    while let Some(at) = ["http://", "https://", "www."]
        .iter()
        .filter_map(|p| rest.find(p).map(|i| (i, p.len(), *p == "www.")))
        .min()
    {
        let (i, skip, www) = at;
        let after = if www { &rest[i..] } else { &rest[i + skip..] };
        let authority: String = after
            .chars()
            .take_while(|c| !c.is_whitespace() && !"/?#)]>\"'<,;".contains(*c))
            .collect();
        let host = authority.rsplit('@').next().unwrap_or_default();
        let host = host.trim_end_matches('.');
        if (host.contains('.') || host.contains(':') || host == "localhost") && host != our_host {
            return true;
        }
        rest = &rest[i + skip..];
    }
    false
}

/// The tags `text` gets from `owner`'s lists, `external-link` last.
async fn tags_of(tube: &Tube, mut ex: Ex<'_>, owner: Owner, text: &str) -> TubeResult<Vec<String>> {
    let m = matcher(tube, ex.reborrow(), owner).await?;
    let mut tags = m.lists_in(text);
    if !tags.iter().any(|t| t == EXTERNAL_LINK) && has_external_link(text, &tube.settings.host()) {
        tags.push(EXTERNAL_LINK.to_string());
    }
    Ok(tags)
}

/// The tags a comment under `v` gets: for the video's owner and for the instance, and whether
/// the owner holds it for approval because of them (under our videos only).
pub struct CommentTags {
    pub owner: Vec<String>,
    pub instance: Vec<String>,
    pub review: bool,
}

pub async fn of_comment(tube: &Tube, v: &Video, text: &str) -> TubeResult<CommentTags> {
    let mut c = tube.store.read().await?;
    let owner = tags_of(tube, c.ex(), Owner::Account(v.account_id), text).await?;
    let instance = tags_of(tube, c.ex(), Owner::Instance, text).await?;
    let review = v.is_local()
        && !owner.is_empty()
        && watched::review_policy(c.ex(), v.account_id)
            .await?
            .iter()
            .any(|t| owner.contains(t));
    Ok(CommentTags {
        owner,
        instance,
        review,
    })
}

/// Records `tags` of comment `comment` under `v`.
pub async fn keep_comment_tags(
    mut ex: Ex<'_>,
    v: &Video,
    comment: i64,
    tags: &CommentTags,
) -> TubeResult<()> {
    watched::tag_comment(ex.reborrow(), comment, Some(v.account_id), &tags.owner).await?;
    watched::tag_comment(ex, comment, None, &tags.instance).await?;
    Ok(())
}

/// Tags video `v` from the instance's lists (its name and description), replacing its tags.
pub async fn tag_video(tube: &Tube, mut ex: Ex<'_>, v: &Video) -> TubeResult<()> {
    let mut tags = tags_of(tube, ex.reborrow(), Owner::Instance, &v.name).await?;
    for t in tags_of(
        tube,
        ex.reborrow(),
        Owner::Instance,
        v.description.as_deref().unwrap_or_default(),
    )
    .await?
    {
        if !tags.contains(&t) {
            tags.push(t);
        }
    }
    Ok(watched::tag_video(ex, v.id, &tags).await?)
}

/// The owner `account_name` names (`None`: the instance), if `user` may manage its lists and
/// policies: an account's owner or an administrator; the instance's, moderators.
pub async fn owner_for(tube: &Tube, user: &User, account_name: Option<&str>) -> TubeResult<Owner> {
    let Some(name) = account_name else {
        return if user.role.can_moderate() {
            Ok(Owner::Instance)
        } else {
            Err(TubeError::Forbidden(
                "Only moderators manage the instance's watched words".into(),
            ))
        };
    };
    // Only our accounts keep lists: `name`, or `name@our-host`.
    let name = match name.split_once('@') {
        None => name,
        Some((n, host)) if host == tube.settings.host() => n,
        Some(_) => return Err(TubeError::NotFound("account")),
    };
    let account = {
        let mut c = tube.store.read().await?;
        ruche_store::users::local_account_by_name(c.ex(), name).await?
    }
    .ok_or(TubeError::NotFound("account"))?;
    if account.user_id == Some(user.id) || user.role == ruche_domain::user::Role::Admin {
        Ok(Owner::Account(account.id))
    } else {
        Err(TubeError::Forbidden(
            "Cannot manage the watched words of another account".into(),
        ))
    }
}

/// A list's name and words as a client sent them, checked (PeerTube's bounds).
fn checked(
    name: Option<&str>,
    words: Option<&[String]>,
) -> TubeResult<(Option<String>, Option<Vec<String>>)> {
    let bad = |what: &str| TubeError::BadRequest(format!("Incorrect request parameters: {what}"));
    let name = match name {
        Some(n) => {
            let n = n.trim();
            if n.is_empty() || n.chars().count() > MAX_NAME {
                return Err(bad("listName (1 to 100 characters)"));
            }
            Some(n.to_string())
        }
        None => None,
    };
    let words = match words {
        Some(w) => {
            if w.is_empty() || w.len() > MAX_WORDS {
                return Err(bad("words (1 to 500 words)"));
            }
            let mut out = Vec::with_capacity(w.len());
            for word in w {
                let word = word.trim();
                if word.is_empty() || word.chars().count() > MAX_WORD {
                    return Err(bad("words (each 1 to 100 characters)"));
                }
                if !out.iter().any(|o: &String| o == word) {
                    out.push(word.to_string());
                }
            }
            Some(out)
        }
        None => None,
    };
    Ok((name, words))
}

pub async fn lists(
    tube: &Tube,
    owner: Owner,
    order: ListOrder,
    start: i64,
    count: i64,
) -> TubeResult<(Vec<WatchedList>, i64)> {
    let mut c = tube.store.read().await?;
    Ok(watched::lists_page(c.ex(), owner.key(), order, start, count).await?)
}

/// Adds a list to `owner`'s; its id. A name already used is a 409.
pub async fn add_list(tube: &Tube, owner: Owner, name: &str, words: &[String]) -> TubeResult<i64> {
    let (name, words) = checked(Some(name), Some(words))?;
    let (name, words) = (name.unwrap_or_default(), words.unwrap_or_default());
    let mut tx = tube.store.begin().await?;
    let (n, _) = watched::lists_stamp(tx.ex(), owner.key()).await?;
    if n >= MAX_LISTS {
        return Err(TubeError::Conflict(format!(
            "At most {MAX_LISTS} watched words lists: delete one first"
        )));
    }
    let id = watched::insert_list(tx.ex(), owner.key(), &name, &words)
        .await
        .map_err(name_taken)?;
    tx.commit().await?;
    Ok(id)
}

fn name_taken(e: ruche_store::StoreError) -> TubeError {
    match e {
        ruche_store::StoreError::Conflict(_) => {
            TubeError::Conflict("A watched words list with this name already exists".into())
        }
        e => e.into(),
    }
}

pub async fn update_list(
    tube: &Tube,
    owner: Owner,
    id: i64,
    name: Option<&str>,
    words: Option<&[String]>,
) -> TubeResult<()> {
    let (name, words) = checked(name, words)?;
    let mut tx = tube.store.begin().await?;
    watched::list_of(tx.ex(), owner.key(), id)
        .await?
        .ok_or(TubeError::NotFound("watched words list"))?;
    watched::update_list(tx.ex(), id, name.as_deref(), words.as_deref())
        .await
        .map_err(name_taken)?;
    tx.commit().await?;
    Ok(())
}

pub async fn delete_list(tube: &Tube, owner: Owner, id: i64) -> TubeResult<()> {
    let mut tx = tube.store.begin().await?;
    watched::list_of(tx.ex(), owner.key(), id)
        .await?
        .ok_or(TubeError::NotFound("watched words list"))?;
    watched::delete_list(tx.ex(), id).await?;
    tx.commit().await?;
    Ok(())
}

/// The tags `owner` may meet: its lists' names, then the core tag.
pub async fn available(tube: &Tube, owner: Owner) -> TubeResult<Vec<(String, &'static str)>> {
    let mut c = tube.store.read().await?;
    let mut out: Vec<(String, &'static str)> = watched::lists_all(c.ex(), owner.key())
        .await?
        .into_iter()
        .map(|l| (l.list_name, "watched-words-list"))
        .collect();
    out.push((EXTERNAL_LINK.to_string(), "core"));
    Ok(out)
}

pub async fn review_policy(tube: &Tube, account: i64) -> TubeResult<Vec<String>> {
    let mut c = tube.store.read().await?;
    Ok(watched::review_policy(c.ex(), account).await?)
}

/// Sets the tags `account` holds comments for: each one of its available tags.
pub async fn set_review_policy(tube: &Tube, account: i64, names: &[String]) -> TubeResult<()> {
    let known = available(tube, Owner::Account(account)).await?;
    for n in names {
        if !known.iter().any(|(k, _)| k == n) {
            return Err(TubeError::BadRequest(format!(
                "Incorrect request parameters: review ({n:?} is none of the account's automatic tags)"
            )));
        }
    }
    let mut tx = tube.store.begin().await?;
    watched::set_review_policy(tx.ex(), account, names).await?;
    tx.commit().await?;
    Ok(())
}

/// The automatic tags of `comments` for `owner`, by comment.
pub async fn comment_tags(
    tube: &Tube,
    owner: Owner,
    comments: &[i64],
) -> TubeResult<HashMap<i64, Vec<String>>> {
    let mut c = tube.store.read().await?;
    let mut out: HashMap<i64, Vec<String>> = HashMap::new();
    for (id, name) in watched::tags_of_comments(c.ex(), owner.key(), comments).await? {
        out.entry(id).or_default().push(name);
    }
    Ok(out)
}

/// The automatic tags of `videos`, by video.
pub async fn video_tags(tube: &Tube, videos: &[i64]) -> TubeResult<HashMap<i64, Vec<String>>> {
    let mut c = tube.store.read().await?;
    let mut out: HashMap<i64, Vec<String>> = HashMap::new();
    for (id, name) in watched::tags_of_videos(c.ex(), videos).await? {
        out.entry(id).or_default().push(name);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(name: &str, words: &[&str]) -> WatchedList {
        WatchedList {
            id: 1,
            account_id: None,
            list_name: name.into(),
            words: serde_json::to_string(words).unwrap_or_default(),
            created_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn words_match_whole_and_in_any_case() {
        let m = Matcher::new(&[
            list("insultes", &["crétin", "idiot"]),
            list("spam", &["buy now", "c++"]),
            list("vide", &["absent"]),
        ]);
        assert_eq!(m.lists_in("Quel CRÉTIN !"), vec!["insultes"]);
        assert_eq!(m.lists_in("idiotie"), Vec::<String>::new(), "inside a word");
        assert_eq!(
            m.lists_in("un idiot2"),
            vec!["insultes"],
            "a digit is no letter"
        );
        assert_eq!(m.lists_in("Buy now: c++ idiot"), vec!["insultes", "spam"]);
        assert_eq!(m.lists_in("buy nowhere"), Vec::<String>::new());
        // An overlapping shorter word that fails its bounds does not hide a longer one.
        let m = Matcher::new(&[list("a", &["ab", "abc d"])]);
        assert_eq!(m.lists_in("xabc d"), Vec::<String>::new());
        assert_eq!(m.lists_in("abc d"), vec!["a"]);
        assert!(Matcher::new(&[]).lists_in("anything").is_empty());
    }

    #[test]
    fn external_links() {
        let ours = "tube.example";
        assert!(has_external_link("voir https://spam.example/x", ours));
        assert!(has_external_link(
            "voir http://user@spam.example:8080/x",
            ours
        ));
        assert!(has_external_link("www.spam.example", ours));
        assert!(!has_external_link("voir https://tube.example/w/abc", ours));
        assert!(!has_external_link("pas de lien, https:// seul", ours));
        assert!(!has_external_link("rien", ours));
    }
}

//! What administrators change while the instance runs (PeerTube's custom configuration,
//! `/api/v1/config/custom`): the instance's name and descriptions, who may sign up, and new
//! users' quotas. Stored in `kv` as JSON over the settings file's values (a reset goes back to
//! those); every process reads it again at most [`REFRESH`] after another one changed it.

use crate::{Tube, TubeError, TubeResult};
use ruche_domain::settings::Settings;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::{Duration, Instant};

const KEY: &str = "instance-config";

/// How long a process trusts its copy before reading the stored one again.
pub const REFRESH: Duration = Duration::from_secs(2);

/// The NSFW policies PeerTube offers an instance's visitors.
pub const NSFW_POLICIES: &[&str] = &["display", "warn", "blur", "do_not_list"];

/// The instance as its administrators describe and open it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct InstanceConfig {
    pub name: String,
    pub short_description: String,
    pub description: String,
    pub terms: String,
    pub code_of_conduct: String,
    pub creation_reason: String,
    pub moderation_information: String,
    pub administrator: String,
    pub maintenance_lifetime: String,
    pub business_model: String,
    pub hardware_information: String,
    /// ISO 639 codes of the languages spoken here.
    pub languages: Vec<String>,
    /// PeerTube category ids of what the instance is about.
    pub categories: Vec<i64>,
    pub is_nsfw: bool,
    /// One of [`NSFW_POLICIES`].
    pub default_nsfw_policy: String,
    pub signup_enabled: bool,
    /// Users after which sign-up closes; -1: no limit.
    pub signup_limit: i64,
    pub signup_requires_approval: bool,
    pub signup_minimum_age: i64,
    /// New users' quotas in bytes; -1: none.
    pub video_quota: i64,
    pub video_quota_daily: i64,
    /// New videos of users who do not moderate wait blocked for a moderator's approval
    /// (PeerTube's `autoBlacklist.videos.ofUsers.enabled`).
    pub auto_block_videos: bool,
}

impl Default for InstanceConfig {
    fn default() -> Self {
        InstanceConfig::from_settings(&Settings::default())
    }
}

impl InstanceConfig {
    /// What the settings file says.
    pub fn from_settings(s: &Settings) -> InstanceConfig {
        InstanceConfig {
            name: s.instance.name.clone(),
            short_description: s.instance.short_description.clone(),
            description: String::new(),
            terms: String::new(),
            code_of_conduct: String::new(),
            creation_reason: String::new(),
            moderation_information: String::new(),
            administrator: String::new(),
            maintenance_lifetime: String::new(),
            business_model: String::new(),
            hardware_information: String::new(),
            languages: Vec::new(),
            categories: Vec::new(),
            is_nsfw: false,
            default_nsfw_policy: "display".into(),
            signup_enabled: s.signup.enabled,
            signup_limit: s.signup.limit,
            signup_requires_approval: s.signup.requires_approval,
            signup_minimum_age: 16,
            video_quota: s.user.video_quota,
            video_quota_daily: s.user.video_quota_daily,
            auto_block_videos: false,
        }
    }

    /// Refuses what PeerTube refuses: an empty or overlong name, overlong texts, unknown
    /// categories or policies, limits below -1. The field is named.
    pub fn check(&self) -> TubeResult<()> {
        let bad = |field: &str, why: &str| -> TubeResult<()> {
            Err(TubeError::BadRequest(format!(
                "Incorrect request parameters: {field} ({why})"
            )))
        };
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 120 {
            return bad("instance.name", "1 to 120 characters");
        }
        if self.short_description.chars().count() > 250 {
            return bad("instance.shortDescription", "at most 250 characters");
        }
        for (field, text) in [
            ("instance.description", &self.description),
            ("instance.terms", &self.terms),
            ("instance.codeOfConduct", &self.code_of_conduct),
            ("instance.creationReason", &self.creation_reason),
            (
                "instance.moderationInformation",
                &self.moderation_information,
            ),
            ("instance.administrator", &self.administrator),
            ("instance.maintenanceLifetime", &self.maintenance_lifetime),
            ("instance.businessModel", &self.business_model),
            ("instance.hardwareInformation", &self.hardware_information),
        ] {
            if text.chars().count() > 10_000 {
                return bad(field, "at most 10,000 characters");
            }
        }
        if self.languages.len() > 100
            || self.languages.iter().any(|l| {
                l.is_empty()
                    || l.len() > 10
                    || !l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            })
        {
            return bad("instance.languages", "language codes");
        }
        let known = |c: &i64| ruche_domain::video::category_label(*c).is_some();
        if self.categories.len() > 100 || !self.categories.iter().all(known) {
            return bad("instance.categories", "PeerTube's category ids");
        }
        if !NSFW_POLICIES.contains(&self.default_nsfw_policy.as_str()) {
            return bad(
                "instance.defaultNSFWPolicy",
                "display, warn, blur or do_not_list",
            );
        }
        if self.signup_limit < -1 {
            return bad("signup.limit", "-1 or more");
        }
        if !(1..=120).contains(&self.signup_minimum_age) {
            return bad("signup.minimumAge", "1 to 120");
        }
        if self.video_quota < -1 {
            return bad("user.videoQuota", "-1 or more");
        }
        if self.video_quota_daily < -1 {
            return bad("user.videoQuotaDaily", "-1 or more");
        }
        Ok(())
    }
}

/// This process's copy and when it was read.
#[derive(Default)]
pub struct Cached(std::sync::RwLock<Option<(Arc<InstanceConfig>, Instant)>>);

/// The configuration in force: the stored one, else the settings file's.
pub async fn current(tube: &Tube) -> TubeResult<Arc<InstanceConfig>> {
    if let Ok(guard) = tube.instance_config.0.read()
        && let Some((cfg, read)) = guard.as_ref()
        && read.elapsed() < REFRESH
    {
        return Ok(cfg.clone());
    }
    let stored = {
        let mut c = tube.store.read().await?;
        ruche_store::users::kv_get(c.ex(), KEY).await?
    };
    let cfg = Arc::new(match stored {
        // Written by `set` (checked then); one a newer version wrote that this one cannot read
        // falls back on the settings file rather than stopping the instance.
        Some(json) => serde_json::from_str(&json).unwrap_or_else(|e| {
            tracing::warn!("the stored instance configuration is unreadable: {e}");
            InstanceConfig::from_settings(&tube.settings)
        }),
        None => InstanceConfig::from_settings(&tube.settings),
    });
    if let Ok(mut guard) = tube.instance_config.0.write() {
        *guard = Some((cfg.clone(), Instant::now()));
    }
    Ok(cfg)
}

/// The copy this process holds, without reading the store (for what cannot wait on it); the
/// settings file's values before the first read.
pub fn cached(tube: &Tube) -> Arc<InstanceConfig> {
    tube.instance_config
        .0
        .read()
        .ok()
        .and_then(|g| g.as_ref().map(|(c, _)| c.clone()))
        .unwrap_or_else(|| Arc::new(InstanceConfig::from_settings(&tube.settings)))
}

/// Stores `cfg` (checked first) as the configuration in force.
pub async fn set(tube: &Tube, cfg: InstanceConfig) -> TubeResult<Arc<InstanceConfig>> {
    cfg.check()?;
    let json = serde_json::to_string(&cfg).map_err(|e| TubeError::Internal(e.to_string()))?;
    let mut tx = tube.store.begin().await?;
    ruche_store::users::kv_set(tx.ex(), KEY, &json).await?;
    tx.commit().await?;
    let cfg = Arc::new(cfg);
    if let Ok(mut guard) = tube.instance_config.0.write() {
        *guard = Some((cfg.clone(), Instant::now()));
    }
    Ok(cfg)
}

/// Goes back to the settings file's values.
pub async fn reset(tube: &Tube) -> TubeResult<Arc<InstanceConfig>> {
    let mut tx = tube.store.begin().await?;
    ruche_store::users::kv_delete(tx.ex(), KEY).await?;
    tx.commit().await?;
    let cfg = Arc::new(InstanceConfig::from_settings(&tube.settings));
    if let Ok(mut guard) = tube.instance_config.0.write() {
        *guard = Some((cfg.clone(), Instant::now()));
    }
    Ok(cfg)
}

use crate::profiles::{Picture, PictureKind};

fn pictures_key(kind: PictureKind) -> &'static str {
    match kind {
        PictureKind::Avatar => "instance-avatars",
        PictureKind::Banner => "instance-banners",
    }
}

/// The instance's avatar or banner, each size, as stored (JSON for `profiles::pictures`).
pub async fn pictures(tube: &Tube, kind: PictureKind) -> TubeResult<Option<String>> {
    let mut c = tube.store.read().await?;
    Ok(ruche_store::users::kv_get(c.ex(), pictures_key(kind)).await?)
}

/// Replaces `kind`'s pictures by `new` (none: removes them); the old files go once that is
/// stored.
async fn replace_pictures(tube: &Tube, kind: PictureKind, new: &[Picture]) -> TubeResult<()> {
    let stored = async {
        let mut tx = tube.store.begin().await?;
        let key = pictures_key(kind);
        let old = ruche_store::users::kv_get(tx.ex(), key).await?;
        if new.is_empty() {
            ruche_store::users::kv_delete(tx.ex(), key).await?;
        } else {
            let json =
                serde_json::to_string(new).map_err(|e| TubeError::Internal(e.to_string()))?;
            ruche_store::users::kv_set(tx.ex(), key, &json).await?;
        }
        tx.commit().await?;
        Ok::<_, TubeError>(crate::profiles::pictures(old.as_deref()))
    }
    .await;
    match stored {
        Ok(old) => {
            crate::profiles::remove_files(tube, &old).await;
            Ok(())
        }
        Err(e) => {
            crate::profiles::remove_files(tube, new).await;
            Err(e)
        }
    }
}

/// A new avatar or banner for the instance (PeerTube's `/config/instance-avatar/pick`), from
/// an uploaded picture, made in PeerTube's sizes.
pub async fn set_picture(tube: &Tube, kind: PictureKind, bytes: Vec<u8>) -> TubeResult<()> {
    let new = crate::profiles::make_pictures(tube, kind, bytes).await?;
    replace_pictures(tube, kind, &new).await
}

/// Removes the instance's avatar or banner.
pub async fn remove_picture(tube: &Tube, kind: PictureKind) -> TubeResult<()> {
    replace_pictures(tube, kind, &[]).await
}

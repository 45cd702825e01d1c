//! The instance settings: a TOML file, then `RUCHE_*` environment variables over it. Every
//! subcommand reads the same settings so a CLI command finds the server's data.

use serde::Deserialize;
use std::path::PathBuf;

/// All settings, with defaults that give a working instance with zero setup.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Address the HTTP server binds (`RUCHE_LISTEN`).
    pub listen: String,
    /// The URL people and other instances reach us at (`RUCHE_PUBLIC_URL`); ids derive from it.
    /// Unset, it is `http://` + the listen address (`localhost` for an unspecified address).
    pub public_url: String,
    /// Everything on disk lives below it by default (`RUCHE_DATA_DIR`).
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…` (`RUCHE_DATABASE_URL`); default an SQLite file in data_dir.
    pub database_url: Option<String>,
    /// Where media files are stored (`RUCHE_STORAGE_DIR`); default `<data_dir>/storage`.
    pub storage_dir: Option<PathBuf>,
    pub instance: InstanceSettings,
    pub signup: SignupSettings,
    pub user: UserDefaults,
    pub transcoding: TranscodingSettings,
    pub uploads: UploadSettings,
    pub views: ViewSettings,
    pub jobs: JobSettings,
    pub pages: PagesSettings,
    pub mail: MailSettings,
    pub federation: FederationSettings,
}

/// Talking to other servers: ActivityPub federation, and the fetches of oEmbed.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FederationSettings {
    /// Tests and development only: accept plain http and loopback or private addresses
    /// (`RUCHE_FEDERATION_ALLOW_INSECURE`). Off, only public https servers are reached.
    pub allow_insecure: bool,
    /// Accept other instances' follows at once (`RUCHE_FEDERATION_AUTO_ACCEPT`); off, an
    /// administrator accepts or rejects each.
    pub auto_accept_instance_followers: bool,
    /// Follow back an instance that follows us (`RUCHE_FEDERATION_AUTO_FOLLOW_BACK`).
    pub auto_follow_back: bool,
    /// Also send unlisted videos to other instances (PeerTube's `federate_unlisted`).
    pub federate_unlisted: bool,
    /// Deliveries in flight at once, and at most per instance.
    pub delivery_concurrency: usize,
    pub delivery_per_host: usize,
    /// One delivery attempt, connection included.
    pub delivery_timeout_secs: u64,
    /// The first retry delay of a failed delivery; it doubles at each failure up to
    /// `retry_max_secs` (`RUCHE_FEDERATION_RETRY_BASE_SECS`, `…_RETRY_MAX_SECS`).
    pub retry_base_secs: u64,
    pub retry_max_secs: u64,
    /// Deliveries to an instance unreachable for this long are given up, until it speaks to us
    /// again (`RUCHE_FEDERATION_GIVE_UP_AFTER_SECS`).
    pub give_up_after_secs: u64,
    /// The largest activity an inbox takes, in bytes.
    pub max_inbox_bytes: usize,
    /// How far a signed request's date may be from our clock.
    pub signature_skew_secs: u64,
    /// Remote actors are fetched again after this long (and at once when a signature fails).
    pub refresh_actors_secs: u64,
    /// New views and ratings of a video are told to other instances at most this often (an
    /// `Update` of the video, as PeerTube pushes view counts).
    pub stats_push_secs: u64,
}

impl Default for FederationSettings {
    fn default() -> Self {
        FederationSettings {
            allow_insecure: false,
            auto_accept_instance_followers: true,
            auto_follow_back: false,
            federate_unlisted: false,
            delivery_concurrency: 128,
            delivery_per_host: 8,
            delivery_timeout_secs: 15,
            retry_base_secs: 60,
            retry_max_secs: 2 * 24 * 3600,
            give_up_after_secs: 7 * 24 * 3600,
            max_inbox_bytes: 1024 * 1024,
            signature_skew_secs: 1800,
            refresh_actors_secs: 2 * 24 * 3600,
            stats_push_secs: 60,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InstanceSettings {
    pub name: String,
    pub short_description: String,
}

/// PeerTube's `signup` section.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SignupSettings {
    pub enabled: bool,
    pub requires_approval: bool,
    /// Maximum number of users after which sign-up closes; -1 = no limit.
    pub limit: i64,
}

/// Quotas given to new users, in bytes; -1 = unlimited.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UserDefaults {
    pub video_quota: i64,
    pub video_quota_daily: i64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TranscodingSettings {
    /// How many transcoding jobs run at once.
    pub concurrency: usize,
    /// The ladder, by resolution (the shorter side); 144, 1440 and 2160 can be added.
    pub resolutions: Vec<u32>,
    pub max_fps: f64,
    /// ffmpeg threads per job; 0 lets ffmpeg decide.
    pub threads: u32,
    /// Also keep separate faststart MP4s ("web videos"), listed in `files` as PeerTube does.
    pub web_videos: bool,
    /// Refuse sources longer than this many seconds; none by default.
    pub max_duration: Option<f64>,
    /// Refuse uploads larger than this many bytes; none by default (quotas still apply).
    pub max_upload_size: Option<u64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UploadSettings {
    /// A resumable upload untouched for this long is removed.
    pub abandoned_after_secs: u64,
}

/// One-page sites.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PagesSettings {
    /// Map tiles, as a URL template; OpenStreetMap's by default (credited on every map).
    pub tile_url: String,
    /// How many sites one user may have.
    pub max_sites_per_user: usize,
    /// Bytes of pictures one user may store for their sites (all variants counted).
    pub storage_quota: u64,
    /// When set (e.g. `pages.example.org`), a site is also served at `<slug>.<domain>`, for a
    /// wildcard DNS record and certificate pointing at this instance.
    pub domain: Option<String>,
}

impl Default for PagesSettings {
    fn default() -> Self {
        PagesSettings {
            tile_url: "https://tile.openstreetmap.org/{z}/{x}/{y}.png".into(),
            max_sites_per_user: 10,
            storage_quota: 200 * 1024 * 1024,
            domain: None,
        }
    }
}

/// Outgoing mail (contact form messages).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailSettings {
    /// `smtp://host:port` (plain, for a local relay), `smtp://user:pass@host:587?tls=required`
    /// (STARTTLS) or `smtps://…`; none: messages are only kept in the owner's inbox.
    pub smtp_url: Option<String>,
    /// The sender of the mails we send.
    pub from: String,
    /// First retry delay while the mail server is unreachable; it doubles up to six hours.
    pub retry_secs: u64,
    /// Attempts before a mail is given up (the message stays in the inbox).
    pub max_attempts: i64,
}

impl Default for MailSettings {
    fn default() -> Self {
        MailSettings {
            smtp_url: None,
            from: "Ruche <noreply@localhost>".into(),
            retry_secs: 30,
            max_attempts: 25,
        }
    }
}

/// The job queue.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JobSettings {
    /// A running job's lease; a worker renews it every third of it, and a job whose worker died
    /// is taken up again once it lapses.
    pub lease_secs: u64,
}

impl Default for JobSettings {
    fn default() -> Self {
        JobSettings { lease_secs: 30 }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ViewSettings {
    /// A viewer is counted once per video per window.
    pub window_secs: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            listen: "127.0.0.1:9000".into(),
            public_url: String::new(),
            data_dir: PathBuf::from("data"),
            database_url: None,
            storage_dir: None,
            instance: InstanceSettings::default(),
            signup: SignupSettings::default(),
            user: UserDefaults::default(),
            transcoding: TranscodingSettings::default(),
            uploads: UploadSettings::default(),
            views: ViewSettings::default(),
            jobs: JobSettings::default(),
            pages: PagesSettings::default(),
            mail: MailSettings::default(),
            federation: FederationSettings::default(),
        }
    }
}
impl Default for InstanceSettings {
    fn default() -> Self {
        InstanceSettings {
            name: "Ruche".into(),
            short_description: String::new(),
        }
    }
}
impl Default for SignupSettings {
    fn default() -> Self {
        SignupSettings {
            enabled: false,
            requires_approval: false,
            limit: -1,
        }
    }
}
impl Default for UserDefaults {
    fn default() -> Self {
        UserDefaults {
            video_quota: -1,
            video_quota_daily: -1,
        }
    }
}
impl Default for TranscodingSettings {
    fn default() -> Self {
        TranscodingSettings {
            concurrency: 1,
            resolutions: vec![1080, 720, 480, 360, 240],
            max_fps: 60.0,
            threads: 0,
            web_videos: false,
            max_duration: None,
            max_upload_size: None,
        }
    }
}
impl Default for UploadSettings {
    fn default() -> Self {
        UploadSettings {
            abandoned_after_secs: 24 * 3600,
        }
    }
}
impl Default for ViewSettings {
    fn default() -> Self {
        ViewSettings { window_secs: 3600 }
    }
}

/// A setting given in the environment that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("environment variable {var}: {reason}")]
pub struct EnvError {
    pub var: String,
    pub reason: String,
}

impl Settings {
    /// Applies `RUCHE_*` variables over the file's values. Takes the variables as an iterator so
    /// the rule is testable without touching the process environment.
    pub fn apply_env(
        &mut self,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<(), EnvError> {
        fn parse<T: std::str::FromStr>(var: &str, v: &str) -> Result<T, EnvError> {
            v.parse().map_err(|_| EnvError {
                var: var.into(),
                reason: format!("cannot read {v:?}"),
            })
        }
        for (k, v) in vars {
            match k.as_str() {
                "RUCHE_LISTEN" => self.listen = v,
                "RUCHE_PUBLIC_URL" => self.public_url = v.trim_end_matches('/').to_string(),
                "RUCHE_DATA_DIR" => self.data_dir = PathBuf::from(v),
                "RUCHE_DATABASE_URL" => self.database_url = Some(v),
                "RUCHE_STORAGE_DIR" => self.storage_dir = Some(PathBuf::from(v)),
                "RUCHE_INSTANCE_NAME" => self.instance.name = v,
                "RUCHE_SIGNUP_ENABLED" => self.signup.enabled = parse(&k, &v)?,
                "RUCHE_SIGNUP_REQUIRES_APPROVAL" => self.signup.requires_approval = parse(&k, &v)?,
                "RUCHE_SIGNUP_LIMIT" => self.signup.limit = parse(&k, &v)?,
                "RUCHE_USER_VIDEO_QUOTA" => self.user.video_quota = parse(&k, &v)?,
                "RUCHE_USER_VIDEO_QUOTA_DAILY" => self.user.video_quota_daily = parse(&k, &v)?,
                "RUCHE_TRANSCODING_CONCURRENCY" => self.transcoding.concurrency = parse(&k, &v)?,
                "RUCHE_TRANSCODING_THREADS" => self.transcoding.threads = parse(&k, &v)?,
                "RUCHE_TRANSCODING_WEB_VIDEOS" => self.transcoding.web_videos = parse(&k, &v)?,
                "RUCHE_TRANSCODING_RESOLUTIONS" => {
                    self.transcoding.resolutions = v
                        .split(',')
                        .map(|r| parse(&k, r.trim()))
                        .collect::<Result<_, _>>()?
                }
                "RUCHE_PAGES_TILE_URL" => self.pages.tile_url = v,
                "RUCHE_FEDERATION_ALLOW_INSECURE" => {
                    self.federation.allow_insecure = parse(&k, &v)?
                }
                "RUCHE_FEDERATION_AUTO_ACCEPT" => {
                    self.federation.auto_accept_instance_followers = parse(&k, &v)?
                }
                "RUCHE_FEDERATION_AUTO_FOLLOW_BACK" => {
                    self.federation.auto_follow_back = parse(&k, &v)?
                }
                "RUCHE_FEDERATION_RETRY_BASE_SECS" => {
                    self.federation.retry_base_secs = parse(&k, &v)?
                }
                "RUCHE_FEDERATION_RETRY_MAX_SECS" => {
                    self.federation.retry_max_secs = parse(&k, &v)?
                }
                "RUCHE_FEDERATION_GIVE_UP_AFTER_SECS" => {
                    self.federation.give_up_after_secs = parse(&k, &v)?
                }
                "RUCHE_FEDERATION_DELIVERY_TIMEOUT_SECS" => {
                    self.federation.delivery_timeout_secs = parse(&k, &v)?
                }
                "RUCHE_FEDERATION_STATS_PUSH_SECS" => {
                    self.federation.stats_push_secs = parse(&k, &v)?
                }
                "RUCHE_FEDERATION_REFRESH_ACTORS_SECS" => {
                    self.federation.refresh_actors_secs = parse(&k, &v)?
                }
                "RUCHE_PAGES_MAX_SITES_PER_USER" => self.pages.max_sites_per_user = parse(&k, &v)?,
                "RUCHE_PAGES_STORAGE_QUOTA" => self.pages.storage_quota = parse(&k, &v)?,
                "RUCHE_PAGES_DOMAIN" => {
                    self.pages.domain = Some(v.trim().trim_matches('.').to_ascii_lowercase())
                        .filter(|d| !d.is_empty())
                }
                "RUCHE_MAIL_SMTP_URL" => self.mail.smtp_url = Some(v).filter(|v| !v.is_empty()),
                "RUCHE_MAIL_FROM" => self.mail.from = v,
                "RUCHE_MAIL_RETRY_SECS" => self.mail.retry_secs = parse(&k, &v)?,
                "RUCHE_JOBS_LEASE_SECS" => self.jobs.lease_secs = parse(&k, &v)?,
                "RUCHE_TRANSCODING_MAX_DURATION" => {
                    self.transcoding.max_duration = Some(parse(&k, &v)?)
                }
                "RUCHE_TRANSCODING_MAX_UPLOAD_SIZE" => {
                    self.transcoding.max_upload_size = Some(parse(&k, &v)?)
                }
                "RUCHE_UPLOADS_ABANDONED_AFTER_SECS" => {
                    self.uploads.abandoned_after_secs = parse(&k, &v)?
                }
                _ => {}
            }
        }
        self.public_url = self.public_url.trim_end_matches('/').to_string();
        if self.public_url.is_empty() {
            let listen = self
                .listen
                .replace("0.0.0.0", "localhost")
                .replace("[::]", "localhost");
            self.public_url = format!("http://{listen}");
        }
        Ok(())
    }

    /// The database URL in force: the configured one or the SQLite file in the data dir.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}", self.data_dir.join("ruche.db").display()),
        }
    }

    pub fn storage_dir(&self) -> PathBuf {
        self.storage_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("storage"))
    }

    /// Scratch space for uploads in progress and transcoding work; on the same filesystem as
    /// storage by default so finished files are renamed, not copied.
    pub fn tmp_dir(&self) -> PathBuf {
        self.data_dir.join("tmp")
    }

    /// `host[:port]` of the public URL, as PeerTube shows it in `host` fields.
    pub fn host(&self) -> String {
        let without_scheme = self
            .public_url
            .split("://")
            .nth(1)
            .unwrap_or(&self.public_url);
        without_scheme
            .split('/')
            .next()
            .unwrap_or_default()
            .to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_overrides_file() {
        let mut s: Settings = Default::default();
        s.apply_env([
            ("RUCHE_LISTEN".to_string(), "127.0.0.1:9100".to_string()),
            ("RUCHE_PUBLIC_URL".into(), "http://localhost:9100/".into()),
            ("RUCHE_DATA_DIR".into(), "/tmp/x".into()),
            ("RUCHE_TRANSCODING_RESOLUTIONS".into(), "720, 240".into()),
            ("OTHER".into(), "ignored".into()),
        ])
        .unwrap();
        assert_eq!(s.listen, "127.0.0.1:9100");
        assert_eq!(s.public_url, "http://localhost:9100");
        assert_eq!(s.host(), "localhost:9100");
        assert_eq!(s.database_url(), "sqlite:///tmp/x/ruche.db");
        assert_eq!(s.transcoding.resolutions, vec![720, 240]);
        let mut d: Settings = Default::default();
        d.apply_env([("RUCHE_LISTEN".to_string(), "0.0.0.0:9200".to_string())])
            .unwrap();
        assert_eq!(d.public_url, "http://localhost:9200");
        let err = s
            .apply_env([("RUCHE_SIGNUP_LIMIT".into(), "many".into())])
            .unwrap_err();
        assert!(err.to_string().contains("RUCHE_SIGNUP_LIMIT"));
    }
}

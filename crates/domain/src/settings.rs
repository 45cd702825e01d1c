//! The instance settings: a TOML file, then `RUCHE_*` environment variables over it. Every
//! subcommand reads the same settings so a CLI command finds the server's data.

use serde::Deserialize;
use std::path::PathBuf;

/// All settings, with defaults that give a working instance with zero setup.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Address the HTTP server binds (`RUCHE_LISTEN`); on port 0 (`127.0.0.1:0`) the system
    /// picks a free port.
    pub listen: String,
    /// The URL people and other instances reach us at (`RUCHE_PUBLIC_URL`); ids derive from it.
    /// Unset, it is `http://` + the listen address (`localhost` for an unspecified address).
    /// Port 0 in it (`http://127.0.0.1:0`, or unset while listening on port 0) stands for the
    /// port `ruche serve` listens on: the bound port replaces it before anything reads the URL,
    /// and the banner shows the result. Give the port itself when the instance must keep its
    /// URL across restarts (its identity in federation).
    pub public_url: String,
    /// Everything on disk lives below it by default (`RUCHE_DATA_DIR`).
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…` (`RUCHE_DATABASE_URL`); default an SQLite file in data_dir.
    pub database_url: Option<String>,
    /// Where media files are stored (`RUCHE_STORAGE_DIR`); default `<data_dir>/storage`.
    pub storage_dir: Option<PathBuf>,
    pub instance: InstanceSettings,
    pub signup: SignupSettings,
    pub rates: RatesSettings,
    pub user: UserDefaults,
    pub transcoding: TranscodingSettings,
    pub uploads: UploadSettings,
    pub imports: ImportSettings,
    pub views: ViewSettings,
    pub jobs: JobSettings,
    pub pages: PagesSettings,
    pub mail: MailSettings,
    pub federation: FederationSettings,
    pub http: HttpSettings,
    pub p2p: P2pSettings,
}

/// Peer-to-peer delivery (`[p2p]`, `RUCHE_P2P_*`): the tracker at `/tracker/socket` and
/// `/tracker/announce`, and the player's sharing of segments between viewers.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct P2pSettings {
    /// Viewers share segments and the tracker answers (`RUCHE_P2P_ENABLED`). Off, the player
    /// loads everything from the server and the tracker refuses every announce.
    pub enabled: bool,
    /// Track only the info hashes of videos this instance serves or knows (PeerTube's private
    /// tracker; `RUCHE_P2P_PRIVATE`).
    pub private: bool,
    /// WebSocket connections to the tracker in all and per client address (an IPv6 client
    /// counted by its /64).
    pub max_connections: usize,
    pub max_connections_per_address: usize,
    /// Peers in one swarm, peers in all, swarms in all.
    pub max_peers_per_swarm: usize,
    pub max_peers: usize,
    pub max_swarms: usize,
    /// Announces (and answers relayed) per client address (`RUCHE_P2P_ANNOUNCES_MAX`,
    /// `…_WINDOW_SECS`); past it a WebSocket is closed and an HTTP announce refused.
    pub announces: RateLimit,
    /// STUN servers the player may ask for its public address, so viewers behind NAT reach
    /// each other (`RUCHE_P2P_STUN_SERVERS`, comma-separated `stun:host:port`). None by default:
    /// a STUN server learns every viewer's address, which this instance does not decide alone.
    pub stun_servers: Vec<String>,
}

impl Default for P2pSettings {
    fn default() -> Self {
        P2pSettings {
            enabled: true,
            private: true,
            max_connections: 20_000,
            max_connections_per_address: 64,
            max_peers_per_swarm: 1_000,
            max_peers: 200_000,
            max_swarms: 100_000,
            // A viewer announces each stream every two minutes and answers a few offers: one a
            // second, and a minute's burst, is far more than a household needs.
            announces: RateLimit {
                max: 300,
                window_secs: 300,
            },
            stun_servers: Vec::new(),
        }
    }
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

/// Rate limits on what guessing or flooding could abuse (`[rates]`), PeerTube's `rates_limit`
/// defaults where it has them. Each limit is `max` attempts per `window_secs` for one key (a
/// client address, an IPv6 client by its /64, or an account); `max = 0` turns it off.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RatesSettings {
    /// Logins and token grants per client address (`RUCHE_RATES_LOGIN_MAX`,
    /// `…_LOGIN_WINDOW_SECS`); a successful one gives its attempt back. PeerTube: 15 per 5 min.
    pub login: RateLimit,
    /// Failed logins per account, from any address (`RUCHE_RATES_ACCOUNT_MAX`,
    /// `…_ACCOUNT_WINDOW_SECS`); a success clears them. Past it the account is refused, right
    /// password included, until the window lets one more attempt in.
    pub account: RateLimit,
    /// Sign-ups per client address, counting those that went through (`RUCHE_RATES_SIGNUP_MAX`,
    /// `…_SIGNUP_WINDOW_SECS`). PeerTube: 2 per 5 min.
    pub signup: RateLimit,
    /// Video password guesses per client address (`RUCHE_RATES_VIDEO_PASSWORD_MAX`,
    /// `…_VIDEO_PASSWORD_WINDOW_SECS`).
    pub video_password: RateLimit,
    /// Comments and replies posted per account, counting those kept (`RUCHE_RATES_COMMENT_MAX`,
    /// `…_COMMENT_WINDOW_SECS`): each one is stored, shown and sent to the video's audience.
    /// PeerTube limits comment creation per user too (`rates_limit.create_comment`).
    pub comment: RateLimit,
    /// Abuse reports per account, counting those kept (`RUCHE_RATES_REPORT_MAX`,
    /// `…_REPORT_WINDOW_SECS`): each one reaches every moderator, and may be sent to another
    /// instance. PeerTube limits them per user too (`rates_limit.report_abuse`).
    pub report: RateLimit,
    /// Pictures uploaded per account: avatars, banners and Pages pictures, counting those
    /// refused (`RUCHE_RATES_PICTURE_MAX`, `…_PICTURE_WINDOW_SECS`): each is decoded, and a
    /// decode is the costliest work a request can ask for.
    pub picture: RateLimit,
    /// Videos a user begins per window: uploads (plain and resumable) and imports, counting
    /// those refused (`RUCHE_RATES_UPLOAD_MAX`, `…_UPLOAD_WINDOW_SECS`): each may take a
    /// transcoding worker for minutes, whatever the quota.
    pub upload: RateLimit,
    /// Activities taken in per remote instance (the host of their signer's key), once their
    /// signature is checked (`RUCHE_RATES_INBOX_MAX`, `…_INBOX_WINDOW_SECS`). PeerTube limits
    /// its ActivityPub routes per address: 500 per 10 s (`rates_limit.activity_pub`).
    pub inbox: RateLimit,
    /// Keys each limit tracks at most (`RUCHE_RATES_MAX_KEYS`): its memory is bounded.
    pub max_keys: usize,
    /// Proxies whose `X-Forwarded-For` (or `Forwarded`) is believed, as addresses or CIDR ranges
    /// (`RUCHE_RATES_TRUSTED_PROXIES=127.0.0.1,::1`). Empty: the peer is the client.
    pub trusted_proxies: Vec<String>,
    /// The header trusted proxies name the client in: `x-forwarded-for` or `forwarded`
    /// (`RUCHE_RATES_CLIENT_IP_HEADER`); only that one is read.
    pub client_ip_header: String,
    /// How long a request waits for a password-hashing slot (one per core) before a 503
    /// (`RUCHE_RATES_HASH_WAIT_SECS`).
    pub hash_wait_secs: u64,
}

/// `max` per `window_secs`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    pub max: u32,
    pub window_secs: u64,
}

impl Default for RatesSettings {
    fn default() -> Self {
        let limit = |max, window_secs| RateLimit { max, window_secs };
        RatesSettings {
            login: limit(15, 300),
            account: limit(10, 900),
            signup: limit(2, 300),
            video_password: limit(15, 300),
            // 20 at once, then one every 30 s: more than a person types, far less than a script.
            comment: limit(20, 600),
            // 10 at once, then one every 6 minutes.
            report: limit(10, 3600),
            // 60 at once (a gallery), then one every 10 s.
            picture: limit(60, 600),
            // 30 at once (a day's footage), then one every 2 minutes.
            upload: limit(30, 3600),
            inbox: limit(500, 10),
            max_keys: 100_000,
            trusted_proxies: Vec::new(),
            client_ip_header: "x-forwarded-for".into(),
            hash_wait_secs: 10,
        }
    }
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
    /// Make each video's storyboard after its renditions (PeerTube's `storyboards.enabled`).
    pub storyboards: bool,
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
    /// Resumable uploads one user may have open at once (each holds its declared size of the
    /// user's quota until it ends).
    pub max_open_per_user: u64,
    /// Whether owners may replace a video's file (PeerTube's `video_file.update.enabled`, off
    /// there by default; on here: a creator fixing a cut keeps the video's link, comments and
    /// counts).
    pub replace_enabled: bool,
}

/// Videos imported from a URL (PeerTube's `import.videos`), through yt-dlp.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ImportSettings {
    /// Whether users may import a video from a URL (PeerTube's `import.videos.http.enabled`,
    /// off by default there as here: the server then fetches what users name).
    pub http_enabled: bool,
    /// The yt-dlp program.
    pub yt_dlp: String,
    /// A download taking longer is stopped and the import fails (PeerTube: 2 hours).
    pub timeout_secs: u64,
    /// Imports running at once.
    pub concurrency: usize,
    /// Whether users may synchronise another site's channel into theirs (PeerTube's
    /// `import.video_channel_synchronization.enabled`, off by default there as here).
    pub sync_enabled: bool,
    /// How often synchronisations look for new videos.
    pub sync_check_interval_secs: u64,
    /// The latest videos a synchronisation's run looks at.
    pub sync_videos_limit: u32,
    /// The videos a whole channel's import takes at most.
    pub full_sync_videos_limit: u32,
    /// Synchronisations per user.
    pub max_syncs_per_user: u32,
}

impl Default for ImportSettings {
    fn default() -> Self {
        ImportSettings {
            http_enabled: false,
            yt_dlp: "yt-dlp".into(),
            timeout_secs: 2 * 3600,
            concurrency: 1,
            sync_enabled: false,
            sync_check_interval_secs: 3600,
            sync_videos_limit: 10,
            full_sync_videos_limit: 1000,
            max_syncs_per_user: 10,
        }
    }
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
    /// A contact form sent sooner than this after its page was rendered is a robot's
    /// (`RUCHE_PAGES_CONTACT_MIN_FILL_SECS`; a person needs at least this long to fill it).
    pub contact_min_fill_secs: u64,
}

impl Default for PagesSettings {
    fn default() -> Self {
        PagesSettings {
            tile_url: "https://tile.openstreetmap.org/{z}/{x}/{y}.png".into(),
            max_sites_per_user: 10,
            storage_quota: 200 * 1024 * 1024,
            domain: None,
            contact_min_fill_secs: 3,
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
            rates: RatesSettings::default(),
            user: UserDefaults::default(),
            transcoding: TranscodingSettings::default(),
            uploads: UploadSettings::default(),
            imports: ImportSettings::default(),
            views: ViewSettings::default(),
            jobs: JobSettings::default(),
            pages: PagesSettings::default(),
            mail: MailSettings::default(),
            federation: FederationSettings::default(),
            http: HttpSettings::default(),
            p2p: P2pSettings::default(),
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
            storyboards: true,
            max_duration: None,
            max_upload_size: None,
        }
    }
}
impl Default for UploadSettings {
    fn default() -> Self {
        UploadSettings {
            // Counted from the last chunk received: an upload going on is never swept.
            abandoned_after_secs: 6 * 3600,
            max_open_per_user: 10,
            replace_enabled: true,
        }
    }
}
impl Default for ViewSettings {
    fn default() -> Self {
        ViewSettings { window_secs: 3600 }
    }
}

/// The HTTP server's bounds (`[http]`, `RUCHE_HTTP_*`): what one client may make it read, hold
/// and wait for. Bodies are refused (413) before they are read when their declared size is over
/// their route's limit, and cut when a chunked one passes it.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpSettings {
    /// Bytes of a URL-encoded form (`RUCHE_HTTP_FORM_BYTES`). PeerTube takes 100 kB; a
    /// 10,000-character comment, URL-encoded, may need 90 kB.
    pub form_bytes: u64,
    /// Bytes of any other small body, JSON above all (`RUCHE_HTTP_JSON_BYTES`). PeerTube's
    /// JSON parser takes 500 kB.
    pub json_bytes: u64,
    /// Bytes of the Pages editor's whole site document (`RUCHE_HTTP_DRAFT_BYTES`).
    pub draft_bytes: u64,
    /// Seconds to send a request's head (`RUCHE_HTTP_HEADER_TIMEOUT_SECS`), which is also how
    /// long a kept-alive connection waits for its next request (PeerTube's nginx: 10 s each).
    /// For this and the other timeouts and caps below, 0 turns it off.
    pub header_timeout_secs: u64,
    /// A body must arrive within this many seconds, plus one per `body_min_rate` bytes it has
    /// brought (`RUCHE_HTTP_BODY_TIMEOUT_SECS`, `RUCHE_HTTP_BODY_MIN_RATE`): Apache's
    /// `mod_reqtimeout` rule, so a trickle is cut (408) and a long upload at a fair rate is not.
    pub body_timeout_secs: u64,
    pub body_min_rate: u64,
    /// A connection on which nothing moves for this many seconds while none of its requests is
    /// being handled is closed, e.g. a client that stopped reading its answer
    /// (`RUCHE_HTTP_IDLE_TIMEOUT_SECS`; nginx's `send_timeout` is 60 s).
    pub idle_timeout_secs: u64,
    /// Open connections in all and per client address, an IPv6 client counted by its /64
    /// (`RUCHE_HTTP_MAX_CONNECTIONS`, `RUCHE_HTTP_MAX_CONNECTIONS_PER_ADDRESS`); past them a new
    /// connection gets a 503 and is closed.
    pub max_connections: usize,
    pub max_connections_per_address: usize,
    /// On SIGTERM or SIGINT, requests in flight get this many seconds to finish
    /// (`RUCHE_HTTP_SHUTDOWN_GRACE_SECS`).
    pub shutdown_grace_secs: u64,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            form_bytes: 128 * 1024,
            json_bytes: 512 * 1024,
            draft_bytes: 4 * 1024 * 1024,
            header_timeout_secs: 10,
            body_timeout_secs: 30,
            body_min_rate: 1024,
            idle_timeout_secs: 60,
            max_connections: 4096,
            max_connections_per_address: 256,
            shutdown_grace_secs: 10,
        }
    }
}

impl HttpSettings {
    /// One `RUCHE_HTTP_*` variable; others are ignored, as `Settings::apply_env` ignores them.
    fn apply_env(&mut self, var: &str, v: &str) -> Result<(), EnvError> {
        let n = || -> Result<u64, EnvError> {
            v.trim().parse().map_err(|_| EnvError {
                var: var.into(),
                reason: format!("cannot read {v:?}"),
            })
        };
        match var {
            "RUCHE_HTTP_FORM_BYTES" => self.form_bytes = n()?,
            "RUCHE_HTTP_JSON_BYTES" => self.json_bytes = n()?,
            "RUCHE_HTTP_DRAFT_BYTES" => self.draft_bytes = n()?,
            "RUCHE_HTTP_HEADER_TIMEOUT_SECS" => self.header_timeout_secs = n()?,
            "RUCHE_HTTP_BODY_TIMEOUT_SECS" => self.body_timeout_secs = n()?,
            "RUCHE_HTTP_BODY_MIN_RATE" => self.body_min_rate = n()?,
            "RUCHE_HTTP_IDLE_TIMEOUT_SECS" => self.idle_timeout_secs = n()?,
            "RUCHE_HTTP_MAX_CONNECTIONS" => self.max_connections = n()? as usize,
            "RUCHE_HTTP_MAX_CONNECTIONS_PER_ADDRESS" => {
                self.max_connections_per_address = n()? as usize
            }
            "RUCHE_HTTP_SHUTDOWN_GRACE_SECS" => self.shutdown_grace_secs = n()?,
            _ => {}
        }
        Ok(())
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
                "RUCHE_RATES_LOGIN_MAX" => self.rates.login.max = parse(&k, &v)?,
                "RUCHE_RATES_LOGIN_WINDOW_SECS" => self.rates.login.window_secs = parse(&k, &v)?,
                "RUCHE_RATES_ACCOUNT_MAX" => self.rates.account.max = parse(&k, &v)?,
                "RUCHE_RATES_ACCOUNT_WINDOW_SECS" => {
                    self.rates.account.window_secs = parse(&k, &v)?
                }
                "RUCHE_RATES_SIGNUP_MAX" => self.rates.signup.max = parse(&k, &v)?,
                "RUCHE_RATES_SIGNUP_WINDOW_SECS" => self.rates.signup.window_secs = parse(&k, &v)?,
                "RUCHE_RATES_VIDEO_PASSWORD_MAX" => self.rates.video_password.max = parse(&k, &v)?,
                "RUCHE_RATES_VIDEO_PASSWORD_WINDOW_SECS" => {
                    self.rates.video_password.window_secs = parse(&k, &v)?
                }
                "RUCHE_RATES_COMMENT_MAX" => self.rates.comment.max = parse(&k, &v)?,
                "RUCHE_RATES_COMMENT_WINDOW_SECS" => {
                    self.rates.comment.window_secs = parse(&k, &v)?
                }
                "RUCHE_RATES_REPORT_MAX" => self.rates.report.max = parse(&k, &v)?,
                "RUCHE_RATES_REPORT_WINDOW_SECS" => self.rates.report.window_secs = parse(&k, &v)?,
                "RUCHE_RATES_PICTURE_MAX" => self.rates.picture.max = parse(&k, &v)?,
                "RUCHE_RATES_PICTURE_WINDOW_SECS" => {
                    self.rates.picture.window_secs = parse(&k, &v)?
                }
                "RUCHE_RATES_UPLOAD_MAX" => self.rates.upload.max = parse(&k, &v)?,
                "RUCHE_RATES_UPLOAD_WINDOW_SECS" => self.rates.upload.window_secs = parse(&k, &v)?,
                "RUCHE_RATES_INBOX_MAX" => self.rates.inbox.max = parse(&k, &v)?,
                "RUCHE_RATES_INBOX_WINDOW_SECS" => self.rates.inbox.window_secs = parse(&k, &v)?,
                "RUCHE_RATES_MAX_KEYS" => self.rates.max_keys = parse(&k, &v)?,
                "RUCHE_RATES_TRUSTED_PROXIES" => {
                    self.rates.trusted_proxies = v
                        .split(',')
                        .map(|p| p.trim().to_string())
                        .filter(|p| !p.is_empty())
                        .collect()
                }
                "RUCHE_RATES_CLIENT_IP_HEADER" => {
                    self.rates.client_ip_header = v.trim().to_ascii_lowercase()
                }
                "RUCHE_RATES_HASH_WAIT_SECS" => self.rates.hash_wait_secs = parse(&k, &v)?,
                "RUCHE_USER_VIDEO_QUOTA" => self.user.video_quota = parse(&k, &v)?,
                "RUCHE_USER_VIDEO_QUOTA_DAILY" => self.user.video_quota_daily = parse(&k, &v)?,
                "RUCHE_TRANSCODING_CONCURRENCY" => self.transcoding.concurrency = parse(&k, &v)?,
                "RUCHE_TRANSCODING_THREADS" => self.transcoding.threads = parse(&k, &v)?,
                "RUCHE_TRANSCODING_WEB_VIDEOS" => self.transcoding.web_videos = parse(&k, &v)?,
                "RUCHE_TRANSCODING_STORYBOARDS" => self.transcoding.storyboards = parse(&k, &v)?,
                "RUCHE_TRANSCODING_RESOLUTIONS" => {
                    self.transcoding.resolutions = v
                        .split(',')
                        .map(|r| parse(&k, r.trim()))
                        .collect::<Result<_, _>>()?
                }
                "RUCHE_PAGES_TILE_URL" => self.pages.tile_url = v,
                "RUCHE_P2P_ENABLED" => self.p2p.enabled = parse(&k, &v)?,
                "RUCHE_P2P_PRIVATE" => self.p2p.private = parse(&k, &v)?,
                "RUCHE_P2P_MAX_CONNECTIONS" => self.p2p.max_connections = parse(&k, &v)?,
                "RUCHE_P2P_MAX_CONNECTIONS_PER_ADDRESS" => {
                    self.p2p.max_connections_per_address = parse(&k, &v)?
                }
                "RUCHE_P2P_MAX_PEERS_PER_SWARM" => self.p2p.max_peers_per_swarm = parse(&k, &v)?,
                "RUCHE_P2P_MAX_PEERS" => self.p2p.max_peers = parse(&k, &v)?,
                "RUCHE_P2P_ANNOUNCES_MAX" => self.p2p.announces.max = parse(&k, &v)?,
                "RUCHE_P2P_ANNOUNCES_WINDOW_SECS" => {
                    self.p2p.announces.window_secs = parse(&k, &v)?
                }
                "RUCHE_P2P_STUN_SERVERS" => {
                    self.p2p.stun_servers = v
                        .split(',')
                        .map(|p| p.trim().to_string())
                        .filter(|p| !p.is_empty())
                        .collect()
                }
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
                "RUCHE_PAGES_CONTACT_MIN_FILL_SECS" => {
                    self.pages.contact_min_fill_secs = parse(&k, &v)?
                }
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
                http if http.starts_with("RUCHE_HTTP_") => self.http.apply_env(http, &v)?,
                "RUCHE_UPLOADS_ABANDONED_AFTER_SECS" => {
                    self.uploads.abandoned_after_secs = parse(&k, &v)?
                }
                "RUCHE_IMPORTS_HTTP_ENABLED" => self.imports.http_enabled = parse(&k, &v)?,
                "RUCHE_IMPORTS_YT_DLP" => self.imports.yt_dlp = v,
                "RUCHE_IMPORTS_TIMEOUT_SECS" => self.imports.timeout_secs = parse(&k, &v)?,
                "RUCHE_IMPORTS_CONCURRENCY" => self.imports.concurrency = parse(&k, &v)?,
                "RUCHE_IMPORTS_SYNC_ENABLED" => self.imports.sync_enabled = parse(&k, &v)?,
                "RUCHE_IMPORTS_SYNC_CHECK_INTERVAL_SECS" => {
                    self.imports.sync_check_interval_secs = parse(&k, &v)?
                }
                "RUCHE_UPLOADS_MAX_OPEN_PER_USER" => {
                    self.uploads.max_open_per_user = parse(&k, &v)?
                }
                "RUCHE_UPLOADS_REPLACE_ENABLED" => self.uploads.replace_enabled = parse(&k, &v)?,
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

    /// `host[:port]` of the public URL, as PeerTube shows it in `host` fields (one spelling:
    /// [`crate::host::host_of`]).
    pub fn host(&self) -> String {
        crate::host::host_of(&self.public_url).unwrap_or_else(|| self.public_url.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_from_env() {
        let mut s: Settings = Default::default();
        assert_eq!((s.rates.login.max, s.rates.login.window_secs), (15, 300));
        assert_eq!((s.rates.signup.max, s.rates.signup.window_secs), (2, 300));
        assert!(s.rates.trusted_proxies.is_empty());
        s.apply_env([
            ("RUCHE_RATES_LOGIN_MAX".to_string(), "5".to_string()),
            ("RUCHE_RATES_LOGIN_WINDOW_SECS".into(), "60".into()),
            ("RUCHE_RATES_ACCOUNT_MAX".to_string(), "3".to_string()),
            (
                "RUCHE_RATES_TRUSTED_PROXIES".into(),
                "127.0.0.1, ::1".into(),
            ),
            ("RUCHE_RATES_CLIENT_IP_HEADER".into(), "Forwarded".into()),
        ])
        .unwrap();
        assert_eq!((s.rates.login.max, s.rates.login.window_secs), (5, 60));
        assert_eq!(s.rates.account.max, 3);
        assert_eq!(s.rates.trusted_proxies, ["127.0.0.1", "::1"]);
        assert_eq!(s.rates.client_ip_header, "forwarded");
    }

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
        assert_eq!(s.pages.contact_min_fill_secs, 3);
        s.apply_env([("RUCHE_PAGES_CONTACT_MIN_FILL_SECS".into(), "0".into())])
            .unwrap();
        assert_eq!(s.pages.contact_min_fill_secs, 0);
        let mut d: Settings = Default::default();
        d.apply_env([("RUCHE_LISTEN".to_string(), "0.0.0.0:9200".to_string())])
            .unwrap();
        assert_eq!(d.public_url, "http://localhost:9200");
        // On port 0, the public URL keeps port 0 for `ruche serve` to replace by the bound one.
        let mut z: Settings = Default::default();
        z.apply_env([("RUCHE_LISTEN".to_string(), "127.0.0.1:0".to_string())])
            .unwrap();
        assert_eq!(z.public_url, "http://127.0.0.1:0");
        let err = s
            .apply_env([("RUCHE_SIGNUP_LIMIT".into(), "many".into())])
            .unwrap_err();
        assert!(err.to_string().contains("RUCHE_SIGNUP_LIMIT"));
    }

    #[test]
    fn http_bounds_from_file_and_env() {
        let d = HttpSettings::default();
        assert_eq!((d.form_bytes, d.json_bytes), (128 * 1024, 512 * 1024));
        assert_eq!((d.header_timeout_secs, d.idle_timeout_secs), (10, 60));
        assert_eq!(
            (d.max_connections, d.max_connections_per_address),
            (4096, 256)
        );
        // The `[http]` table of the file, as serde reads it (unset keys keep their default).
        let table = |pairs: Vec<(&'static str, u64)>| {
            use serde::de::value::{Error, MapDeserializer};
            HttpSettings::deserialize(MapDeserializer::<_, Error>::new(pairs.into_iter()))
        };
        let http = table(vec![
            ("form_bytes", 1000),
            ("header_timeout_secs", 2),
            ("max_connections", 50),
        ])
        .unwrap();
        assert_eq!(http.form_bytes, 1000);
        assert_eq!(http.header_timeout_secs, 2);
        assert_eq!(http.max_connections, 50);
        assert_eq!(http.json_bytes, d.json_bytes);
        assert!(table(vec![("not_a_bound", 1)]).is_err());
        let mut s = Settings {
            http,
            ..Default::default()
        };
        s.apply_env([
            ("RUCHE_HTTP_FORM_BYTES".to_string(), "2048".to_string()),
            ("RUCHE_HTTP_JSON_BYTES".into(), "4096".into()),
            ("RUCHE_HTTP_DRAFT_BYTES".into(), "8192".into()),
            ("RUCHE_HTTP_HEADER_TIMEOUT_SECS".into(), "3".into()),
            ("RUCHE_HTTP_BODY_TIMEOUT_SECS".into(), "4".into()),
            ("RUCHE_HTTP_BODY_MIN_RATE".into(), "100".into()),
            ("RUCHE_HTTP_IDLE_TIMEOUT_SECS".into(), "5".into()),
            ("RUCHE_HTTP_MAX_CONNECTIONS".into(), "60".into()),
            ("RUCHE_HTTP_MAX_CONNECTIONS_PER_ADDRESS".into(), "6".into()),
            ("RUCHE_HTTP_SHUTDOWN_GRACE_SECS".into(), "7".into()),
        ])
        .unwrap();
        let h = &s.http;
        assert_eq!(
            (h.form_bytes, h.json_bytes, h.draft_bytes),
            (2048, 4096, 8192)
        );
        assert_eq!((h.header_timeout_secs, h.body_timeout_secs), (3, 4));
        assert_eq!((h.body_min_rate, h.idle_timeout_secs), (100, 5));
        assert_eq!((h.max_connections, h.max_connections_per_address), (60, 6));
        assert_eq!(h.shutdown_grace_secs, 7);
        let err = s
            .apply_env([("RUCHE_HTTP_MAX_CONNECTIONS".into(), "lots".into())])
            .unwrap_err();
        assert!(err.to_string().contains("RUCHE_HTTP_MAX_CONNECTIONS"));
    }
}

//! The video domain of Ruche: accounts and authentication, channels, uploads (legacy and
//! resumable), videos and their visibility, the local media storage, the transcoding worker,
//! and federation (what we send to and take from other instances).
//! The web layer calls these services; they speak domain errors, never HTTP.
//!
//! **Architecture invariant:** this crate does not know about HTTP or HTML. It never spawns a
//! process itself: transcoding goes through `ruche-media`.

pub mod abuses;
pub mod accounts;
pub mod audit;
pub mod auth;
mod auto_block;
pub mod autotags;
pub mod blocklist;
pub mod channels;
pub mod comments;
mod copies;
mod deletion;
pub mod directory;
pub mod downloads;
pub mod editing;
pub mod error;
pub mod federation;
pub mod file_tokens;
pub mod history;
pub mod housekeeping;
pub mod imports;
pub mod index;
pub mod instance;
pub mod limiter;
mod lookup;
pub mod notifications;
pub(crate) mod notify;
pub mod playback;
pub mod playlists;
pub mod profiles;
pub mod quota;
pub mod search;
pub mod storage;
pub mod storyboards;
pub mod torrents;
pub mod tracker;
pub mod uploads;
pub mod user_admin;
pub mod video_blocks;
pub mod videos;
pub mod worker;

pub use error::{TubeError, TubeResult};

use ruche_domain::settings::Settings;
use ruche_store::Store;
use std::sync::Arc;
use storage::Storage;
use tokio::sync::Notify;

/// Everything a request or a worker needs, shared behind an `Arc`.
pub struct Tube {
    pub settings: Settings,
    pub store: Store,
    pub storage: Storage,
    /// Woken when a transcoding job is enqueued, so an idle worker starts at once instead of at
    /// its next poll.
    pub transcode_ready: Arc<Notify>,
    /// Woken when an import is enqueued.
    pub import_ready: Arc<Notify>,
    /// Resumable uploads receiving a chunk right now: one chunk at a time per upload.
    pub busy_uploads: std::sync::Mutex<std::collections::HashSet<String>>,
    /// The one way to reach other servers (the private-address guard, bounded answers).
    pub fetcher: ruche_fetch::Fetcher,
    /// Woken when deliveries are stored or an instance comes back.
    pub deliveries_ready: Arc<Notify>,
    /// Woken when a federation job is enqueued (an activity taken in, counts to push, an
    /// outbox to read).
    pub federation_ready: Arc<Notify>,
    /// Woken when a contact form's message is stored (its mail job enqueued).
    pub mail_ready: Arc<Notify>,
    /// The rate limits (logins, sign-ups, …), in this process's memory.
    pub rates: limiter::Rates,
    /// The password-hashing slots, one per core.
    pub hashing: auth::Hashing,
    /// The local OAuth client (id, secret) once read: it never changes, and every token
    /// request (a flood of bad ones included) asks for it.
    pub local_client: std::sync::OnceLock<(String, String)>,
    /// The tracker (its swarms are this process's).
    pub tracker: tracker::Hub,
    /// The key that signs tokens to private videos' files, once read.
    pub file_token_key: tokio::sync::OnceCell<Vec<u8>>,
    /// The administrators' configuration as this process last read it (`instance::current`).
    pub instance_config: instance::Cached,
    /// The watched words of the accounts and the instance, ready to match.
    pub watched: autotags::Matchers,
}

impl Tube {
    /// Opens the database (running migrations) and prepares the directories.
    pub async fn open(settings: Settings) -> TubeResult<Arc<Tube>> {
        let store = Store::open(&settings.database_url()).await?;
        let storage = Storage::new(settings.storage_dir(), settings.tmp_dir());
        storage.prepare().await?;
        let fetcher = ruche_fetch::Fetcher::new(ruche_fetch::Policy {
            allow_insecure: settings.federation.allow_insecure,
            ..Default::default()
        })
        .map_err(|e| TubeError::Internal(e.to_string()))?;
        let rates = limiter::Rates::new(&settings.rates).map_err(TubeError::BadRequest)?;
        let hashing = auth::Hashing::per_core(std::time::Duration::from_secs(
            settings.rates.hash_wait_secs,
        ));
        Ok(Arc::new(Tube {
            store,
            storage,
            transcode_ready: Arc::default(),
            import_ready: Arc::default(),
            busy_uploads: Default::default(),
            fetcher,
            deliveries_ready: Arc::default(),
            federation_ready: Arc::default(),
            mail_ready: Arc::default(),
            rates,
            hashing,
            local_client: std::sync::OnceLock::new(),
            file_token_key: tokio::sync::OnceCell::new(),
            instance_config: Default::default(),
            watched: Default::default(),
            tracker: tracker::Hub::new(&settings),
            settings,
        }))
    }
}

//! Persistence for Ruche. One set of SQL statements runs on SQLite (the embedded default) or
//! PostgreSQL (scale-out), chosen at run time from the database URL. Both native sqlx drivers
//! are used, never the `Any` driver: the [`dual!`] macro expands each statement once per
//! backend, so types are checked against each driver while the SQL is written once.
//!
//! Portability rules for the SQL in this crate: `$1…` placeholders (SQLite reads them too),
//! BIGINT for every integer, unix milliseconds for time, TEXT for UUIDs and JSON, and
//! `CAST(… AS BIGINT)` around aggregates that PostgreSQL would widen to NUMERIC.

use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgConnection, Postgres, Sqlite, SqliteConnection, Transaction};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

pub mod abuses;
pub mod actors;
pub mod audit;
pub mod blocklist;
pub mod comments;
pub mod federation;
pub mod imports;
pub mod jobs;
pub mod migrate;
pub mod notifications;
pub mod playlists;
pub mod search;
pub mod sites;
#[cfg(feature = "testing")]
pub mod testing;
pub mod users;
pub mod video_blocks;
pub mod videos;
pub mod watched;

/// Runs the same statement on whichever backend `ex` holds. The body is compiled once per
/// backend, so it must produce the same type on both (map driver-specific results inside).
#[macro_export]
macro_rules! dual {
    ($ex:expr, |$c:ident| $body:expr) => {
        match $ex {
            $crate::Ex::Sqlite($c) => $body,
            $crate::Ex::Postgres($c) => $body,
        }
    };
}

/// A value bound to a query built at run time (a list's filters).
#[derive(Debug, Clone)]
pub(crate) enum Bind {
    Int(i64),
    Text(String),
    Bool(bool),
}

/// Binds each of `binds` (an iterator of [`Bind`]), in order, to every query named.
macro_rules! bind_each {
    ($binds:expr, $($q:ident),+) => {
        for b in $binds {
            match b {
                $crate::Bind::Int(i) => { $( $q = $q.bind(*i); )+ }
                $crate::Bind::Text(t) => { $( $q = $q.bind(t.clone()); )+ }
                $crate::Bind::Bool(v) => { $( $q = $q.bind(*v); )+ }
            }
        }
    };
}
pub(crate) use bind_each;

/// `$first, $first+1, …`: the placeholders of `n` values in an `IN (…)` list.
pub(crate) fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `%text%`, lowercased, for a `LOWER(…) LIKE … ESCAPE '\'` that matches `text` literally
/// (a `%` or a `_` in it is no wildcard).
pub(crate) fn like_pattern(text: &str) -> String {
    let mut out = String::from("%");
    for ch in text.to_lowercase().chars() {
        if matches!(ch, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(ch);
    }
    out.push('%');
    out
}

/// A row type both backends read.
pub(crate) trait Row:
    for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
    + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
    + Send
    + Unpin
{
}

impl<T> Row for T where
    T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
        + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
        + Send
        + Unpin
{
}

/// A page of rows and how many match in all, on either backend: `sql` selects and orders every
/// match (its placeholders are `binds`, `$1` to `$n`), the page's `LIMIT $n+1 OFFSET $n+2` is
/// added here; `count_sql` counts the matches with `binds`.
pub(crate) async fn paged<T>(
    ex: Ex<'_>,
    sql: &str,
    count_sql: &str,
    binds: &[Bind],
    count: i64,
    start: i64,
) -> Result<(Vec<T>, i64)>
where
    T: Row,
{
    let n = binds.len();
    let sql = format!("{sql} LIMIT ${} OFFSET ${}", n + 1, n + 2);
    dual!(ex, |c| {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
        let mut cq = sqlx::query_scalar(sqlx::AssertSqlSafe(count_sql));
        bind_each!(binds, q, cq);
        let rows = q.bind(count).bind(start).fetch_all(&mut *c).await?;
        let total: i64 = cq.fetch_one(&mut *c).await?;
        Ok::<_, sqlx::Error>((rows, total))
    })
    .map_err(StoreError::from)
}

/// Errors of the store, in domain terms.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("already exists: {0}")]
    Conflict(String),
    #[error("database error: {0}")]
    Db(#[source] sqlx::Error),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("unsupported database URL {0:?} (use sqlite://FILE or postgres://…)")]
    BadUrl(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(d) if d.is_unique_violation() => {
                StoreError::Conflict(d.message().to_string())
            }
            _ => StoreError::Db(e),
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

enum Backend {
    /// SQLite allows one writer: writes go through a one-connection pool and open their
    /// transactions with `BEGIN IMMEDIATE`, so a transaction that reads then writes never
    /// fails with SQLITE_BUSY; reads use their own pool thanks to WAL.
    Sqlite {
        write: sqlx::SqlitePool,
        read: sqlx::SqlitePool,
    },
    Postgres(sqlx::PgPool),
}

/// A handle on the database, cheap to clone.
#[derive(Clone)]
pub struct Store {
    backend: Arc<Backend>,
    /// Write transactions this process committed (see [`Store::writes`]).
    writes: Arc<std::sync::atomic::AtomicU64>,
}

/// A borrowed connection of either backend; what every query function takes.
pub enum Ex<'a> {
    Sqlite(&'a mut SqliteConnection),
    Postgres(&'a mut PgConnection),
}

impl Ex<'_> {
    pub fn is_sqlite(&self) -> bool {
        matches!(self, Ex::Sqlite(_))
    }

    /// The same connection for one more call, keeping this one for the next.
    pub fn reborrow(&mut self) -> Ex<'_> {
        match self {
            Ex::Sqlite(c) => Ex::Sqlite(c),
            Ex::Postgres(c) => Ex::Postgres(c),
        }
    }
}

/// A pooled connection for reads (and single-statement writes on PostgreSQL).
pub enum Conn {
    Sqlite(PoolConnection<Sqlite>),
    Postgres(PoolConnection<Postgres>),
}

impl Conn {
    pub fn ex(&mut self) -> Ex<'_> {
        match self {
            Conn::Sqlite(c) => Ex::Sqlite(c),
            Conn::Postgres(c) => Ex::Postgres(c),
        }
    }
}

/// A write transaction; dropped without [`Tx::commit`] it rolls back.
pub struct Tx {
    inner: TxInner,
    writes: Arc<std::sync::atomic::AtomicU64>,
}

enum TxInner {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

impl Tx {
    pub fn ex(&mut self) -> Ex<'_> {
        match &mut self.inner {
            TxInner::Sqlite(t) => Ex::Sqlite(t),
            TxInner::Postgres(t) => Ex::Postgres(t),
        }
    }
    /// Commits, and counts a write in [`Store::writes`].
    pub async fn commit(self) -> Result<()> {
        let writes = self.writes.clone();
        self.commit_unseen().await?;
        writes.fetch_add(1, std::sync::atomic::Ordering::Release);
        Ok(())
    }
    /// Commits a transaction that changes nothing a public answer shows (a job's lease, expired
    /// credentials purged, old activity ids pruned), without counting it in [`Store::writes`].
    pub async fn commit_unseen(self) -> Result<()> {
        match self.inner {
            TxInner::Sqlite(t) => t.commit().await?,
            TxInner::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }
}

/// The most memory SQLite keeps, its connections' page caches together (its `soft_heap_limit`).
/// Each connection filled its own cache, so the writer (indexing, housekeeping) and four readers
/// held up to 24 MiB of pages, most of them the same ones, and the server passed 100 MB under
/// load; with one budget the busy connections keep what they read last. The files are in the
/// system's page cache anyway: a page SQLite let go is read again without the disk
/// (bench/api/lists.py: requests/s unchanged, bench/RESULTS.md).
pub const SQLITE_HEAP_LIMIT: i64 = 16 * 1024 * 1024;

impl Store {
    /// Connects to `url` (`sqlite://PATH` or `postgres://…`) and brings the schema up to date.
    pub async fn open(url: &str) -> Result<Store> {
        let backend = if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            let opts = SqliteConnectOptions::from_str(&format!("sqlite://{path}"))
                .map_err(|_| StoreError::BadUrl(url.into()))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(30))
                // 8 MiB of pages per connection (SQLite's default is 2): lists and search read
                // the same hot pages over and over (bench/api/lists.py)…
                .pragma("cache_size", "-8192")
                // …within one budget for all of them: past it SQLite reuses its least recently
                // used pages, whichever connection holds them, instead of allocating more. The
                // pragma sets a process-wide limit (the same value from every connection).
                .pragma("soft_heap_limit", SQLITE_HEAP_LIMIT.to_string());
            let write = SqlitePoolOptions::new()
                .max_connections(1)
                .connect_with(opts.clone())
                .await?;
            // Readers keep half as much each: the answer cache (`web::api::cache`) spares them
            // most repeated reads.
            let read = SqlitePoolOptions::new()
                .max_connections(4)
                .connect_with(opts.read_only(true).pragma("cache_size", "-4096"))
                .await?;
            // The video sorts `hot` and `best` take logarithms: SQLite has them only when built
            // with its math functions (`.cargo/config.toml` asks for them). Said now, not when
            // a list is first sorted.
            sqlx::query_scalar::<_, f64>("SELECT log(10, 100)")
                .fetch_one(&read)
                .await
                .map_err(|e| {
                    StoreError::Migration(format!(
                        "this SQLite has no math functions ({e}): build with LIBSQLITE3_FLAGS=SQLITE_ENABLE_MATH_FUNCTIONS, as .cargo/config.toml does"
                    ))
                })?;
            Backend::Sqlite { write, read }
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            // No JIT: PostgreSQL compiles a list's query when its estimated cost passes
            // `jit_above_cost`, which costs more than the query itself (bench/api/lists.py).
            // No parallel workers either: a search's matches were gathered from two more
            // processes, whose start costs more than they save, and a web server's queries
            // already run side by side.
            // No wait without end: a statement waits a minute at most for a lock (then it
            // fails, said in the log: its request answers 500, its job tries again), and the
            // server closes a session left idle inside a transaction after five minutes, so
            // that no forgotten transaction holds its locks for good.
            let opts = PgConnectOptions::from_str(url)
                .map_err(|_| StoreError::BadUrl(url.into()))?
                .options([
                    ("jit", "off"),
                    ("max_parallel_workers_per_gather", "0"),
                    ("lock_timeout", "60s"),
                    ("idle_in_transaction_session_timeout", "300s"),
                ]);
            Backend::Postgres(
                PgPoolOptions::new()
                    .max_connections(10)
                    .acquire_timeout(Duration::from_secs(30))
                    .connect_with(opts)
                    .await?,
            )
        } else {
            return Err(StoreError::BadUrl(url.into()));
        };
        let store = Store {
            backend: Arc::new(backend),
            writes: Default::default(),
        };
        migrate::run(&store).await?;
        Ok(store)
    }

    pub fn is_sqlite(&self) -> bool {
        matches!(*self.backend, Backend::Sqlite { .. })
    }

    /// How many write transactions this process has committed: what was read before it last
    /// changed may have changed since (answers cached by this process check it; other
    /// processes' writes are not counted here).
    pub fn writes(&self) -> u64 {
        self.writes.load(std::sync::atomic::Ordering::Acquire)
    }

    /// A connection for reading.
    pub async fn read(&self) -> Result<Conn> {
        Ok(match &*self.backend {
            Backend::Sqlite { read, .. } => Conn::Sqlite(read.acquire().await?),
            Backend::Postgres(p) => Conn::Postgres(p.acquire().await?),
        })
    }

    /// A write transaction (`BEGIN IMMEDIATE` on SQLite).
    pub async fn begin(&self) -> Result<Tx> {
        let inner = match &*self.backend {
            Backend::Sqlite { write, .. } => {
                TxInner::Sqlite(write.begin_with("BEGIN IMMEDIATE").await?)
            }
            Backend::Postgres(p) => TxInner::Postgres(p.begin().await?),
        };
        Ok(Tx {
            inner,
            writes: self.writes.clone(),
        })
    }

    /// Closes every connection (tests drop databases afterwards).
    pub async fn close(&self) {
        match &*self.backend {
            Backend::Sqlite { write, read } => {
                read.close().await;
                write.close().await;
            }
            Backend::Postgres(p) => p.close().await,
        }
    }
}

/// Now, in unix milliseconds (the time unit of every column), and PeerTube's ISO form of it.
pub use ruche_domain::time::{iso, now_ms};

/// 16 random hex digits, for names that must not collide (test databases, upload ids).
pub fn random_suffix() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..16].to_string()
}

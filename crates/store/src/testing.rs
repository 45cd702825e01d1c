//! Test support: a fresh database of each backend. PostgreSQL comes from
//! `RUCHE_TEST_POSTGRES_URL` (an admin URL; `scripts/test.sh` starts a private cluster and sets
//! it); each test gets its own database, dropped afterwards. A missing URL fails the test
//! rather than skipping it, so a suite that did not touch PostgreSQL cannot pass.

use crate::Store;
use std::path::PathBuf;

/// Which backend a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database made for one test.
pub struct TestDb {
    pub url: String,
    pub store: Store,
    admin_url: Option<String>,
    db_name: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

/// The admin URL of the test cluster.
pub fn postgres_admin_url() -> String {
    std::env::var("RUCHE_TEST_POSTGRES_URL").unwrap_or_else(|_| {
        panic!("RUCHE_TEST_POSTGRES_URL is not set: run the suite with scripts/test.sh, which starts PostgreSQL")
    })
}

/// A new empty database URL of the given backend (not yet migrated), and what to clean up.
pub async fn fresh_url(
    backend: Backend,
) -> (String, Option<(String, String)>, Option<tempfile::TempDir>) {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("tempdir");
            let path: PathBuf = dir.path().join("test.db");
            (format!("sqlite://{}", path.display()), None, Some(dir))
        }
        Backend::Postgres => {
            use sqlx::Connection;
            let admin = postgres_admin_url();
            let name = format!("ruche_test_{}", crate::random_suffix());
            let mut c = sqlx::PgConnection::connect(&admin)
                .await
                .expect("connect to test PostgreSQL");
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut c)
                .await
                .expect("create test database");
            let url = match admin.rsplit_once('/') {
                Some((base, _)) => format!("{base}/{name}"),
                None => panic!("bad RUCHE_TEST_POSTGRES_URL"),
            };
            (url, Some((admin, name)), None)
        }
    }
}

/// Drops a PostgreSQL test database, whatever is still connected to it.
pub async fn drop_database(admin: &str, name: &str) {
    use sqlx::Connection;
    if let Ok(mut c) = sqlx::PgConnection::connect(admin).await {
        let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        )))
        .execute(&mut c)
        .await;
    }
}

impl TestDb {
    pub async fn new(backend: Backend) -> TestDb {
        let (url, pg, dir) = fresh_url(backend).await;
        let store = Store::open(&url).await.expect("open test database");
        let (admin_url, db_name) = match pg {
            Some((a, n)) => (Some(a), Some(n)),
            None => (None, None),
        };
        TestDb {
            url,
            store,
            admin_url,
            db_name,
            _dir: dir,
        }
    }

    /// How many sessions of this database are idle inside a transaction (PostgreSQL; none on
    /// SQLite, whose connections are not seen from outside).
    pub async fn sessions_in_transaction(&self) -> i64 {
        use sqlx::Connection;
        let (Some(admin), Some(name)) = (&self.admin_url, &self.db_name) else {
            return 0;
        };
        let mut c = sqlx::PgConnection::connect(admin)
            .await
            .expect("connect to test PostgreSQL");
        sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity
             WHERE datname = $1 AND state LIKE 'idle in transaction%'",
        )
        .bind(name)
        .fetch_one(&mut c)
        .await
        .expect("read pg_stat_activity")
    }

    /// A setting of the store's reading sessions: `SHOW name` on PostgreSQL, `PRAGMA name` (a
    /// number) on SQLite.
    pub async fn session_setting(&self, name: &str) -> Option<String> {
        let mut c = self.store.read().await.expect("a connection");
        match c.ex() {
            crate::Ex::Postgres(c) => {
                let show = format!("SHOW {name}");
                Some(
                    sqlx::query_scalar(sqlx::AssertSqlSafe(show))
                        .fetch_one(&mut *c)
                        .await
                        .expect("SHOW"),
                )
            }
            crate::Ex::Sqlite(c) => {
                let pragma = format!("PRAGMA {name}");
                let n: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(pragma))
                    .fetch_optional(&mut *c)
                    .await
                    .expect("PRAGMA");
                n.map(|n| n.to_string())
            }
        }
    }

    /// Closes the pools and drops the database.
    pub async fn cleanup(self) {
        self.store.close().await;
        if let (Some(admin), Some(name)) = (&self.admin_url, &self.db_name) {
            drop_database(admin, name).await;
        }
    }
}

/// Declares one test per backend: `db_test!(name, |db: Store| async move { … })` makes
/// `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! db_test {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let db = $crate::testing::TestDb::new($crate::testing::Backend::Sqlite).await;
                ($body)(db.store.clone()).await;
                db.cleanup().await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let db = $crate::testing::TestDb::new($crate::testing::Backend::Postgres).await;
                ($body)(db.store.clone()).await;
                db.cleanup().await;
            }
        }
    };
}

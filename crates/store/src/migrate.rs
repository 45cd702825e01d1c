//! Schema migrations, one SQL file each, applied in order and recorded with a checksum.
//! The files are written for PostgreSQL; for SQLite the two dialect differences we use (the
//! auto-increment key, and byte-order text as `COLLATE "C"`) are rewritten. A hand-written runner instead of `sqlx::migrate!` so one
//! set of files serves both backends.

use crate::{Store, StoreError, dual};

/// (version, name, SQL), in order. Never edit an applied migration: add a new one.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "init", include_str!("../migrations/0001_init.sql")),
    (2, "sites", include_str!("../migrations/0002_sites.sql")),
    (3, "contact", include_str!("../migrations/0003_contact.sql")),
    (
        4,
        "pages_media",
        include_str!("../migrations/0004_pages_media.sql"),
    ),
    (
        5,
        "actor_keys",
        include_str!("../migrations/0005_actor_keys.sql"),
    ),
    (6, "rates", include_str!("../migrations/0006_rates.sql")),
    (
        7,
        "comments",
        include_str!("../migrations/0007_comments.sql"),
    ),
    (
        8,
        "federation",
        include_str!("../migrations/0008_federation.sql"),
    ),
    (9, "shares", include_str!("../migrations/0009_shares.sql")),
    (
        10,
        "actor_pictures",
        include_str!("../migrations/0010_actor_pictures.sql"),
    ),
    (
        11,
        "received_digest",
        include_str!("../migrations/0011_received_digest.sql"),
    ),
    (
        12,
        "jobs_once",
        include_str!("../migrations/0012_jobs_once.sql"),
    ),
    (
        13,
        "revisions_kept",
        include_str!("../migrations/0013_revisions_kept.sql"),
    ),
    (14, "p2p", include_str!("../migrations/0014_p2p.sql")),
    (
        15,
        "video_edit",
        include_str!("../migrations/0015_video_edit.sql"),
    ),
    (
        16,
        "video_stats",
        include_str!("../migrations/0016_video_stats.sql"),
    ),
    (17, "search", include_str!("../migrations/0017_search.sql")),
    (
        18,
        "list_indexes",
        include_str!("../migrations/0018_list_indexes.sql"),
    ),
    (
        19,
        "playlists",
        include_str!("../migrations/0019_playlists.sql"),
    ),
    (
        20,
        "downloads",
        include_str!("../migrations/0020_downloads.sql"),
    ),
    (
        21,
        "history",
        include_str!("../migrations/0021_history.sql"),
    ),
    (
        22,
        "storyboards",
        include_str!("../migrations/0022_storyboards.sql"),
    ),
    (
        23,
        "imports",
        include_str!("../migrations/0023_imports.sql"),
    ),
    (
        24,
        "channel_syncs",
        include_str!("../migrations/0024_channel_syncs.sql"),
    ),
    (
        25,
        "comment_approval",
        include_str!("../migrations/0025_comment_approval.sql"),
    ),
    (
        26,
        "watched_words",
        include_str!("../migrations/0026_watched_words.sql"),
    ),
    (27, "abuses", include_str!("../migrations/0027_abuses.sql")),
    (
        28,
        "blocklists",
        include_str!("../migrations/0028_blocklists.sql"),
    ),
    (
        29,
        "notifications",
        include_str!("../migrations/0029_notifications.sql"),
    ),
    (
        30,
        "video_blocks",
        include_str!("../migrations/0030_video_blocks.sql"),
    ),
    (
        31,
        "user_admin",
        include_str!("../migrations/0031_user_admin.sql"),
    ),
    (
        32,
        "account_deletion",
        include_str!("../migrations/0032_account_deletion.sql"),
    ),
    (
        33,
        "list_order_index",
        include_str!("../migrations/0033_list_order_index.sql"),
    ),
    (
        34,
        "videos_visible_index",
        include_str!("../migrations/0034_videos_visible_index.sql"),
    ),
];

/// FNV-1a 64: enough to notice an edited migration file, no extra dependency.
fn digest(s: &str) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100000001b3);
    }
    format!("{h:016x}")
}

pub(crate) async fn run(store: &Store) -> Result<(), StoreError> {
    let mut tx = store.begin().await?;
    // Several `ruche` processes may start together on PostgreSQL: serialise them. A migration
    // may take longer than the `lock_timeout` every session has (`Store::open`): the others
    // wait for it as long as it takes.
    if let crate::Ex::Postgres(c) = tx.ex() {
        sqlx::query("SET LOCAL lock_timeout = 0")
            .execute(&mut *c)
            .await?;
        sqlx::query("SELECT pg_advisory_xact_lock(7271737)")
            .execute(&mut *c)
            .await?;
    }
    dual!(tx.ex(), |c| {
        sqlx::query(
        "CREATE TABLE IF NOT EXISTS ruche_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at BIGINT NOT NULL)"
    )
    .execute(&mut *c)
    .await
    .map(|_| ())
    })?;
    let applied: Vec<(i64, String)> = dual!(tx.ex(), |c| sqlx::query_as(
        "SELECT version, checksum FROM ruche_migrations ORDER BY version"
    )
    .fetch_all(&mut *c)
    .await)?;
    let sqlite = tx.ex().is_sqlite();
    for (version, name, sql) in MIGRATIONS {
        let checksum = digest(sql);
        if let Some((_, done)) = applied.iter().find(|(v, _)| v == version) {
            if *done != checksum {
                return Err(StoreError::Migration(format!(
                    "migration {version} ({name}) was changed after it was applied"
                )));
            }
            continue;
        }
        let sql = if sqlite {
            sql.replace("BIGSERIAL PRIMARY KEY", "INTEGER PRIMARY KEY AUTOINCREMENT")
                .replace("COLLATE \"C\"", "COLLATE BINARY")
        } else {
            sql.to_string()
        };
        dual!(tx.ex(), |c| sqlx::raw_sql(sqlx::AssertSqlSafe(
            sql.as_str()
        ))
        .execute(&mut *c)
        .await
        .map(|_| ()))
        .map_err(|e| StoreError::Migration(format!("{version} ({name}): {e}")))?;
        dual!(tx.ex(), |c| {
            sqlx::query(
            "INSERT INTO ruche_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)"
        )
        .bind(version)
        .bind(name)
        .bind(&checksum)
        .bind(crate::now_ms())
        .execute(&mut *c)
        .await
        .map(|_| ())
        })?;
    }
    tx.commit().await
}

#[cfg(test)]
mod tests {
    use super::MIGRATIONS;

    /// The list compiled in is the directory `migrations/`: every file, in the order of their
    /// names (`NNNN_name.sql`), each entry with its own file's version, name and text. A file
    /// added without its line here, or a line naming another file, fails.
    #[test]
    fn the_list_is_the_migrations_directory() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
            .expect("the migrations directory")
            .map(|e| {
                let path = e.expect("an entry").path();
                let name = path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .expect("a UTF-8 file name")
                    .to_string();
                (name, std::fs::read_to_string(&path).expect("a text file"))
            })
            .collect();
        files.sort();
        let listed: Vec<(String, String)> = MIGRATIONS
            .iter()
            .map(|(version, name, sql)| (format!("{version:04}_{name}.sql"), sql.to_string()))
            .collect();
        let names = |l: &[(String, String)]| l.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
        assert_eq!(names(&listed), names(&files), "MIGRATIONS against {dir:?}");
        for ((name, listed_sql), (_, file_sql)) in listed.iter().zip(&files) {
            assert!(
                listed_sql == file_sql,
                "{name}: its entry holds another file's text"
            );
        }
        let versions: Vec<i64> = MIGRATIONS.iter().map(|(v, _, _)| *v).collect();
        let expected: Vec<i64> = (1..=MIGRATIONS.len() as i64).collect();
        assert_eq!(versions, expected, "versions follow each other from 1");
    }
}

//! SQLite's memory stays within one budget for all the store's connections
//! (`ruche_store::SQLITE_HEAP_LIMIT`): reading more than it through the writer and every reader
//! at once leaves SQLite holding about the budget, not each connection's cache on top of the
//! others'. Alone in its test binary: SQLite counts its memory for the whole process.

use ruche_store::SQLITE_HEAP_LIMIT;
use ruche_store::testing::{Backend, TestDb};

/// Bytes SQLite holds in this process, page caches included.
fn sqlite_memory() -> i64 {
    // SAFETY: a read of SQLite's own counter, which it guards with its own mutex.
    unsafe { libsqlite3_sys::sqlite3_memory_used() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_keeps_one_memory_budget_for_all_its_connections() {
    let db = TestDb::new(Backend::Sqlite).await;
    let limit: i64 = db
        .session_setting("soft_heap_limit")
        .await
        .expect("a SQLite setting")
        .parse()
        .unwrap();
    assert_eq!(limit, SQLITE_HEAP_LIMIT, "a reader's connection");
    // 48 MiB of rows small enough to lie in the table's pages (SQLite reads a long row's
    // overflow pages past its cache), written through the writer, whose own cache would keep
    // 8 MiB of them.
    let mut tx = db.store.begin().await.unwrap();
    let ruche_store::Ex::Sqlite(c) = tx.ex() else {
        unreachable!()
    };
    sqlx::query("CREATE TABLE filler (x BLOB NOT NULL)")
        .execute(&mut *c)
        .await
        .unwrap();
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 65536)
         INSERT INTO filler SELECT randomblob(768) FROM n",
    )
    .execute(&mut *c)
    .await
    .unwrap();
    let writer_limit: i64 = sqlx::query_scalar("PRAGMA soft_heap_limit")
        .fetch_one(&mut *c)
        .await
        .unwrap();
    assert_eq!(writer_limit, SQLITE_HEAP_LIMIT, "the writer's connection");
    tx.commit().await.unwrap();
    // The four readers, held at once so that they are four, each read a quarter of it, a
    // megabyte at a time in turn: left to themselves, each would fill its 4 MiB on top of the
    // writer's 8.
    let mut conns = Vec::new();
    for _ in 0..4 {
        conns.push(db.store.read().await.unwrap());
    }
    for round in 0..12 {
        for (i, c) in conns.iter_mut().enumerate() {
            let ruche_store::Ex::Sqlite(c) = c.ex() else {
                unreachable!()
            };
            let first = i as i64 * 16384 + round * 1365;
            // `instr` reads every byte of the rows.
            let n: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM filler
                 WHERE rowid > $1 AND rowid <= $2 AND instr(x, zeroblob(64)) = 0",
            )
            .bind(first)
            .bind(first + 1365)
            .fetch_one(&mut *c)
            .await
            .unwrap();
            assert_eq!(n, 1365, "rows read");
        }
    }
    drop(conns);
    let held = sqlite_memory();
    // Soft: SQLite may pass it by what a statement needs while it runs; 2 MiB is plenty here.
    assert!(
        held <= SQLITE_HEAP_LIMIT + 2 * 1024 * 1024,
        "SQLite holds {} MiB, its budget is {} MiB",
        held / (1024 * 1024),
        SQLITE_HEAP_LIMIT / (1024 * 1024)
    );
    db.cleanup().await;
}

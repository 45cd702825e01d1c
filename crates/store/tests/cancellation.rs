//! A transaction whose future is dropped at any point (a client that hangs up, a timeout, an
//! aborted task: every job's heartbeat and progress ticker are aborted as the job ends) leaves
//! nothing behind. sqlx before 0.9.1 handed a PostgreSQL connection back to the pool still
//! inside the transaction when the drop came during `BEGIN`'s round trip; the next borrowers'
//! statements then ran inside it, and whatever locks they took were held until the connection
//! died. Run on both backends.

#![allow(clippy::unwrap_used)] // Tests fail loudly on the first surprise.
use std::time::{Duration, Instant};

use ruche_store::jobs;
use ruche_store::testing::{Backend, TestDb};

/// Transactions aborted after 0 to 600 µs: before, during and after `BEGIN`, inside a write,
/// and during `COMMIT`. (The test body runs outside the runtime's workers, so it waits with the
/// thread's own sleep, finer than tokio's timers, while the task runs.)
/// Transactions aborted after 0 to 3 ms: before, during and after `BEGIN`, inside a write, and
/// during `COMMIT`; after each, no connection may stay inside it. (The test body runs outside
/// the runtime's workers, so it waits with the thread's own sleep, finer than tokio's timers,
/// while the task runs. A poisoned connection is healed by the next `BEGIN … COMMIT` it serves,
/// which is why each abort is checked before the next transaction.)
async fn cancelled_everywhere(db: &TestDb) {
    let store = &db.store;
    for i in 0..300u64 {
        let store = store.clone();
        let task = tokio::spawn(async move {
            let mut tx = store.begin().await?;
            jobs::enqueue(tx.ex(), "cancelled", "{}", None, 1).await?;
            tx.commit().await
        });
        std::thread::sleep(Duration::from_micros((i * 11) % 3000));
        task.abort();
        let _ = task.await;
        // A dropped connection goes back to the pool (and rolls back) in a task of its own.
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let left = db.sessions_in_transaction().await;
            if left == 0 {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "after abort {i}: {left} connections are still inside a dropped transaction"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    // Every connection of the pool still commits what it writes, and readers see it.
    let writers: Vec<_> = (0..20)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut tx = store.begin().await.unwrap();
                jobs::enqueue(tx.ex(), "kept", "{}", None, 1).await.unwrap();
                tx.commit().await.unwrap();
            })
        })
        .collect();
    for w in writers {
        w.await.unwrap();
    }
    let mut c = store.read().await.unwrap();
    assert!(jobs::any_due(c.ex(), &["kept"]).await.unwrap());
    drop(c);
    assert_eq!(db.sessions_in_transaction().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_transactions_leave_nothing_behind_sqlite() {
    let db = TestDb::new(Backend::Sqlite).await;
    cancelled_everywhere(&db).await;
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_transactions_leave_nothing_behind_postgres() {
    let db = TestDb::new(Backend::Postgres).await;
    cancelled_everywhere(&db).await;
    // And whatever a future bug leaves behind ends: no lock is waited for without end, and a
    // session forgotten inside a transaction is closed by the server.
    assert_eq!(db.session_setting("lock_timeout").await.unwrap(), "1min");
    assert_eq!(
        db.session_setting("idle_in_transaction_session_timeout")
            .await
            .unwrap(),
        "5min"
    );
    db.cleanup().await;
}

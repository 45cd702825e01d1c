#![allow(clippy::unwrap_used)] // Tests fail loudly on the first surprise.

use super::*;
use ruche_store::{Store, db_test};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

fn queue(kinds: Vec<&'static str>) -> Queue {
    Queue {
        name: "test",
        kinds,
        workers: 2,
        lease: Duration::from_secs(30),
        poll: Duration::from_millis(50),
        grace: Duration::from_millis(200),
    }
}

async fn enqueue(store: &Store, kind: &str, payload: &str, attempts: i64) -> i64 {
    let mut tx = store.begin().await.unwrap();
    let id = jobs::enqueue(tx.ex(), kind, payload, None, attempts)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

async fn counts(store: &Store) -> Vec<(String, String, i64)> {
    let mut c = store.read().await.unwrap();
    jobs::counts(c.ex()).await.unwrap()
}

/// A handler made of closures, as each test needs its own.
struct Test<R, G> {
    run: R,
    gave_up: G,
}

impl<R, RF, G> Handler for Test<R, G>
where
    R: Fn(Job) -> RF + Send + Sync + 'static,
    RF: Future<Output = Outcome> + Send,
    G: Fn(Job, String) + Send + Sync + 'static,
{
    fn run(&self, job: Job) -> impl Future<Output = Outcome> + Send {
        (self.run)(job)
    }
    async fn gave_up(&self, job: Job, reason: String) {
        (self.gave_up)(job, reason)
    }
}

/// What a test that does not watch jobs fail for good does with them.
type Ignore = fn(Job, String);

fn test<R, RF>(run: R) -> Arc<Test<R, Ignore>>
where
    R: Fn(Job) -> RF + Send + Sync + 'static,
    RF: Future<Output = Outcome> + Send,
{
    Arc::new(Test {
        run,
        gave_up: |_, _| {},
    })
}

/// Waits until `done` holds (or fails after a generous while).
async fn until<F, Fut>(what: &str, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

db_test!(
    a_panicking_job_fails_alone_and_the_loop_goes_on,
    |store: Store| async move {
        let ran = Arc::new(AtomicUsize::new(0));
        let given_up = Arc::new(std::sync::Mutex::new(Vec::new()));
        let handler = Arc::new(Test {
            run: {
                let ran = ran.clone();
                move |job: Job| {
                    let ran = ran.clone();
                    async move {
                        if job.payload == "boom" {
                            panic!("a newline in a header");
                        }
                        ran.fetch_add(1, Ordering::SeqCst);
                        Outcome::Done
                    }
                }
            },
            gave_up: {
                let given_up = given_up.clone();
                move |job: Job, why: String| given_up.lock().unwrap().push((job.payload, why))
            },
        });
        let stop = CancellationToken::new();
        let wake = Arc::new(Notify::new());
        // The poisoned job first: with one worker, a loop that died on it would run nothing.
        enqueue(&store, "mail", "boom", 5).await;
        for _ in 0..3 {
            enqueue(&store, "mail", "fine", 5).await;
        }
        let q = Queue {
            workers: 1,
            ..queue(vec!["mail"])
        };
        let handles = spawn(store.clone(), q, wake, stop.clone(), handler);
        until("the other jobs", || async {
            ran.load(Ordering::SeqCst) == 3
        })
        .await;
        until("the poisoned job to fail", || async {
            counts(&store).await == vec![("mail".to_string(), "failed".to_string(), 1)]
        })
        .await;
        let seen = given_up.lock().unwrap().clone();
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0].0, "boom");
        assert!(
            seen[0].1.contains("panicked: a newline in a header"),
            "{seen:?}"
        );
        // Failed for good at once: a panic would only repeat.
        stop.cancel();
        for h in handles {
            h.await.unwrap();
        }
    }
);

db_test!(
    retries_then_gives_up_and_kinds_keep_their_order,
    |store: Store| async move {
        let order = Arc::new(std::sync::Mutex::new(Vec::new()));
        let handler = test({
            let order = order.clone();
            move |job: Job| {
                let order = order.clone();
                async move {
                    order.lock().unwrap().push(job.kind.clone());
                    if job.kind == "flaky" {
                        Outcome::Retry {
                            reason: "the other server is down".into(),
                            after: Duration::ZERO,
                        }
                    } else {
                        Outcome::Done
                    }
                }
            }
        });
        enqueue(&store, "later", "{}", 1).await;
        enqueue(&store, "first", "{}", 1).await;
        enqueue(&store, "flaky", "{}", 3).await;
        let stop = CancellationToken::new();
        let q = Queue {
            workers: 1,
            ..queue(vec!["first", "flaky", "later"])
        };
        let handles = spawn(
            store.clone(),
            q,
            Arc::new(Notify::new()),
            stop.clone(),
            handler,
        );
        until("the flaky job to be given up", || async {
            counts(&store).await == vec![("flaky".to_string(), "failed".to_string(), 1)]
        })
        .await;
        let seen = order.lock().unwrap().clone();
        assert_eq!(seen[0], "first", "{seen:?}");
        assert_eq!(seen.iter().filter(|k| *k == "flaky").count(), 3, "{seen:?}");
        stop.cancel();
        for h in handles {
            h.await.unwrap();
        }
    }
);

db_test!(
    shutdown_lets_short_jobs_end_and_gives_long_ones_back,
    |store: Store| async move {
        let started = Arc::new(Notify::new());
        let handler = test({
            let started = started.clone();
            move |job: Job| {
                let started = started.clone();
                async move {
                    started.notify_one();
                    if job.payload == "long" {
                        // Longer than any grace: it must be given back.
                        std::future::pending::<()>().await;
                    }
                    Outcome::Done
                }
            }
        });
        let id = enqueue(&store, "transcode", "long", 3).await;
        let stop = CancellationToken::new();
        let q = Queue {
            workers: 1,
            ..queue(vec!["transcode"])
        };
        let handles = spawn(
            store.clone(),
            q,
            Arc::new(Notify::new()),
            stop.clone(),
            handler,
        );
        started.notified().await;
        stop.cancel();
        for h in handles {
            h.await.unwrap();
        }
        // Given back untouched: pending, its attempt not counted, claimable at once.
        let j = jobs::claim(&store, "transcode", 60_000)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((j.id, j.attempts), (id, 1));
    }
);

#[tokio::test]
async fn every_survives_a_panicking_round() {
    let rounds = Arc::new(AtomicUsize::new(0));
    let stop = CancellationToken::new();
    let r = rounds.clone();
    let h = every("test", Duration::from_millis(1), stop.clone(), move || {
        let n = r.fetch_add(1, Ordering::SeqCst);
        async move {
            if n == 0 {
                panic!("first round");
            }
            if n == 1 {
                return Err("second round".to_string());
            }
            Ok(())
        }
    });
    until("three rounds", || async {
        rounds.load(Ordering::SeqCst) >= 3
    })
    .await;
    stop.cancel();
    h.await.unwrap();
}

//! Copies of other instances' files (their pictures), made once however many ask at the same
//! time, and not asked for again for a while when the origin failed.

use crate::{TubeError, TubeResult};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

/// How long a failed copy of another instance's picture is remembered: a dead or hostile origin
/// is asked once in this time, not on every request.
const FAILED_FETCH_TTL: Duration = Duration::from_secs(5 * 60);

/// Failed copies remembered at most; past that, the expired ones are dropped, and a new failure
/// is not remembered until there is room.
const FAILED_FETCH_MAX: usize = 10_000;

/// What a copy of a remote picture came to, shared with everyone who waited for it.
#[derive(Clone, Debug)]
enum Copied {
    Done,
    /// The origin's fault (unreachable, not a picture, too many pixels…): remembered.
    Remote(String),
    /// Ours: the disk is full (not remembered: room may be made at any time).
    DiskFull,
    /// Ours, anything else (not remembered).
    Local(String),
}

impl Copied {
    fn of(result: TubeResult<()>) -> Copied {
        match result {
            Ok(()) => Copied::Done,
            Err(TubeError::Remote(m)) => Copied::Remote(m),
            Err(TubeError::DiskFull) => Copied::DiskFull,
            Err(e) => Copied::Local(e.to_string()),
        }
    }

    fn result(self) -> TubeResult<()> {
        match self {
            Copied::Done => Ok(()),
            Copied::Remote(m) => Err(TubeError::Remote(m)),
            Copied::DiskFull => Err(TubeError::DiskFull),
            Copied::Local(m) => Err(TubeError::Internal(m)),
        }
    }
}

enum Flight {
    /// A copy under way: whoever asks waits for it.
    Running(Arc<tokio::sync::OnceCell<Copied>>),
    /// A copy that failed, until then.
    Failed(Instant, String),
}

/// The copies of remote pictures under way or recently failed, by the path they go to.
static FLIGHTS: LazyLock<Mutex<HashMap<PathBuf, Flight>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

fn flights() -> std::sync::MutexGuard<'static, HashMap<PathBuf, Flight>> {
    FLIGHTS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Makes the file at `path` with `copy` (a fetch from another instance, re-encoded) once,
/// however many ask for it at the same time: the first runs `copy`, the others wait for it and
/// then read the file (single flight). A copy that failed for the origin's fault is remembered
/// for [`FAILED_FETCH_TTL`]: asking again meanwhile gives the same error without a fetch. If the
/// one copying stops waiting (its client went away), the next one waiting takes over.
pub(crate) async fn once<F, Fut>(path: &Path, copy: F) -> TubeResult<()>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = TubeResult<()>>,
{
    let cell = {
        let mut map = flights();
        match map.get(path) {
            Some(Flight::Failed(until, why)) if *until > Instant::now() => {
                return Err(TubeError::Remote(why.clone()));
            }
            Some(Flight::Running(cell)) => cell.clone(),
            _ => {
                let cell = Arc::new(tokio::sync::OnceCell::new());
                map.insert(path.to_path_buf(), Flight::Running(cell.clone()));
                cell
            }
        }
    };
    let copied = cell
        .get_or_init(|| async {
            // Made by a copy that finished between our look at the disk and now.
            if tokio::fs::try_exists(path).await.unwrap_or(false) {
                return Copied::Done;
            }
            Copied::of(copy().await)
        })
        .await
        .clone();
    {
        let mut map = flights();
        let ours = matches!(map.get(path), Some(Flight::Running(c)) if Arc::ptr_eq(c, &cell));
        if ours {
            match &copied {
                Copied::Remote(why) => {
                    if map.len() >= FAILED_FETCH_MAX {
                        let now = Instant::now();
                        map.retain(|_, f| !matches!(f, Flight::Failed(until, _) if *until <= now));
                    }
                    if map.len() < FAILED_FETCH_MAX {
                        map.insert(
                            path.to_path_buf(),
                            Flight::Failed(Instant::now() + FAILED_FETCH_TTL, why.clone()),
                        );
                    } else {
                        map.remove(path);
                    }
                }
                _ => {
                    map.remove(path);
                }
            }
        }
    }
    copied.result()
}

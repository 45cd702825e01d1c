//! Files written whole: what Tube's storage and Pages' media folder both write.

use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// Writes a file whole under its final name: first under a hidden name of its own beside it
/// (`.{name}.{pid}-{n}.tmp`, never served: served names do not start with a dot), then renamed.
/// Two writers of the same file each write their own, and the last rename wins with the same
/// bytes; a failed write leaves nothing behind.
pub async fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    static N: AtomicU64 = AtomicU64::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.{}-{n}.tmp", std::process::id()));
    let written = async {
        tokio::fs::write(&tmp, bytes).await?;
        tokio::fs::rename(&tmp, path).await
    }
    .await;
    if written.is_err() {
        let _ = tokio::fs::remove_file(&tmp).await;
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn writes_whole_and_leaves_no_scratch() {
        let dir = tempfile::tempdir().expect("dir");
        let p = dir.path().join("a.json");
        write_atomic(&p, b"one").await.expect("write");
        write_atomic(&p, b"two").await.expect("rewrite");
        assert_eq!(std::fs::read(&p).expect("read"), b"two");
        assert_eq!(std::fs::read_dir(dir.path()).expect("ls").count(), 1);
        let missing = dir.path().join("no/such/dir/b");
        assert!(write_atomic(&missing, b"x").await.is_err());
    }
}

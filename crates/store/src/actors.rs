//! Federation state of local actors: their key pairs.

use crate::{Ex, Result, StoreError, dual, now_ms};

/// A local actor's key pair, PEM encoded (public SPKI, private PKCS#8).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct KeyPair {
    pub public_pem: String,
    pub private_pem: String,
}

/// The key pair of `(kind, local_id)`, if it was made.
pub async fn key(ex: Ex<'_>, kind: &str, local_id: i64) -> Result<Option<KeyPair>> {
    dual!(ex, |c| sqlx::query_as(
        "SELECT public_pem, private_pem FROM actor_keys WHERE actor_kind = $1 AND local_id = $2"
    )
    .bind(kind)
    .bind(local_id)
    .fetch_optional(c)
    .await
    .map_err(StoreError::from))
}

/// Stores a key pair unless the actor has one already (two processes may race to make it);
/// returns the one that is stored.
pub async fn insert_key(
    mut ex: Ex<'_>,
    kind: &str,
    local_id: i64,
    pair: &KeyPair,
) -> Result<KeyPair> {
    dual!(&mut ex, |c| sqlx::query(
        "INSERT INTO actor_keys (actor_kind, local_id, public_pem, private_pem, created_at)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (actor_kind, local_id) DO NOTHING"
    )
    .bind(kind)
    .bind(local_id)
    .bind(&pair.public_pem)
    .bind(&pair.private_pem)
    .bind(now_ms())
    .execute(&mut **c)
    .await
    .map(|_| ())
    .map_err(StoreError::from))?;
    key(ex, kind, local_id)
        .await?
        .ok_or_else(|| StoreError::Conflict("the key pair vanished".into()))
}

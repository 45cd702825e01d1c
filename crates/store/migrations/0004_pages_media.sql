-- Pictures of one-page sites: one row per picture a user uploaded (its responsive variants are
-- files named after it). The label is the picture's text alternative wherever it is used.
CREATE TABLE pages_media (
    id BIGSERIAL PRIMARY KEY,
    owner_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    -- The full variant's file name, `<hash>-<W>x<H>.webp`; the others derive from it.
    file TEXT NOT NULL,
    width BIGINT NOT NULL,
    height BIGINT NOT NULL,
    -- Every variant together, for the quota.
    bytes BIGINT NOT NULL,
    label TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    UNIQUE (owner_id, file)
);

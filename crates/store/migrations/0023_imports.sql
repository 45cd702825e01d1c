-- Videos imported from a URL (PeerTube's video imports): who asked, from where, how it went.
-- The video stays when its import is deleted (as PeerTube); a deleted video leaves the import.
CREATE TABLE video_imports (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    video_id BIGINT REFERENCES videos(id) ON DELETE SET NULL,
    target_url TEXT NOT NULL,
    state BIGINT NOT NULL,
    error TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX video_imports_user ON video_imports(user_id, created_at);

-- Video blocks, PeerTube's "blacklist": a moderator blocks a video (ours or another
-- instance's) with a reason; one block per video. `kind` 1 is a moderator's block, 2 an
-- automatic one (a new user's video waiting for approval); `unfederated`: other instances were
-- told to delete it (or never heard of it) and hear of it again once it is unblocked.
CREATE TABLE video_blocks (
    id BIGSERIAL PRIMARY KEY,
    video_id BIGINT NOT NULL UNIQUE REFERENCES videos(id) ON DELETE CASCADE,
    reason TEXT,
    unfederated BOOLEAN NOT NULL DEFAULT FALSE,
    kind BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX video_blocks_by_kind ON video_blocks (kind, created_at);
-- The notifications of a block (to its video's owner, to moderators for an automatic one) go
-- with it.
ALTER TABLE user_notifications ADD COLUMN video_block_id BIGINT REFERENCES video_blocks(id) ON DELETE CASCADE;

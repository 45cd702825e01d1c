-- Another site's channel whose new videos are imported into one of ours (PeerTube's video
-- channel synchronisation), and which imports came from it.
CREATE TABLE channel_syncs (
    id BIGSERIAL PRIMARY KEY,
    channel_id BIGINT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    external_url TEXT NOT NULL,
    state BIGINT NOT NULL,
    last_sync_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX channel_syncs_channel ON channel_syncs(channel_id);
ALTER TABLE video_imports ADD COLUMN sync_id BIGINT REFERENCES channel_syncs(id) ON DELETE SET NULL;

-- Announces (shares) of our videos by other instances' actors, for the video's `shares`
-- collection, as PeerTube lists them.
CREATE TABLE video_shares (
    video_id BIGINT NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
    actor TEXT NOT NULL,
    -- The Announce's id.
    url TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (video_id, actor)
);

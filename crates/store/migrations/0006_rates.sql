-- Likes and dislikes of videos, one per account and video (local and, with federation, remote
-- accounts); the videos' likes/dislikes counters follow them in the same transaction.
CREATE TABLE video_rates (
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    video_id BIGINT NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
    -- 'like' or 'dislike'
    kind TEXT NOT NULL,
    -- The activity's id when the rate came from another instance.
    url TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, video_id)
);
CREATE INDEX video_rates_video ON video_rates(video_id, kind);

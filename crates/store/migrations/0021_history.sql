-- What each user watched and how far (PeerTube's video history), and whether they keep one.
CREATE TABLE user_video_history (
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    video_id BIGINT NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
    -- Seconds into the video where the user was last.
    position_secs BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, video_id)
);
CREATE INDEX user_video_history_recent ON user_video_history(user_id, updated_at);
ALTER TABLE users ADD COLUMN history_enabled BOOLEAN NOT NULL DEFAULT TRUE;

-- Views counted here per video and UTC day (`day`: its midnight in unix milliseconds), which
-- the `trending` sort sums over the last days (PeerTube's `videoStat`).
CREATE TABLE video_stats (
    video_id BIGINT NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
    day BIGINT NOT NULL,
    views BIGINT NOT NULL,
    PRIMARY KEY (video_id, day)
);
CREATE INDEX video_stats_day ON video_stats(day);

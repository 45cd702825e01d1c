-- Editing a video as PeerTube allows it: the date it was first published elsewhere, NSFW
-- flags (PeerTube 7.2: 1 violent, 2 explicit sex) and their summary.
ALTER TABLE videos ADD COLUMN originally_published_at BIGINT;
ALTER TABLE videos ADD COLUMN nsfw_flags BIGINT NOT NULL DEFAULT 0;
ALTER TABLE videos ADD COLUMN nsfw_summary TEXT;

-- A scheduled update (PeerTube's `scheduleUpdate`): at `update_at` the video takes `privacy`
-- (when given) and is published anew. One per video.
CREATE TABLE video_schedules (
    video_id BIGINT NOT NULL PRIMARY KEY REFERENCES videos(id) ON DELETE CASCADE,
    update_at BIGINT NOT NULL,
    privacy BIGINT
);

-- The passwords of a password-protected video (PeerTube 6): kept as given, since its owner
-- reads them back (`GET /api/v1/videos/{id}/passwords`), as PeerTube keeps them.
CREATE TABLE video_passwords (
    id BIGSERIAL PRIMARY KEY,
    video_id BIGINT NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
    password TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (video_id, password)
);

-- Users' notifications, PeerTube's model: one row per recipient and event, naming what it is
-- about (each reference goes with the thing it names). `web` says whether it is listed in the
-- page (the WEB bit of the recipient's setting); a mailed one is kept for its mail job either way.
CREATE TABLE user_notifications (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind BIGINT NOT NULL,
    is_read BOOLEAN NOT NULL DEFAULT FALSE,
    web BOOLEAN NOT NULL DEFAULT TRUE,
    video_id BIGINT REFERENCES videos(id) ON DELETE CASCADE,
    comment_id BIGINT REFERENCES video_comments(id) ON DELETE CASCADE,
    abuse_id BIGINT REFERENCES abuses(id) ON DELETE CASCADE,
    account_id BIGINT REFERENCES accounts(id) ON DELETE CASCADE,
    import_id BIGINT REFERENCES video_imports(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX user_notifications_of ON user_notifications (user_id, web, is_read, created_at);
-- What a user changed of their notification settings (a JSON object; NULL: PeerTube's
-- defaults), and the language of their mails (the one they last chose in the pages).
ALTER TABLE users ADD COLUMN notification_settings TEXT;
ALTER TABLE users ADD COLUMN language TEXT;

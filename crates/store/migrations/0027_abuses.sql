-- PeerTube's abuse reports: one thing reported (a video, with an optional span of it, a
-- comment, or an account), by an account of ours or another instance's (the account of the
-- actor that sent the Flag), about the account that owns it (`flagged_account_id`). A video's
-- uuid, name, sensitivity and channel are kept from the day of the report, shown once the video
-- is gone. A Flag from elsewhere is kept once per (Flag id, thing reported).
CREATE TABLE abuses (
    id BIGSERIAL PRIMARY KEY,
    -- What it reports: 'video', 'comment' or 'account'.
    kind TEXT NOT NULL,
    reason TEXT NOT NULL,
    -- A JSON array of PeerTube's predefined reasons, by name.
    predefined_reasons TEXT NOT NULL DEFAULT '[]',
    -- 1 pending, 2 rejected, 3 accepted.
    state BIGINT NOT NULL DEFAULT 1,
    moderation_comment TEXT,
    reporter_account_id BIGINT REFERENCES accounts(id) ON DELETE SET NULL,
    flagged_account_id BIGINT REFERENCES accounts(id) ON DELETE SET NULL,
    video_id BIGINT REFERENCES videos(id) ON DELETE SET NULL,
    start_at BIGINT,
    end_at BIGINT,
    -- JSON {uuid, name, nsfw, channel: {name, displayName, host}} of the video when reported.
    video_snapshot TEXT,
    comment_id BIGINT REFERENCES video_comments(id) ON DELETE SET NULL,
    url TEXT,
    object_url TEXT,
    processed_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX abuses_flags ON abuses (url, object_url);
CREATE INDEX abuses_by_date ON abuses (created_at);
CREATE INDEX abuses_by_state ON abuses (state, created_at);
CREATE INDEX abuses_reporter ON abuses (reporter_account_id);
CREATE INDEX abuses_flagged ON abuses (flagged_account_id);
CREATE INDEX abuses_video ON abuses (video_id);
CREATE INDEX abuses_comment ON abuses (comment_id);
-- The conversation of a report between its reporter (one of ours) and the moderators.
CREATE TABLE abuse_messages (
    id BIGSERIAL PRIMARY KEY,
    abuse_id BIGINT NOT NULL REFERENCES abuses(id) ON DELETE CASCADE,
    account_id BIGINT REFERENCES accounts(id) ON DELETE SET NULL,
    message TEXT NOT NULL,
    by_moderator BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX abuse_messages_of ON abuse_messages (abuse_id, id);
-- The Flags kept so far become reports, pending, about the owner of what they name.
INSERT INTO abuses (kind, reason, state, reporter_account_id, flagged_account_id, video_id, comment_id,
    url, object_url, created_at, updated_at)
SELECT CASE WHEN r.video_id IS NOT NULL THEN 'video'
            WHEN r.comment_id IS NOT NULL THEN 'comment' ELSE 'account' END,
    r.reason, 1, r.reporter_account_id,
    COALESCE(r.account_id,
        (SELECT ch.account_id FROM videos v JOIN channels ch ON ch.id = v.channel_id
         WHERE v.id = r.video_id),
        (SELECT vc.account_id FROM video_comments vc WHERE vc.id = r.comment_id)),
    r.video_id, r.comment_id, r.url, NULL, r.created_at, r.created_at
FROM reports r ORDER BY r.id;
DROP TABLE reports;

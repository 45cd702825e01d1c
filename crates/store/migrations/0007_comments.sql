-- Comments under videos, in threads: a thread is a comment without a parent; replies name
-- their parent and their thread's first comment. Deleting keeps the row (so replies keep their
-- place) and empties its text, as PeerTube does.
CREATE TABLE video_comments (
    id BIGSERIAL PRIMARY KEY,
    video_id BIGINT NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    thread_id BIGINT,
    in_reply_to_id BIGINT,
    text TEXT NOT NULL,
    -- The ActivityPub id of a comment from another instance; ours derive theirs.
    url TEXT UNIQUE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    deleted_at BIGINT
);
CREATE INDEX video_comments_threads ON video_comments(video_id, thread_id, id);

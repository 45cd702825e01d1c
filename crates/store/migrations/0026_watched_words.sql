-- PeerTube 6.2's watched words and automatic tags. A list belongs to an account, or to the
-- instance when `account_id` is NULL (the instance has no account row); its words are a JSON
-- array. Names are unique per owner.
CREATE TABLE watched_words_lists (
    id BIGSERIAL PRIMARY KEY,
    account_id BIGINT REFERENCES accounts(id) ON DELETE CASCADE,
    list_name TEXT NOT NULL,
    words TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX watched_words_lists_names ON watched_words_lists (COALESCE(account_id, 0), list_name);
-- The automatic tags an account holds comments for (PeerTube's "review-comments" policy).
CREATE TABLE automatic_tag_policies (
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    PRIMARY KEY (account_id, name)
);
-- The tags a comment got, for the video's owner (`account_id`) and for the instance (NULL);
-- a video's, for the instance only (PeerTube tags videos with the instance's lists).
CREATE TABLE comment_automatic_tags (
    comment_id BIGINT NOT NULL REFERENCES video_comments(id) ON DELETE CASCADE,
    account_id BIGINT REFERENCES accounts(id) ON DELETE CASCADE,
    name TEXT NOT NULL
);
CREATE UNIQUE INDEX comment_automatic_tags_unique ON comment_automatic_tags (comment_id, COALESCE(account_id, 0), name);
CREATE INDEX comment_automatic_tags_names ON comment_automatic_tags (name, comment_id);
CREATE TABLE video_automatic_tags (
    video_id BIGINT NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    PRIMARY KEY (video_id, name)
);
CREATE INDEX video_automatic_tags_names ON video_automatic_tags (name, video_id);

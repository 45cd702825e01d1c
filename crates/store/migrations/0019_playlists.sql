-- Playlists as PeerTube has them: a user's list of videos (the same video may come back, each
-- element with its own start and stop times), public, unlisted or private, in one of the
-- user's channels or none (a private or unlisted one may have none), and each user's
-- "Watch later" (kind 2). Another instance's playlists are kept here too, by their `url`.
CREATE TABLE playlists (
    id BIGSERIAL PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    channel_id BIGINT REFERENCES channels(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT,
    privacy BIGINT NOT NULL,
    kind BIGINT NOT NULL,
    thumbnail_filename TEXT,
    url TEXT UNIQUE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    indexed_at BIGINT
);
CREATE INDEX playlists_account ON playlists(account_id);
CREATE INDEX playlists_channel ON playlists(channel_id);
CREATE UNIQUE INDEX playlists_watch_later ON playlists(account_id) WHERE kind = 2;

-- Positions count from 1 without gaps. A deleted video leaves its element (PeerTube shows it
-- as "deleted") with no video.
CREATE TABLE playlist_elements (
    id BIGSERIAL PRIMARY KEY,
    playlist_id BIGINT NOT NULL REFERENCES playlists(id) ON DELETE CASCADE,
    video_id BIGINT REFERENCES videos(id) ON DELETE SET NULL,
    position BIGINT NOT NULL,
    start_timestamp BIGINT,
    stop_timestamp BIGINT,
    url TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX playlist_elements_playlist ON playlist_elements(playlist_id, position);
CREATE INDEX playlist_elements_video ON playlist_elements(video_id);

CREATE TABLE playlist_terms (
    playlist_id BIGINT NOT NULL REFERENCES playlists(id) ON DELETE CASCADE,
    term TEXT COLLATE "C" NOT NULL,
    weight BIGINT NOT NULL,
    PRIMARY KEY (playlist_id, term)
);
CREATE INDEX playlist_terms_term ON playlist_terms(term, playlist_id);

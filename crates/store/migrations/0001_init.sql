-- Written for PostgreSQL; for SQLite the runner rewrites "BIGSERIAL PRIMARY KEY" to an
-- autoincrementing rowid. Timestamps are unix milliseconds (BIGINT) and UUIDs text on both
-- backends, so one set of queries serves SQLite and PostgreSQL.
CREATE TABLE kv (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE users (
    id BIGSERIAL PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role BIGINT NOT NULL,
    video_quota BIGINT NOT NULL,
    video_quota_daily BIGINT NOT NULL,
    blocked BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL
);

CREATE TABLE accounts (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    host TEXT,
    display_name TEXT NOT NULL,
    description TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX accounts_name_local ON accounts(name) WHERE host IS NULL;

CREATE TABLE channels (
    id BIGSERIAL PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    host TEXT,
    display_name TEXT NOT NULL,
    description TEXT,
    support TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX channels_name_local ON channels(name) WHERE host IS NULL;

CREATE TABLE registrations (
    id BIGSERIAL PRIMARY KEY,
    username TEXT NOT NULL,
    email TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    reason TEXT NOT NULL,
    state BIGINT NOT NULL,
    moderation_response TEXT,
    user_id BIGINT,
    created_at BIGINT NOT NULL
);

CREATE TABLE oauth_tokens (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    access_hash TEXT NOT NULL UNIQUE,
    refresh_hash TEXT NOT NULL UNIQUE,
    access_expires_at BIGINT NOT NULL,
    refresh_expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE web_sessions (
    id_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE videos (
    id BIGSERIAL PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    channel_id BIGINT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT,
    support TEXT,
    privacy BIGINT NOT NULL,
    category BIGINT,
    licence BIGINT,
    language TEXT,
    tags TEXT NOT NULL,
    nsfw BOOLEAN NOT NULL,
    comments_enabled BOOLEAN NOT NULL,
    download_enabled BOOLEAN NOT NULL,
    wait_transcoding BOOLEAN NOT NULL,
    state BIGINT NOT NULL,
    failure_reason TEXT,
    progress BIGINT NOT NULL DEFAULT 0,
    duration BIGINT NOT NULL DEFAULT 0,
    aspect_ratio DOUBLE PRECISION,
    views BIGINT NOT NULL DEFAULT 0,
    likes BIGINT NOT NULL DEFAULT 0,
    dislikes BIGINT NOT NULL DEFAULT 0,
    quota_size BIGINT NOT NULL,
    source_filename TEXT NOT NULL,
    playlist_filename TEXT,
    sha256_filename TEXT,
    thumbnail_filename TEXT,
    preview_filename TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    published_at BIGINT
);
CREATE INDEX videos_listing ON videos(state, privacy, published_at);
CREATE INDEX videos_channel ON videos(channel_id);

CREATE TABLE video_files (
    id BIGSERIAL PRIMARY KEY,
    video_id BIGINT NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
    resolution BIGINT NOT NULL,
    width BIGINT NOT NULL,
    height BIGINT NOT NULL,
    fps DOUBLE PRECISION NOT NULL,
    size BIGINT NOT NULL,
    bandwidth BIGINT NOT NULL,
    codecs TEXT NOT NULL,
    filename TEXT NOT NULL,
    playlist_filename TEXT NOT NULL,
    web_filename TEXT,
    web_size BIGINT,
    has_audio BOOLEAN NOT NULL,
    has_video BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (video_id, resolution)
);

CREATE TABLE uploads (
    id TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    metadata TEXT NOT NULL,
    filename TEXT NOT NULL,
    size BIGINT NOT NULL,
    received BIGINT NOT NULL DEFAULT 0,
    video_id BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE jobs (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL,
    run_at BIGINT NOT NULL,
    locked_until BIGINT,
    last_error TEXT,
    video_id BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX jobs_ready ON jobs(state, kind, run_at);

CREATE TABLE video_views (
    video_id BIGINT NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
    viewer TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    PRIMARY KEY (video_id, viewer, window_start)
);

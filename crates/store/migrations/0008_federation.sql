-- Federation: what other instances sent us, who follows whom, and what we still have to send.
--
-- Accounts, channels and videos of other instances live in the same tables as ours; their
-- ActivityPub id is `url` (NULL for ours, whose ids derive from the public URL).
ALTER TABLE accounts ADD COLUMN url TEXT;
CREATE UNIQUE INDEX accounts_url ON accounts(url);
ALTER TABLE channels ADD COLUMN url TEXT;
CREATE UNIQUE INDEX channels_url ON channels(url);
ALTER TABLE videos ADD COLUMN url TEXT;
CREATE UNIQUE INDEX videos_url ON videos(url);
-- A remote video is played from its origin: its playlist, files and pictures, as JSON.
ALTER TABLE videos ADD COLUMN remote_media TEXT;

-- Actors of other instances, as their documents last said: where to deliver to them and the
-- key that checks their signatures. A Person or an Application stands as an account here, a
-- Group (a PeerTube channel) as a channel.
CREATE TABLE remote_actors (
    id BIGSERIAL PRIMARY KEY,
    url TEXT NOT NULL UNIQUE,
    -- 'Person', 'Group', 'Application', 'Service', 'Organization'
    kind TEXT NOT NULL,
    host TEXT NOT NULL,
    username TEXT NOT NULL,
    inbox TEXT NOT NULL,
    shared_inbox TEXT,
    followers_url TEXT,
    key_id TEXT,
    public_key_pem TEXT,
    account_id BIGINT REFERENCES accounts(id) ON DELETE CASCADE,
    channel_id BIGINT REFERENCES channels(id) ON DELETE CASCADE,
    fetched_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX remote_actors_key ON remote_actors(key_id);
CREATE INDEX remote_actors_host ON remote_actors(host);

-- Follows between actors, local or remote, by their ActivityPub ids. An instance follow is a
-- follow between two Application actors.
CREATE TABLE follows (
    id BIGSERIAL PRIMARY KEY,
    follower TEXT NOT NULL,
    following TEXT NOT NULL,
    -- 'pending', 'accepted', 'rejected'
    state TEXT NOT NULL,
    -- The Follow activity's id, which its Accept, Reject or Undo names.
    activity TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (follower, following)
);
CREATE INDEX follows_following ON follows(following, state);

-- Activities we send, kept once however many inboxes they go to (with their LD signature, so a
-- forwarded activity keeps its author's).
CREATE TABLE outgoing_activities (
    id BIGSERIAL PRIMARY KEY,
    body TEXT NOT NULL,
    -- Whose key signs the HTTP requests: 'application' (0), 'account' or 'channel' (local id).
    signer_kind TEXT NOT NULL,
    signer_id BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

-- One delivery per (activity, inbox): signed afresh at each attempt, retried with a growing
-- delay. A worker holds one with a lease, as jobs are held.
CREATE TABLE deliveries (
    id BIGSERIAL PRIMARY KEY,
    activity_id BIGINT NOT NULL REFERENCES outgoing_activities(id) ON DELETE CASCADE,
    inbox TEXT NOT NULL,
    host TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    run_at BIGINT NOT NULL,
    locked_until BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    UNIQUE (activity_id, inbox)
);
CREATE INDEX deliveries_due ON deliveries(run_at);
CREATE INDEX deliveries_host ON deliveries(host, run_at);

-- Other instances' health as our deliveries see it.
CREATE TABLE instances (
    host TEXT PRIMARY KEY,
    -- Set by the first failed delivery in a row, cleared when the instance answers again or
    -- speaks to us; deliveries to a host unreachable for too long are given up.
    unreachable_since BIGINT,
    -- Failures in a row; the next attempt waits longer after each.
    failures BIGINT NOT NULL DEFAULT 0,
    last_success_at BIGINT,
    updated_at BIGINT NOT NULL
);

-- Ids of activities already taken in, so the same activity twice changes nothing.
CREATE TABLE received_activities (
    url TEXT PRIMARY KEY,
    received_at BIGINT NOT NULL
);
CREATE INDEX received_activities_age ON received_activities(received_at);

-- Reports (ActivityPub Flag) received from other instances, kept for the moderators.
CREATE TABLE reports (
    id BIGSERIAL PRIMARY KEY,
    -- The Flag's id, and who sent it.
    url TEXT UNIQUE,
    reporter TEXT NOT NULL,
    reporter_account_id BIGINT REFERENCES accounts(id) ON DELETE SET NULL,
    reason TEXT NOT NULL,
    -- What is reported: one of ours (a video, a comment or an account).
    video_id BIGINT REFERENCES videos(id) ON DELETE CASCADE,
    comment_id BIGINT REFERENCES video_comments(id) ON DELETE CASCADE,
    account_id BIGINT REFERENCES accounts(id) ON DELETE CASCADE,
    -- 'pending' until a moderator decides.
    state TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Blocklists, PeerTube's model: an account of ours mutes accounts and instances (hosts) for
-- itself; the instance (`account_id` NULL) blocks them for everyone. One row per blocker and
-- thing blocked.
CREATE TABLE account_blocks (
    id BIGSERIAL PRIMARY KEY,
    account_id BIGINT REFERENCES accounts(id) ON DELETE CASCADE,
    blocked_account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX account_blocks_unique ON account_blocks (blocked_account_id, COALESCE(account_id, 0));
CREATE TABLE server_blocks (
    id BIGSERIAL PRIMARY KEY,
    account_id BIGINT REFERENCES accounts(id) ON DELETE CASCADE,
    host TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX server_blocks_unique ON server_blocks (host, COALESCE(account_id, 0));
CREATE INDEX server_blocks_of ON server_blocks (account_id, created_at);
CREATE INDEX account_blocks_of ON account_blocks (account_id, created_at);

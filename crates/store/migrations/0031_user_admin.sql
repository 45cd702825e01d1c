-- A ban's reason (PeerTube's `blockedReason`), and the audit log: who of the moderators and
-- administrators did what to whom, and when (kept when its author is deleted).
ALTER TABLE users ADD COLUMN blocked_reason TEXT;
CREATE TABLE audit_log (
    id BIGSERIAL PRIMARY KEY,
    at BIGINT NOT NULL,
    user_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    username TEXT NOT NULL,
    domain TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    details TEXT
);
CREATE INDEX audit_log_at ON audit_log (at);

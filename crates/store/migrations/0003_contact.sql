-- Messages sent through a site's contact form: stored before anything else is done with them.
CREATE TABLE contact_messages (
    id BIGSERIAL PRIMARY KEY,
    site_id BIGINT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    message TEXT NOT NULL,
    -- SHA-256 of the sender's address: enough for rate limits, not an address book.
    sender_hash TEXT NOT NULL,
    is_read BOOLEAN NOT NULL DEFAULT FALSE,
    mailed_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX contact_messages_site ON contact_messages(site_id, id);
CREATE INDEX contact_messages_sender ON contact_messages(sender_hash, created_at);

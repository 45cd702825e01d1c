-- Federation: the RSA key pair of each local actor (the instance's Application, accounts,
-- channels), made when the actor is first needed. Remote actors' keys live with their cached
-- documents (a later migration).
CREATE TABLE actor_keys (
    -- 'application', 'account' or 'channel'
    actor_kind TEXT NOT NULL,
    -- The account's or channel's id; 0 for the application.
    local_id BIGINT NOT NULL,
    public_pem TEXT NOT NULL,
    private_pem TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (actor_kind, local_id)
);

-- Pages: one-page sites. The document is the JSON of ruche_pages::document::Site; the draft is
-- what the owner edits, the published copy what visitors get. Every save appends a revision.
CREATE TABLE sites (
    id BIGSERIAL PRIMARY KEY,
    owner_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    slug TEXT NOT NULL UNIQUE,
    draft TEXT NOT NULL,
    -- Bumped by every save: a save that names an older version is refused (two tabs).
    version BIGINT NOT NULL,
    published TEXT,
    published_at BIGINT,
    deleted_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX sites_owner ON sites(owner_id);

CREATE TABLE site_revisions (
    id BIGSERIAL PRIMARY KEY,
    site_id BIGINT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    version BIGINT NOT NULL,
    document TEXT NOT NULL,
    -- 'create', 'save', 'publish', 'import', 'restore'
    kind TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX site_revisions_site ON site_revisions(site_id, id);

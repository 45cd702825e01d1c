-- The search index: the terms of each video (its name, tags and description) and of each
-- channel (its names and its account's), as `ruche_domain::search` makes them, each with the
-- weight of the heaviest field it was found in. Terms compare byte by byte (`COLLATE "C"`,
-- BINARY on SQLite), so that a prefix is a range of the index on both backends alike.
CREATE TABLE video_terms (
    video_id BIGINT NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
    term TEXT COLLATE "C" NOT NULL,
    weight BIGINT NOT NULL,
    PRIMARY KEY (video_id, term)
);
CREATE INDEX video_terms_term ON video_terms(term, video_id);

CREATE TABLE channel_terms (
    channel_id BIGINT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    term TEXT COLLATE "C" NOT NULL,
    weight BIGINT NOT NULL,
    PRIMARY KEY (channel_id, term)
);
CREATE INDEX channel_terms_term ON channel_terms(term, channel_id);

-- What is indexed already (a row each, even with no term): what is not, the start-up backfill
-- indexes.
ALTER TABLE videos ADD COLUMN indexed_at BIGINT;
ALTER TABLE channels ADD COLUMN indexed_at BIGINT;

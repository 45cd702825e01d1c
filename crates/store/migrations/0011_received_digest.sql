-- Activities taken in are known by their id *and* a digest of their content: PeerTube reuses an
-- activity's id for new content (an Update's id is `<video>/updates/<updatedAt>`, sent again
-- when renditions are added or views are counted; a Like's id is the same after an Undo), so
-- the id alone would drop real changes. The same content twice is still taken in once.
DROP TABLE received_activities;
CREATE TABLE received_activities (
    url TEXT NOT NULL,
    digest TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (url, digest)
);
CREATE INDEX received_activities_age ON received_activities(received_at);

-- How many times a video's files were downloaded whole (PeerTube 8.1's `downloads`).
ALTER TABLE videos ADD COLUMN downloads BIGINT NOT NULL DEFAULT 0;

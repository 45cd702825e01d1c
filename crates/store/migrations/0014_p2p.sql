-- Peer-to-peer delivery: each file's torrent (the HLS rendition's fragmented MP4 and, when
-- made, its web video), and the info hashes the tracker serves.
ALTER TABLE video_files ADD COLUMN torrent_filename TEXT;
ALTER TABLE video_files ADD COLUMN info_hash TEXT;
ALTER TABLE video_files ADD COLUMN web_torrent_filename TEXT;
ALTER TABLE video_files ADD COLUMN web_info_hash TEXT;
CREATE INDEX video_files_torrent ON video_files(torrent_filename);
CREATE INDEX video_files_web_torrent ON video_files(web_torrent_filename);

-- The info hashes our tracker serves (PeerTube's private tracker): our files' torrents, our HLS
-- playlists' p2p-media-loader swarms, and those another instance published for its videos.
CREATE TABLE tracked_hashes (
    info_hash TEXT NOT NULL PRIMARY KEY,
    video_id BIGINT NOT NULL REFERENCES videos(id) ON DELETE CASCADE
);
CREATE INDEX tracked_hashes_video ON tracked_hashes(video_id);

-- The uploaded file's torrent, made at upload as PeerTube makes it before transcoding (its
-- clients wait for it), and what the file is.
CREATE TABLE video_sources (
    video_id BIGINT NOT NULL PRIMARY KEY REFERENCES videos(id) ON DELETE CASCADE,
    torrent_filename TEXT NOT NULL UNIQUE,
    info_hash TEXT NOT NULL,
    resolution BIGINT NOT NULL,
    width BIGINT NOT NULL,
    height BIGINT NOT NULL,
    fps DOUBLE PRECISION NOT NULL,
    size BIGINT NOT NULL,
    has_audio BOOLEAN NOT NULL,
    has_video BOOLEAN NOT NULL
);

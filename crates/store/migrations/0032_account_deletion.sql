-- A deleted account (one of ours whose user was deleted, or another instance's that deleted
-- itself) stays as a tombstone: its comments' places in threads, under which others replied,
-- and the reports about it keep their author; its name stays taken, as PeerTube reserves it.
ALTER TABLE accounts ADD COLUMN deleted_at BIGINT;

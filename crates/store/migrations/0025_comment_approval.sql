-- PeerTube 6.2's comment policies: 1 enabled, 2 disabled, 3 held for the owner's approval.
-- The policy replaces the yes/no column it extends.
ALTER TABLE videos ADD COLUMN comments_policy BIGINT NOT NULL DEFAULT 1;
UPDATE videos SET comments_policy = CASE WHEN comments_enabled THEN 1 ELSE 2 END;
ALTER TABLE videos DROP COLUMN comments_enabled;
-- A comment waiting for approval is seen only by its author, the video's owner and moderators,
-- and is not sent to other instances until approved. `reply_approval` is the id of the
-- `ApproveReply` by which another instance approved one of our comments on its video;
-- `held_activity` the `Create` of another instance's held comment under our video, forwarded
-- to the video's audience once approved.
ALTER TABLE video_comments ADD COLUMN held_for_review BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE video_comments ADD COLUMN reply_approval TEXT;
ALTER TABLE video_comments ADD COLUMN held_activity TEXT;

-- A site keeps its last 50 revisions (`sites::KEPT_REVISIONS`): the save that logs a new one
-- removes the older ones. This removes what the logs held past that before the bound existed.
DELETE FROM site_revisions WHERE id <= (
    SELECT r.id FROM site_revisions r WHERE r.site_id = site_revisions.site_id
    ORDER BY r.id DESC LIMIT 1 OFFSET 50
);

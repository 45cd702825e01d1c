-- What a search checks of each video it matched (state, privacy, channel) and sorts it by, in an
-- index of its own keyed by id: read through the table, each of a search's thousands of matches
-- was a page of its own, and SQLite's page cache (`store::SQLITE_HEAP_LIMIT`) could not keep the
-- table's pages, so a search for a common word read about 1,500 pages from the file each time
-- (2,109 misses for "chanson été" on the bench's 10,000 videos; none through this index, 90
-- pages for them all). SQLite is told to use it (`INDEXED BY`, videos::list): its planner
-- prefers the table's own key without statistics.
CREATE INDEX videos_visible ON videos(id, state, privacy, channel_id, published_at, created_at);

-- What lists and search read most (measured by bench/api/lists.py): the default order of the
-- public lists (newest first) served by an index, so a page reads 15 rows, not every public
-- video; their count from the index alone; and a search term's weight beside it.
CREATE INDEX videos_published_order ON videos(state, privacy, (COALESCE(published_at, created_at)), id);
CREATE INDEX videos_state_privacy_channel ON videos(state, privacy, channel_id);
DROP INDEX video_terms_term;
CREATE INDEX video_terms_term_weight ON video_terms(term, video_id, weight);
DROP INDEX channel_terms_term;
CREATE INDEX channel_terms_term_weight ON channel_terms(term, channel_id, weight);

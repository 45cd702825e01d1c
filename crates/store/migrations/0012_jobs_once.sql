-- A debounced job (`jobs::enqueue_once`: one waiting job per kind and video) is marked by its
-- key, and the database keeps one waiting job per key: two processes asking at once on
-- PostgreSQL no longer both insert one.
ALTER TABLE jobs ADD COLUMN once_key TEXT;
CREATE UNIQUE INDEX jobs_once ON jobs(once_key) WHERE state = 'pending';

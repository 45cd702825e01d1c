-- Lists for logged-in viewers show public and internal videos (`privacy IN (1, 4)`): two ranges
-- of `videos_published_order`, which neither SQLite nor PostgreSQL merges in order, so each list
-- read and sorted every published video (13 ms for 10,000 on SQLite, where the anonymous list,
-- one range, takes 0.04). In this order without the privacy, the newest come first and the
-- privacy is checked on the way: 0.2 ms.
CREATE INDEX videos_state_order ON videos(state, (COALESCE(published_at, created_at)), id);
-- The banned users' accounts, which every list leaves out (`blocklist::not_blocked`): read
-- from an index of the few banned, then by user id, not from every user and account. The
-- account of a user is also what every authenticated request reads: it had no index.
CREATE INDEX users_banned ON users(id) WHERE blocked;
CREATE INDEX accounts_user ON accounts(user_id);

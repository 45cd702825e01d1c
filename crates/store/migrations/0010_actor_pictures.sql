-- Avatars of accounts and channels, banners of channels, in the sizes PeerTube makes: a JSON
-- array of {"filename", "width", "height"}, plus "url" (the file at its origin) for another
-- instance's actor, whose pictures we copy on first use. NULL: none.
ALTER TABLE accounts ADD COLUMN avatars TEXT;
ALTER TABLE channels ADD COLUMN avatars TEXT;
ALTER TABLE channels ADD COLUMN banners TEXT;

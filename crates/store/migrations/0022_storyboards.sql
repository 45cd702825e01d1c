-- Our video's storyboard (`ruche_domain::video::Storyboard` as JSON: its file and sizes), made
-- after transcoding; another instance's is in its `remote_media`.
ALTER TABLE videos ADD COLUMN storyboard TEXT;

-- A notification's title and detail as data (JSON of `seqhealth_api::Said`), so each
-- message is worded in its recipient's language. Events from before keep only their
-- English text (NULL here), which is sent as it is.
ALTER TABLE notify_events ADD COLUMN title_said TEXT;
ALTER TABLE notify_events ADD COLUMN detail_said TEXT;

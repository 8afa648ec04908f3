-- A notification's title and detail as data (../migrations/0023): JSON of
-- `seqhealth_api::Said`, NULL on events from before, which keep their English text.
ALTER TABLE notify_events ADD COLUMN title_said TEXT;
ALTER TABLE notify_events ADD COLUMN detail_said TEXT;

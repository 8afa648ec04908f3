-- What the server says, as data (issue 26): a warning's cause, a replacement's reason and
-- the why of a moved replace-by date as a code and its figures (JSON of
-- `seqhealth_api::Said`), worded in the reader's language. Rows from before keep only
-- their English text (NULL here), which is shown as it is.
ALTER TABLE warnings ADD COLUMN said TEXT;
ALTER TABLE replacements ADD COLUMN reason_said TEXT;
ALTER TABLE replacements ADD COLUMN replace_by_why_said TEXT;

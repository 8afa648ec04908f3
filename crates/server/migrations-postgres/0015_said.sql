-- What the server says, as data (../migrations/0020): JSON of `seqhealth_api::Said`,
-- NULL on rows from before, which keep their English text.
ALTER TABLE warnings ADD COLUMN said TEXT;
ALTER TABLE replacements ADD COLUMN reason_said TEXT;
ALTER TABLE replacements ADD COLUMN replace_by_why_said TEXT;

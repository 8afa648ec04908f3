-- One replace-by date per component (../migrations/0011).
ALTER TABLE replacements ADD COLUMN replace_by_was BIGINT;
ALTER TABLE replacements ADD COLUMN replace_by_moved_at BIGINT;
ALTER TABLE replacements ADD COLUMN replace_by_why TEXT;

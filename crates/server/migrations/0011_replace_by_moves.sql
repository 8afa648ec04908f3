-- One replace-by date per component: an open recommendation's date moves only when new
-- data moves it by days, and it says so — the date it was, when it moved, and why.
ALTER TABLE replacements ADD COLUMN replace_by_was INTEGER;
ALTER TABLE replacements ADD COLUMN replace_by_moved_at INTEGER;
ALTER TABLE replacements ADD COLUMN replace_by_why TEXT;

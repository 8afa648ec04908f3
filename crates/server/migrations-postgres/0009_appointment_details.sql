-- Who comes and under which vendor case: both optional (../migrations/0015).
ALTER TABLE replacements ADD COLUMN engineer TEXT;
ALTER TABLE replacements ADD COLUMN case_number TEXT;

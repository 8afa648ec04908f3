-- Who comes and under which vendor case: both optional, on the appointment (issue 22).
ALTER TABLE replacements ADD COLUMN engineer TEXT;
ALTER TABLE replacements ADD COLUMN case_number TEXT;

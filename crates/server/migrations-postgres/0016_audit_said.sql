-- An audit entry's detail as data (../migrations/0022): JSON of `seqhealth_api::Said`,
-- NULL on entries from before, which keep their English detail.
ALTER TABLE audit_log ADD COLUMN said TEXT;

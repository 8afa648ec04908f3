-- An audit entry's detail as data (issue 26): JSON of `seqhealth_api::Said`, worded in
-- the reader's language. Entries from before keep only their English detail (NULL here).
-- Adding a column updates no row, so the triggers that keep the log append-only agree.
ALTER TABLE audit_log ADD COLUMN said TEXT;

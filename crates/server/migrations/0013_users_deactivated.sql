-- A deactivated user cannot log in and has no session; their name stays in the audit log.
ALTER TABLE users ADD COLUMN deactivated_at INTEGER;

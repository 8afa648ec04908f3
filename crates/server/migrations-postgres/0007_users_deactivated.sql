-- A deactivated user cannot log in and has no session (../migrations/0013).
ALTER TABLE users ADD COLUMN deactivated_at BIGINT;

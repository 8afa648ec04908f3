-- When a user last logged in (../migrations/0019): sessions are deleted on logout.
ALTER TABLE users ADD COLUMN last_login_at BIGINT;
UPDATE users SET last_login_at = (SELECT MAX(s.created_at) FROM sessions s WHERE s.user_id = users.id);

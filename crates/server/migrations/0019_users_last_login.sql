-- When a user last logged in (a password login, or a link that logs in: setup,
-- invitation, reset). Sessions cannot tell: logout, logout-everywhere, a password change
-- and expiry delete them. Filled from the sessions there are now.
ALTER TABLE users ADD COLUMN last_login_at INTEGER;
UPDATE users SET last_login_at = (SELECT MAX(s.created_at) FROM sessions s WHERE s.user_id = users.id);

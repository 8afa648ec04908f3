-- Adding an instrument from the dashboard and enrolling its agent with a one-time code.
-- An added instrument has no token until its agent enrolls: its token_hash is then a
-- placeholder ("pending:…" or "revoked:…") that no SHA-256 hex digest can equal.
ALTER TABLE instruments ADD COLUMN enrolled_at INTEGER;
ALTER TABLE instruments ADD COLUMN token_revoked_at INTEGER;
-- The last revoked token's hash, so its pushes can be told "revoked", not "unknown".
ALTER TABLE instruments ADD COLUMN revoked_token_hash TEXT;
-- When the server last heard from the agent (any accepted token), as opposed to
-- last_report_at, the time of the newest data it sent (an old run folder is old data).
ALTER TABLE instruments ADD COLUMN last_contact_at INTEGER;
-- When the agent's "send performance data" switch last changed (NULL: never reported).
ALTER TABLE instruments ADD COLUMN data_sharing_since INTEGER;
CREATE INDEX instruments_revoked_token ON instruments(revoked_token_hash);

-- Instruments that existed before enrollment did were provisioned with a token.
UPDATE instruments SET enrolled_at = COALESCE(last_report_at, CAST(strftime('%s', 'now') AS INTEGER));

-- One-time enrollment codes: only a hash is kept; usable once, until expires_at.
CREATE TABLE enrollment_codes (
    code_hash      TEXT PRIMARY KEY,
    instrument_id  INTEGER NOT NULL REFERENCES instruments(id),
    created_by     INTEGER NOT NULL REFERENCES users(id),
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    used_at        INTEGER
);
CREATE INDEX enrollment_codes_by_instrument ON enrollment_codes(instrument_id);

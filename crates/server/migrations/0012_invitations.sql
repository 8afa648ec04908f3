-- One-time links that bring people into a lab: the first manager's setup link (`init`)
-- and, later, invitations and password resets. Only the token's hash is kept.
CREATE TABLE invitations (
    id          INTEGER PRIMARY KEY,
    lab_id      INTEGER NOT NULL REFERENCES labs(id),
    email       TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('manager', 'viewer')),
    kind        TEXT NOT NULL CHECK (kind IN ('setup', 'invite')),
    token_hash  TEXT NOT NULL UNIQUE,
    created_by  INTEGER REFERENCES users(id),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER
);
CREATE INDEX invitations_lab ON invitations(lab_id);

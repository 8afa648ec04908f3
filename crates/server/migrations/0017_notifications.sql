-- Notifications (issue 25). The outbox: an event is written in the transaction that
-- makes the change it reports (a warning opening or turning critical, a recommendation),
-- so it cannot be lost or invented; the worker fans it out into deliveries and sends them.
CREATE TABLE notify_events (
    id             INTEGER PRIMARY KEY,
    lab_id         INTEGER NOT NULL REFERENCES labs(id),
    instrument_id  INTEGER REFERENCES instruments(id),
    kind           TEXT NOT NULL,
    -- opened, worse, escalated, reminder, due, test
    reason         TEXT NOT NULL,
    warning_id     INTEGER,
    replacement_id INTEGER,
    title          TEXT NOT NULL,
    detail         TEXT NOT NULL,
    -- Unique per event for ever: a receiver's idempotency key.
    event_key      TEXT NOT NULL UNIQUE,
    created_at     INTEGER NOT NULL,
    dispatched_at  INTEGER,
    -- Why nothing went out for it, if so: silenced, muted, folded (into "gone silent").
    outcome        TEXT
);
CREATE INDEX notify_events_pending ON notify_events(dispatched_at, created_at);
CREATE INDEX notify_events_lab ON notify_events(lab_id, created_at);

CREATE TABLE webhooks (
    id          INTEGER PRIMARY KEY,
    lab_id      INTEGER NOT NULL REFERENCES labs(id),
    name        TEXT NOT NULL,
    url         TEXT NOT NULL,
    secret      TEXT NOT NULL,
    enabled     INTEGER NOT NULL DEFAULT 1,
    created_by  INTEGER REFERENCES users(id),
    created_at  INTEGER NOT NULL,
    removed_at  INTEGER
);
CREATE INDEX webhooks_lab ON webhooks(lab_id);

-- One message to one person or webhook, about one or more events of one instrument.
CREATE TABLE notify_deliveries (
    id             INTEGER PRIMARY KEY,
    lab_id         INTEGER NOT NULL REFERENCES labs(id),
    channel        TEXT NOT NULL CHECK (channel IN ('email', 'webhook')),
    user_id        INTEGER REFERENCES users(id),
    webhook_id     INTEGER REFERENCES webhooks(id),
    target         TEXT NOT NULL,
    -- The events it carries: a JSON array of notify_events ids.
    events         TEXT NOT NULL,
    subject        TEXT NOT NULL,
    delivery_key   TEXT NOT NULL UNIQUE,
    status         TEXT NOT NULL CHECK (status IN ('pending', 'retrying', 'sent', 'failed')),
    attempts       INTEGER NOT NULL DEFAULT 0,
    next_at        INTEGER NOT NULL,
    -- A worker holds it until then; one that dies lets it go by itself.
    claimed_until  INTEGER,
    last_error     TEXT,
    created_at     INTEGER NOT NULL,
    sent_at        INTEGER
);
CREATE INDEX notify_deliveries_due ON notify_deliveries(status, next_at);
CREATE INDEX notify_deliveries_lab ON notify_deliveries(lab_id, created_at);

CREATE TABLE notify_prefs (
    user_id  INTEGER NOT NULL REFERENCES users(id),
    kind     TEXT NOT NULL,
    mode     TEXT NOT NULL CHECK (mode IN ('immediately', 'digest', 'never')),
    PRIMARY KEY (user_id, kind)
);

CREATE TABLE notify_people (
    user_id           INTEGER PRIMARY KEY REFERENCES users(id),
    quiet_from        INTEGER,
    quiet_to          INTEGER,
    quiet_escalations INTEGER NOT NULL DEFAULT 0,
    digest_sent_at    INTEGER
);

CREATE TABLE notify_labs (
    lab_id            INTEGER PRIMARY KEY REFERENCES labs(id),
    digest_minute     INTEGER NOT NULL,
    escalate_after_s  INTEGER NOT NULL,
    remind_every_s    INTEGER NOT NULL,
    -- The lab's local date of the last digest (YYYY-MM-DD).
    digest_day        TEXT
);

CREATE TABLE instrument_silences (
    instrument_id  INTEGER PRIMARY KEY REFERENCES instruments(id),
    until          INTEGER NOT NULL,
    reason         TEXT NOT NULL,
    user_id        INTEGER REFERENCES users(id),
    created_at     INTEGER NOT NULL
);

-- Keys the server signs with (unsubscribe links), made on first use.
CREATE TABLE server_keys (
    name   TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);

ALTER TABLE warnings ADD COLUMN escalated_at INTEGER;
ALTER TABLE warnings ADD COLUMN reminded_at INTEGER;
ALTER TABLE replacements ADD COLUMN due_notified_at INTEGER;

-- The unsubscribe links' signing key, made here so that no read ever writes.
INSERT INTO server_keys (name, value) VALUES ('unsubscribe', lower(hex(randomblob(32))));

-- Component replacements: recommended (by a prediction or a warning) → scheduled →
-- completed, or → cancelled. A component has at most one open (recommended or scheduled)
-- replacement, so two managers scheduling at once cannot make two appointments.
CREATE TABLE replacements (
    id              INTEGER PRIMARY KEY,
    instrument_id   INTEGER NOT NULL REFERENCES instruments(id),
    -- The degradation signal that identifies the component (domain SENSORS table).
    sensor          TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('recommended', 'scheduled', 'completed', 'cancelled')),
    source          TEXT NOT NULL CHECK (source IN ('prediction', 'warning')),
    reason          TEXT NOT NULL,
    warning_id      INTEGER REFERENCES warnings(id),
    predicted_at    INTEGER,
    replace_by      INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    -- The appointment: a local date and half-day slot, and its UTC window.
    scheduled_date  TEXT,
    slot            TEXT CHECK (slot IN ('am', 'pm')),
    slot_start      INTEGER,
    slot_end        INTEGER,
    scheduled_by    INTEGER REFERENCES users(id),
    cancel_reason   TEXT,
    completed_at    INTEGER,
    completed_by    INTEGER REFERENCES users(id),
    -- iCalendar SEQUENCE: bumped on every reschedule so subscribed calendars update.
    sequence        INTEGER NOT NULL DEFAULT 0,
    CHECK (status <> 'scheduled' OR slot_start IS NOT NULL)
);
CREATE UNIQUE INDEX replacements_one_open ON replacements(instrument_id, sensor)
    WHERE status IN ('recommended', 'scheduled');
CREATE INDEX replacements_by_instrument ON replacements(instrument_id, status);

-- Runs a lab plans, as whole local days per instrument: what a replacement slot must
-- not collide with.
CREATE TABLE planned_runs (
    id             INTEGER PRIMARY KEY,
    instrument_id  INTEGER NOT NULL REFERENCES instruments(id),
    starts_on      TEXT NOT NULL,
    ends_on        TEXT NOT NULL CHECK (ends_on >= starts_on),
    label          TEXT NOT NULL,
    created_by     INTEGER NOT NULL REFERENCES users(id),
    created_at     INTEGER NOT NULL
);
CREATE INDEX planned_runs_by_instrument ON planned_runs(instrument_id, starts_on);

-- Who did what, and when. Append-only: the triggers refuse any change or deletion, so
-- not even a bug in the server can rewrite history.
CREATE TABLE audit_log (
    id             INTEGER PRIMARY KEY,
    lab_id         INTEGER NOT NULL REFERENCES labs(id),
    at             INTEGER NOT NULL,
    -- NULL: seqhealth itself (a recommendation from a prediction or a warning).
    user_id        INTEGER REFERENCES users(id),
    action         TEXT NOT NULL,
    instrument_id  INTEGER REFERENCES instruments(id),
    replacement_id INTEGER REFERENCES replacements(id),
    warning_id     INTEGER REFERENCES warnings(id),
    detail         TEXT NOT NULL
);
CREATE INDEX audit_log_by_lab ON audit_log(lab_id, at);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

-- The lab's calendar feed: only a hash of its secret token is kept.
ALTER TABLE labs ADD COLUMN calendar_token_hash TEXT;
ALTER TABLE labs ADD COLUMN calendar_token_created_at INTEGER;
CREATE UNIQUE INDEX labs_calendar_token ON labs(calendar_token_hash);

-- Acknowledgements made before the audit log existed, so the history is whole.
INSERT INTO audit_log (lab_id, at, user_id, action, instrument_id, warning_id, detail)
SELECT i.lab_id, w.acknowledged_at, w.acknowledged_by, 'acknowledged', w.instrument_id, w.id,
       'Acknowledged warning: ' || w.message || ' — ' || w.acknowledge_reason
FROM warnings w JOIN instruments i ON i.id = w.instrument_id
WHERE w.acknowledged_at IS NOT NULL;

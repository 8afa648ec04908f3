-- Warnings raised by the health rules. A rule has at most one open (not resolved)
-- warning per instrument; resolved ones stay as history.
CREATE TABLE warnings (
    id               INTEGER PRIMARY KEY,
    instrument_id    INTEGER NOT NULL REFERENCES instruments(id),
    subsystem        TEXT NOT NULL,
    rule             TEXT NOT NULL,
    severity         TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    status           TEXT NOT NULL CHECK (status IN ('active', 'acknowledged', 'resolved')),
    raised_at        INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    value            REAL,
    message          TEXT NOT NULL,
    acknowledged_by  INTEGER REFERENCES users(id),
    acknowledged_at  INTEGER,
    acknowledge_reason TEXT,
    resolved_at      INTEGER
);
CREATE UNIQUE INDEX warnings_one_open ON warnings(instrument_id, rule) WHERE status <> 'resolved';
CREATE INDEX warnings_by_time ON warnings(raised_at);

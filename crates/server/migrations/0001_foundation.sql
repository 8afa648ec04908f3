-- Labs own instruments and users; every dashboard read is scoped by lab_id.
CREATE TABLE labs (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    time_zone   TEXT NOT NULL
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    lab_id        INTEGER NOT NULL REFERENCES labs(id),
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('manager', 'viewer')),
    password_hash TEXT NOT NULL
);

-- Only a hash of the session token is stored: a leaked database opens no session.
CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);

CREATE TABLE instruments (
    id                        INTEGER PRIMARY KEY,
    lab_id                    INTEGER NOT NULL REFERENCES labs(id),
    serial                    TEXT NOT NULL UNIQUE,
    model                     TEXT NOT NULL,
    nickname                  TEXT NOT NULL,
    site                      TEXT NOT NULL,
    token_hash                TEXT NOT NULL UNIQUE,
    data_sharing              INTEGER NOT NULL DEFAULT 1,
    control_software_version  TEXT,
    rta_version               TEXT,
    -- time of the data the versions above came from: an older resend must not roll them back
    configuration_at          INTEGER,
    last_report_at            INTEGER
);
CREATE INDEX instruments_lab ON instruments(lab_id);

CREATE TABLE runs (
    id                        INTEGER PRIMARY KEY,
    instrument_id             INTEGER NOT NULL REFERENCES instruments(id),
    run_id                    TEXT NOT NULL,
    started_at                INTEGER NOT NULL,
    completed_at              INTEGER,
    read_structure            TEXT NOT NULL,
    yield_gb                  REAL,
    pct_q30                   REAL,
    pct_pf                    REAL,
    cluster_density_k_mm2     REAL,
    error_rate                REAL,
    control_software_version  TEXT,
    rta_version               TEXT,
    flow_cell_id              TEXT,
    flow_cell_lot             TEXT,
    reagent_kit_lot           TEXT,
    chemistry                 TEXT,
    UNIQUE (instrument_id, run_id)
);
CREATE INDEX runs_instrument_started ON runs(instrument_id, started_at);

-- One row per accepted telemetry batch: the idempotency record.
CREATE TABLE telemetry_batches (
    instrument_id  INTEGER NOT NULL REFERENCES instruments(id),
    batch_id       TEXT NOT NULL,
    received_at    INTEGER NOT NULL,
    readings       INTEGER NOT NULL,
    events         INTEGER NOT NULL,
    PRIMARY KEY (instrument_id, batch_id)
);

CREATE TABLE sensor_readings (
    instrument_id  INTEGER NOT NULL REFERENCES instruments(id),
    sensor         TEXT NOT NULL,
    at             INTEGER NOT NULL,
    subsystem      TEXT NOT NULL,
    value          REAL NOT NULL,
    PRIMARY KEY (instrument_id, sensor, at)
) WITHOUT ROWID;

-- The newest reading of each sensor: what the health of a subsystem is judged on.
CREATE TABLE sensor_latest (
    instrument_id  INTEGER NOT NULL REFERENCES instruments(id),
    sensor         TEXT NOT NULL,
    subsystem      TEXT NOT NULL,
    at             INTEGER NOT NULL,
    value          REAL NOT NULL,
    PRIMARY KEY (instrument_id, sensor)
);

CREATE TABLE operation_events (
    instrument_id  INTEGER NOT NULL REFERENCES instruments(id),
    at             INTEGER NOT NULL,
    subsystem      TEXT NOT NULL,
    code           TEXT NOT NULL,
    severity       TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'error')),
    PRIMARY KEY (instrument_id, at, code)
);

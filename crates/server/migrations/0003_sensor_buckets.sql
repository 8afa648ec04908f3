-- Readings folded into hourly (3600) and daily (86400) buckets as they arrive: what the
-- dashboard's sensor charts read, so a chart costs the same whatever the raw volume.
CREATE TABLE sensor_buckets (
    instrument_id  INTEGER NOT NULL REFERENCES instruments(id),
    sensor         TEXT NOT NULL,
    width          INTEGER NOT NULL CHECK (width IN (3600, 86400)),
    start          INTEGER NOT NULL,
    n              INTEGER NOT NULL,
    sum            REAL NOT NULL,
    min            REAL NOT NULL,
    max            REAL NOT NULL,
    PRIMARY KEY (instrument_id, sensor, width, start)
) WITHOUT ROWID;

INSERT INTO sensor_buckets (instrument_id, sensor, width, start, n, sum, min, max)
SELECT instrument_id, sensor, w.width, at - (at % w.width), COUNT(*), SUM(value), MIN(value), MAX(value)
FROM sensor_readings, (SELECT 3600 AS width UNION ALL SELECT 86400) AS w
GROUP BY instrument_id, sensor, w.width, at - (at % w.width);

-- Data versions: a counter bumped by triggers in the same transaction as every change a
-- cached read depends on. A cached answer is kept with the version it was computed at and
-- served only while the version is unchanged (crates/server/src/cache.rs); the triggers
-- make it impossible for a write path to forget the bump.
--   labs.data_version: what the fleet page shows (instruments, their newest readings,
--     last runs, error events, warnings).
--   instruments.data_version: what the instrument's predictions are computed from (its
--     daily buckets and completed replacements), and anything the fleet bump covers.
ALTER TABLE labs ADD COLUMN data_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE instruments ADD COLUMN data_version INTEGER NOT NULL DEFAULT 0;

-- Fleet inputs: each bumps the instrument and its lab.
CREATE TRIGGER runs_version AFTER INSERT ON runs BEGIN
    UPDATE instruments SET data_version = data_version + 1 WHERE id = NEW.instrument_id;
    UPDATE labs SET data_version = data_version + 1
        WHERE id = (SELECT lab_id FROM instruments WHERE id = NEW.instrument_id);
END;
CREATE TRIGGER runs_version_update AFTER UPDATE ON runs BEGIN
    UPDATE instruments SET data_version = data_version + 1 WHERE id = NEW.instrument_id;
    UPDATE labs SET data_version = data_version + 1
        WHERE id = (SELECT lab_id FROM instruments WHERE id = NEW.instrument_id);
END;
CREATE TRIGGER sensor_latest_version AFTER INSERT ON sensor_latest BEGIN
    UPDATE instruments SET data_version = data_version + 1 WHERE id = NEW.instrument_id;
    UPDATE labs SET data_version = data_version + 1
        WHERE id = (SELECT lab_id FROM instruments WHERE id = NEW.instrument_id);
END;
CREATE TRIGGER sensor_latest_version_update AFTER UPDATE ON sensor_latest BEGIN
    UPDATE instruments SET data_version = data_version + 1 WHERE id = NEW.instrument_id;
    UPDATE labs SET data_version = data_version + 1
        WHERE id = (SELECT lab_id FROM instruments WHERE id = NEW.instrument_id);
END;
CREATE TRIGGER operation_events_version AFTER INSERT ON operation_events
WHEN NEW.severity = 'error' BEGIN
    UPDATE instruments SET data_version = data_version + 1 WHERE id = NEW.instrument_id;
    UPDATE labs SET data_version = data_version + 1
        WHERE id = (SELECT lab_id FROM instruments WHERE id = NEW.instrument_id);
END;
CREATE TRIGGER warnings_version AFTER INSERT ON warnings BEGIN
    UPDATE instruments SET data_version = data_version + 1 WHERE id = NEW.instrument_id;
    UPDATE labs SET data_version = data_version + 1
        WHERE id = (SELECT lab_id FROM instruments WHERE id = NEW.instrument_id);
END;
CREATE TRIGGER warnings_version_update AFTER UPDATE ON warnings BEGIN
    UPDATE instruments SET data_version = data_version + 1 WHERE id = NEW.instrument_id;
    UPDATE labs SET data_version = data_version + 1
        WHERE id = (SELECT lab_id FROM instruments WHERE id = NEW.instrument_id);
END;

-- The instrument's own row: every column the fleet shows (not last contact, not the
-- version itself).
CREATE TRIGGER instruments_version_insert AFTER INSERT ON instruments BEGIN
    UPDATE labs SET data_version = data_version + 1 WHERE id = NEW.lab_id;
END;
CREATE TRIGGER instruments_version_update
AFTER UPDATE OF lab_id, serial, model, nickname, site, last_report_at, token_hash ON instruments
BEGIN
    UPDATE labs SET data_version = data_version + 1 WHERE id IN (OLD.lab_id, NEW.lab_id);
END;
CREATE TRIGGER instruments_version_delete AFTER DELETE ON instruments BEGIN
    UPDATE labs SET data_version = data_version + 1 WHERE id = OLD.lab_id;
END;

-- Prediction inputs: daily buckets and replacements bump the instrument only.
CREATE TRIGGER sensor_buckets_version AFTER INSERT ON sensor_buckets
WHEN NEW.width = 86400 BEGIN
    UPDATE instruments SET data_version = data_version + 1 WHERE id = NEW.instrument_id;
END;
CREATE TRIGGER sensor_buckets_version_update AFTER UPDATE ON sensor_buckets
WHEN NEW.width = 86400 BEGIN
    UPDATE instruments SET data_version = data_version + 1 WHERE id = NEW.instrument_id;
END;
CREATE TRIGGER replacements_version AFTER INSERT ON replacements BEGIN
    UPDATE instruments SET data_version = data_version + 1 WHERE id = NEW.instrument_id;
END;
CREATE TRIGGER replacements_version_update AFTER UPDATE ON replacements BEGIN
    UPDATE instruments SET data_version = data_version + 1 WHERE id = NEW.instrument_id;
END;

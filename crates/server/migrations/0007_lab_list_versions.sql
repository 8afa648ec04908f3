-- The lab's warnings and replacements lists are kept at the lab's data version too
-- (crates/server/src/cache.rs): their other inputs bump it as well.
CREATE TRIGGER replacements_lab_version AFTER INSERT ON replacements BEGIN
    UPDATE labs SET data_version = data_version + 1
        WHERE id = (SELECT lab_id FROM instruments WHERE id = NEW.instrument_id);
END;
CREATE TRIGGER replacements_lab_version_update AFTER UPDATE ON replacements BEGIN
    UPDATE labs SET data_version = data_version + 1
        WHERE id = (SELECT lab_id FROM instruments WHERE id = NEW.instrument_id);
END;
-- Names of who acknowledged, scheduled or completed.
CREATE TRIGGER users_lab_version AFTER UPDATE OF name, lab_id ON users BEGIN
    UPDATE labs SET data_version = data_version + 1 WHERE id IN (OLD.lab_id, NEW.lab_id);
END;

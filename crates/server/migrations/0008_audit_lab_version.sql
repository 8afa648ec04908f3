-- The lab's audit log is kept at the lab's data version too (crates/server/src/cache.rs):
-- a new entry bumps it. Entries are never changed or deleted (0004's triggers), and the
-- names they show (users, instruments) bump it already.
CREATE TRIGGER audit_log_lab_version AFTER INSERT ON audit_log BEGIN
    UPDATE labs SET data_version = data_version + 1 WHERE id = NEW.lab_id;
END;

-- The lab's audit log is kept at the lab's data version too (../migrations/0008).
CREATE FUNCTION bump_lab() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE labs SET data_version = data_version + 1 WHERE id = NEW.lab_id;
    RETURN NULL;
END $$;
CREATE TRIGGER audit_log_lab_version AFTER INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION bump_lab();

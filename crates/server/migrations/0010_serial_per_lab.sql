-- A serial is unique within a lab, not across labs: a lab must not learn (from a 409)
-- that another lab owns a serial, nor squat one so its owner cannot add its instrument.
-- An instrument that moves labs is added again by its new lab (a new enrollment code);
-- the old lab keeps its history and revokes its token.
--
-- SQLite cannot drop a column's UNIQUE, so the table is rebuilt, ids kept. The migration
-- runs in a transaction, where foreign keys cannot be switched off, so they are deferred:
-- dropping the table leaves its children's links dangling for a moment (no link has an
-- ON DELETE action, so no child row goes), and putting every id back under the same name
-- mends each one before the commit checks them.
PRAGMA defer_foreign_keys = ON;
CREATE TABLE instruments_before_0010 AS SELECT * FROM instruments;
DROP TABLE instruments;
CREATE TABLE instruments (
    id                        INTEGER PRIMARY KEY,
    lab_id                    INTEGER NOT NULL REFERENCES labs(id),
    serial                    TEXT NOT NULL,
    model                     TEXT NOT NULL,
    nickname                  TEXT NOT NULL,
    site                      TEXT NOT NULL,
    token_hash                TEXT NOT NULL UNIQUE,
    data_sharing              INTEGER NOT NULL DEFAULT 1,
    control_software_version  TEXT,
    rta_version               TEXT,
    configuration_at          INTEGER,
    last_report_at            INTEGER,
    enrolled_at               INTEGER,
    token_revoked_at          INTEGER,
    revoked_token_hash        TEXT,
    last_contact_at           INTEGER,
    data_sharing_since        INTEGER,
    data_version              INTEGER NOT NULL DEFAULT 0,
    UNIQUE (lab_id, serial)
);
INSERT INTO instruments (
    id, lab_id, serial, model, nickname, site, token_hash, data_sharing,
    control_software_version, rta_version, configuration_at, last_report_at, enrolled_at,
    token_revoked_at, revoked_token_hash, last_contact_at, data_sharing_since, data_version)
SELECT
    id, lab_id, serial, model, nickname, site, token_hash, data_sharing,
    control_software_version, rta_version, configuration_at, last_report_at, enrolled_at,
    token_revoked_at, revoked_token_hash, last_contact_at, data_sharing_since, data_version
FROM instruments_before_0010;
DROP TABLE instruments_before_0010;
CREATE INDEX instruments_lab ON instruments(lab_id);
CREATE INDEX instruments_revoked_token ON instruments(revoked_token_hash);
-- The instrument's own triggers went with the old table (../0006_data_versions.sql).
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

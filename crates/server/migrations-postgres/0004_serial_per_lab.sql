-- A serial is unique within a lab, not across labs (../migrations/0010).
ALTER TABLE instruments DROP CONSTRAINT instruments_serial_key;
ALTER TABLE instruments ADD CONSTRAINT instruments_lab_serial UNIQUE (lab_id, serial);

-- The flow cell's type, per run (../migrations/0009).
ALTER TABLE runs ADD COLUMN flow_cell_type TEXT;

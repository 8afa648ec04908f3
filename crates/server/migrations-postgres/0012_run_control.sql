-- A run's %≥Q30 against its kind's control limits, judged on arrival (../migrations/0018).
ALTER TABLE runs ADD COLUMN q30_control TEXT;
ALTER TABLE runs ADD COLUMN q30_rule TEXT;
ALTER TABLE runs ADD COLUMN q30_side TEXT;

-- A run's %≥Q30 against the control limits of its kind, judged when it arrives, so that
-- the fleet colours each last run without re-reading every instrument's history
-- (issue 22). NULL: not judged (too few runs of its kind, or stored before this).
-- q30_control: 'in_control' or the worst rule's severity ('info', 'warning', 'critical');
-- q30_rule and q30_side: that rule and its side of the mean.
ALTER TABLE runs ADD COLUMN q30_control TEXT;
ALTER TABLE runs ADD COLUMN q30_rule TEXT;
ALTER TABLE runs ADD COLUMN q30_side TEXT;

-- The flow cell's type ("S4", "SP", "P2", ...) from RunParameters.xml: %≥Q30 differs by
-- flow cell, so a run's control limits come from runs of the same type. NULL for runs
-- from agents that did not send it; they are compared with each other.
ALTER TABLE runs ADD COLUMN flow_cell_type TEXT;

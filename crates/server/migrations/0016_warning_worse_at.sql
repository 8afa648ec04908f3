-- When an open warning last got worse (warning → critical): an acknowledgement or a
-- booking made before then no longer quiets it (issue 22: a muted warning that gets
-- worse alerts again).
ALTER TABLE warnings ADD COLUMN worse_at INTEGER;

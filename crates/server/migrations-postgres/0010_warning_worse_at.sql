-- When an open warning last got worse (../migrations/0016).
ALTER TABLE warnings ADD COLUMN worse_at BIGINT;

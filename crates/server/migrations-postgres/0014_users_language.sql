-- The dashboard's language each person chose ('en', 'it', 'es'); NULL: not chosen yet,
-- the browser's language is used.
ALTER TABLE users ADD COLUMN language TEXT;

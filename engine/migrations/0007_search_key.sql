-- People are found by any profile value regardless of case and accents: each
-- user keeps a search key (name, login, email and every profile value, with
-- accents dropped and case folded, written by the engine). Users stored
-- before this migration get theirs when the store opens.

ALTER TABLE users ADD COLUMN search_key TEXT;

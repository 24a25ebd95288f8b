-- Events of one kind written together (the per-person events of an import
-- batch or a confirmation: the same type, actor, message, outcome,
-- transaction and the targets after their own) are one row: what they share
-- in its columns, and in `members` the first target of each, in order. The
-- System Log reads such a row as one event per member; a row without
-- members is one event.
ALTER TABLE events ADD COLUMN members TEXT;

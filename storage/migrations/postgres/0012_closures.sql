-- Closure days: the same table as sqlite/0012_closures.sql (withdrawn, never deleted).
CREATE TABLE closures (
    id           BIGINT PRIMARY KEY,
    first_day    TEXT COLLATE "C" NOT NULL,
    last_day     TEXT COLLATE "C" NOT NULL,
    reason       TEXT NOT NULL,
    us_state     TEXT COLLATE "C" NOT NULL DEFAULT '',
    declared_by  TEXT COLLATE "C" NOT NULL,
    declared_at  TEXT COLLATE "C" NOT NULL,
    withdrawn_by TEXT COLLATE "C",
    withdrawn_at TEXT COLLATE "C"
);
CREATE INDEX closures_active ON closures (us_state) WHERE withdrawn_at IS NULL;
CREATE FUNCTION closures_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'closures are withdrawn, never deleted'; END $$;
CREATE TRIGGER closures_no_delete BEFORE DELETE ON closures
    FOR EACH ROW EXECUTE FUNCTION closures_kept();

-- The same indexes, counts and triggers as sqlite/0014_page_indexes_and_counts.sql.
-- The counts' rows are only written while a change holds the chain's head
-- (storage/chain.lock), so two writers never take them in opposite orders.

DROP INDEX jurisdictions_name_key;
CREATE INDEX jurisdictions_list ON jurisdictions
    (name_key, id, state, kind, us_state, owner, due_on);
CREATE INDEX jurisdictions_list_state ON jurisdictions (state, name_key, id);
CREATE INDEX jurisdictions_list_kind ON jurisdictions (kind, name_key, id);
CREATE INDEX jurisdictions_list_us_state ON jurisdictions (us_state, name_key, id);
CREATE INDEX jurisdictions_list_owner ON jurisdictions (owner, name_key, id);
CREATE INDEX jurisdictions_by_due ON jurisdictions (due_on, name_key, id)
    WHERE due_on IS NOT NULL;
CREATE INDEX jurisdictions_due_by_state ON jurisdictions (us_state, due_on)
    WHERE due_on IS NOT NULL;
CREATE INDEX events_of_kind ON events (jurisdiction_id, kind, seq);

CREATE TABLE jurisdiction_counts (
    facet TEXT COLLATE "C" NOT NULL,
    value TEXT COLLATE "C" NOT NULL,
    n     BIGINT NOT NULL,
    PRIMARY KEY (facet, value)
);
INSERT INTO jurisdiction_counts (facet, value, n)
    SELECT 'all', '', count(*) FROM jurisdictions;
INSERT INTO jurisdiction_counts (facet, value, n)
    SELECT 'state', state, count(*) FROM jurisdictions GROUP BY state;
INSERT INTO jurisdiction_counts (facet, value, n)
    SELECT 'kind', kind, count(*) FROM jurisdictions GROUP BY kind;
INSERT INTO jurisdiction_counts (facet, value, n)
    SELECT 'us_state', us_state, count(*) FROM jurisdictions GROUP BY us_state;
INSERT INTO jurisdiction_counts (facet, value, n)
    SELECT 'owner', owner, count(*) FROM jurisdictions WHERE owner IS NOT NULL GROUP BY owner;
INSERT INTO jurisdiction_counts (facet, value, n)
    SELECT 'due_us_state', us_state, count(*) FROM jurisdictions WHERE due_on IS NOT NULL
    GROUP BY us_state;

CREATE FUNCTION jurisdiction_count(f TEXT, v TEXT, d INTEGER) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO jurisdiction_counts (facet, value, n) VALUES (f, v, d)
    ON CONFLICT (facet, value) DO UPDATE SET n = jurisdiction_counts.n + d
$$;

CREATE FUNCTION jurisdiction_counts_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM jurisdiction_count('all', '', 1);
    END IF;
    IF TG_OP = 'INSERT' OR OLD.state IS DISTINCT FROM NEW.state THEN
        IF TG_OP = 'UPDATE' THEN PERFORM jurisdiction_count('state', OLD.state, -1); END IF;
        PERFORM jurisdiction_count('state', NEW.state, 1);
    END IF;
    IF TG_OP = 'INSERT' OR OLD.kind IS DISTINCT FROM NEW.kind THEN
        IF TG_OP = 'UPDATE' THEN PERFORM jurisdiction_count('kind', OLD.kind, -1); END IF;
        PERFORM jurisdiction_count('kind', NEW.kind, 1);
    END IF;
    IF TG_OP = 'INSERT' OR OLD.us_state IS DISTINCT FROM NEW.us_state THEN
        IF TG_OP = 'UPDATE' THEN
            PERFORM jurisdiction_count('us_state', OLD.us_state, -1);
        END IF;
        PERFORM jurisdiction_count('us_state', NEW.us_state, 1);
    END IF;
    IF TG_OP = 'INSERT' OR OLD.owner IS DISTINCT FROM NEW.owner THEN
        IF TG_OP = 'UPDATE' AND OLD.owner IS NOT NULL THEN
            PERFORM jurisdiction_count('owner', OLD.owner, -1);
        END IF;
        IF NEW.owner IS NOT NULL THEN PERFORM jurisdiction_count('owner', NEW.owner, 1); END IF;
    END IF;
    IF TG_OP = 'INSERT' OR (OLD.due_on IS NULL) <> (NEW.due_on IS NULL)
            OR OLD.us_state IS DISTINCT FROM NEW.us_state THEN
        IF TG_OP = 'UPDATE' AND OLD.due_on IS NOT NULL THEN
            PERFORM jurisdiction_count('due_us_state', OLD.us_state, -1);
        END IF;
        IF NEW.due_on IS NOT NULL THEN
            PERFORM jurisdiction_count('due_us_state', NEW.us_state, 1);
        END IF;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER jurisdiction_counts_insert AFTER INSERT ON jurisdictions
    FOR EACH ROW EXECUTE FUNCTION jurisdiction_counts_change();
CREATE TRIGGER jurisdiction_counts_update AFTER UPDATE OF state, kind, us_state, owner, due_on
    ON jurisdictions FOR EACH ROW EXECUTE FUNCTION jurisdiction_counts_change();

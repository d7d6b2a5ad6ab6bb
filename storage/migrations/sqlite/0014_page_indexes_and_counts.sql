-- Pages that cost the same on page 1 and page 5,000 (issue 14).
--
-- Each list is read in its order from an index that holds the filters' columns, so a
-- page, wherever it is, walks the index and never sorts: the whole listing by
-- (name_key, id) with every filter column beside it (a skip to page N reads the index
-- only), one index per equality filter, and the deadlines by due date. A
-- jurisdiction's events of one kind (its evidence, its mutes) are read through
-- events_kind (migration 0015), which the state export needs too.
--
-- ``jurisdiction_counts`` keeps how many jurisdictions there are in all ('all', '')
-- and per state, kind, US state, owner, and with a running deadline per US state
-- ('due_us_state'), kept true by triggers on every insert and update of those columns
-- (jurisdictions are never deleted), so "page 3 of 412" costs one row read.

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

CREATE TABLE jurisdiction_counts (
    facet TEXT NOT NULL,
    value TEXT NOT NULL,
    n     INTEGER NOT NULL,
    PRIMARY KEY (facet, value)
) WITHOUT ROWID;
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

CREATE TRIGGER jurisdiction_counts_insert AFTER INSERT ON jurisdictions BEGIN
    INSERT INTO jurisdiction_counts (facet, value, n) VALUES
        ('all', '', 1), ('state', NEW.state, 1), ('kind', NEW.kind, 1),
        ('us_state', NEW.us_state, 1)
        ON CONFLICT (facet, value) DO UPDATE SET n = n + 1;
    INSERT INTO jurisdiction_counts (facet, value, n)
        SELECT 'owner', NEW.owner, 1 WHERE NEW.owner IS NOT NULL
        UNION ALL SELECT 'due_us_state', NEW.us_state, 1 WHERE NEW.due_on IS NOT NULL
        ON CONFLICT (facet, value) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER jurisdiction_counts_state AFTER UPDATE OF state ON jurisdictions
WHEN OLD.state IS NOT NEW.state BEGIN
    UPDATE jurisdiction_counts SET n = n - 1 WHERE facet = 'state' AND value = OLD.state;
    INSERT INTO jurisdiction_counts (facet, value, n) VALUES ('state', NEW.state, 1)
        ON CONFLICT (facet, value) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER jurisdiction_counts_kind AFTER UPDATE OF kind ON jurisdictions
WHEN OLD.kind IS NOT NEW.kind BEGIN
    UPDATE jurisdiction_counts SET n = n - 1 WHERE facet = 'kind' AND value = OLD.kind;
    INSERT INTO jurisdiction_counts (facet, value, n) VALUES ('kind', NEW.kind, 1)
        ON CONFLICT (facet, value) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER jurisdiction_counts_us_state AFTER UPDATE OF us_state ON jurisdictions
WHEN OLD.us_state IS NOT NEW.us_state BEGIN
    UPDATE jurisdiction_counts SET n = n - 1 WHERE facet = 'us_state' AND value = OLD.us_state;
    INSERT INTO jurisdiction_counts (facet, value, n) VALUES ('us_state', NEW.us_state, 1)
        ON CONFLICT (facet, value) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER jurisdiction_counts_owner AFTER UPDATE OF owner ON jurisdictions
WHEN OLD.owner IS NOT NEW.owner BEGIN
    UPDATE jurisdiction_counts SET n = n - 1 WHERE facet = 'owner' AND value = OLD.owner;
    INSERT INTO jurisdiction_counts (facet, value, n)
        SELECT 'owner', NEW.owner, 1 WHERE NEW.owner IS NOT NULL
        ON CONFLICT (facet, value) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER jurisdiction_counts_due AFTER UPDATE OF due_on, us_state ON jurisdictions
WHEN (OLD.due_on IS NULL) IS NOT (NEW.due_on IS NULL) OR OLD.us_state IS NOT NEW.us_state
BEGIN
    UPDATE jurisdiction_counts SET n = n - 1
        WHERE facet = 'due_us_state' AND value = OLD.us_state AND OLD.due_on IS NOT NULL;
    INSERT INTO jurisdiction_counts (facet, value, n)
        SELECT 'due_us_state', NEW.us_state, 1 WHERE NEW.due_on IS NOT NULL
        ON CONFLICT (facet, value) DO UPDATE SET n = n + 1;
END;

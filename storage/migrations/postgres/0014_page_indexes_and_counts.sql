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

-- Statement triggers over transition tables: one upsert per count a statement changes,
-- however many rows it writes (a row trigger would update the row of 'all' once per
-- jurisdiction of an import, each a new version of the row in that transaction).
CREATE FUNCTION jurisdiction_counts_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO jurisdiction_counts (facet, value, n)
    SELECT facet, value, sum(d) FROM (
        SELECT 'all' AS facet, '' AS value, 1 AS d FROM added
        UNION ALL SELECT 'state', state, 1 FROM added
        UNION ALL SELECT 'kind', kind, 1 FROM added
        UNION ALL SELECT 'us_state', us_state, 1 FROM added
        UNION ALL SELECT 'owner', owner, 1 FROM added WHERE owner IS NOT NULL
        UNION ALL SELECT 'due_us_state', us_state, 1 FROM added WHERE due_on IS NOT NULL
    ) AS changes GROUP BY facet, value
    ON CONFLICT (facet, value) DO UPDATE SET n = jurisdiction_counts.n + excluded.n;
    RETURN NULL;
END $$;

CREATE FUNCTION jurisdiction_counts_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO jurisdiction_counts (facet, value, n)
    SELECT facet, value, sum(d) FROM (
        SELECT 'state' AS facet, o.state AS value, -1 AS d FROM was o JOIN now n USING (id)
            WHERE o.state IS DISTINCT FROM n.state
        UNION ALL SELECT 'state', n.state, 1 FROM was o JOIN now n USING (id)
            WHERE o.state IS DISTINCT FROM n.state
        UNION ALL SELECT 'kind', o.kind, -1 FROM was o JOIN now n USING (id)
            WHERE o.kind IS DISTINCT FROM n.kind
        UNION ALL SELECT 'kind', n.kind, 1 FROM was o JOIN now n USING (id)
            WHERE o.kind IS DISTINCT FROM n.kind
        UNION ALL SELECT 'us_state', o.us_state, -1 FROM was o JOIN now n USING (id)
            WHERE o.us_state IS DISTINCT FROM n.us_state
        UNION ALL SELECT 'us_state', n.us_state, 1 FROM was o JOIN now n USING (id)
            WHERE o.us_state IS DISTINCT FROM n.us_state
        UNION ALL SELECT 'owner', o.owner, -1 FROM was o JOIN now n USING (id)
            WHERE o.owner IS DISTINCT FROM n.owner AND o.owner IS NOT NULL
        UNION ALL SELECT 'owner', n.owner, 1 FROM was o JOIN now n USING (id)
            WHERE o.owner IS DISTINCT FROM n.owner AND n.owner IS NOT NULL
        UNION ALL SELECT 'due_us_state', o.us_state, -1 FROM was o JOIN now n USING (id)
            WHERE o.due_on IS NOT NULL
        UNION ALL SELECT 'due_us_state', n.us_state, 1 FROM was o JOIN now n USING (id)
            WHERE n.due_on IS NOT NULL
    ) AS changes GROUP BY facet, value HAVING sum(d) <> 0
    ON CONFLICT (facet, value) DO UPDATE SET n = jurisdiction_counts.n + excluded.n;
    RETURN NULL;
END $$;
CREATE TRIGGER jurisdiction_counts_insert AFTER INSERT ON jurisdictions
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION jurisdiction_counts_added();
CREATE TRIGGER jurisdiction_counts_update AFTER UPDATE ON jurisdictions
    REFERENCING OLD TABLE AS was NEW TABLE AS now
    FOR EACH STATEMENT EXECUTE FUNCTION jurisdiction_counts_changed();

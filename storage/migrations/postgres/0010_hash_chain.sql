-- The same columns and tables as sqlite/0010_hash_chain.sql; the history already here
-- is hashed by storage.chain.backfill after this file, before 0011.
ALTER TABLE events ADD COLUMN digest TEXT COLLATE "C";
ALTER TABLE events ADD COLUMN link TEXT COLLATE "C";
CREATE TABLE chain_blocks (
    number    BIGINT PRIMARY KEY,
    first_id  BIGINT NOT NULL,
    last_id   BIGINT NOT NULL,
    events    BIGINT NOT NULL,
    total     BIGINT NOT NULL,
    digest    TEXT COLLATE "C" NOT NULL,
    head      TEXT COLLATE "C" NOT NULL,
    sealed_at TEXT COLLATE "C" NOT NULL
);
CREATE TABLE chain_head (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    number  BIGINT NOT NULL,
    total   BIGINT NOT NULL,
    last_id BIGINT NOT NULL,
    head    TEXT COLLATE "C" NOT NULL
);
INSERT INTO chain_head (id, number, total, last_id, head)
VALUES (1, 0, 0, 0, '0000000000000000000000000000000000000000000000000000000000000000');
ALTER TABLE events DISABLE TRIGGER events_no_update;

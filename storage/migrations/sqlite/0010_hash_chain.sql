-- The record proves itself (workflows/chain.py, storage/chain.py): every event keeps the
-- SHA-256 of its canonical form (digest) and its link in its jurisdiction's chain, and
-- every transaction that writes events seals them as one block of the review-wide
-- chain, whose end chain_head keeps. The history already here is hashed and sealed as
-- block 1 by the migration itself (storage.chain.backfill, run after this file, before
-- 0011 makes events append-only again).
ALTER TABLE events ADD COLUMN digest TEXT;
ALTER TABLE events ADD COLUMN link TEXT;
CREATE TABLE chain_blocks (
    number    INTEGER PRIMARY KEY,
    first_id  INTEGER NOT NULL,
    last_id   INTEGER NOT NULL,
    events    INTEGER NOT NULL,
    total     INTEGER NOT NULL,
    digest    TEXT NOT NULL,
    head      TEXT NOT NULL,
    sealed_at TEXT NOT NULL
);
CREATE TABLE chain_head (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    number  INTEGER NOT NULL,
    total   INTEGER NOT NULL,
    last_id INTEGER NOT NULL,
    head    TEXT NOT NULL
);
INSERT INTO chain_head (id, number, total, last_id, head)
VALUES (1, 0, 0, 0, '0000000000000000000000000000000000000000000000000000000000000000');
DROP TRIGGER events_no_update;

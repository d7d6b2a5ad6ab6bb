-- The same tables as sqlite/0012_calendar_feeds.sql.

CREATE TABLE calendar_feeds (
    token_hash TEXT COLLATE "C" PRIMARY KEY,
    created_by TEXT COLLATE "C" NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    revoked_by TEXT COLLATE "C",
    revoked_at TEXT COLLATE "C"
);
CREATE INDEX calendar_feeds_live ON calendar_feeds (revoked_at);

CREATE TABLE review_identity (
    id TEXT COLLATE "C" PRIMARY KEY
);
INSERT INTO review_identity (id) VALUES (md5(random()::text || clock_timestamp()::text));

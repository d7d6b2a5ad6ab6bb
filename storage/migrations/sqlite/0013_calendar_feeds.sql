-- The calendar feed: the SHA-256 of each token made (never the token itself), who
-- made and who revoked it; and this review's own id, made once, which the calendar's
-- event UIDs end in (so they stay the same across exports, and differ between two
-- reviews).

CREATE TABLE calendar_feeds (
    token_hash TEXT PRIMARY KEY,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_by TEXT,
    revoked_at TEXT
);
CREATE INDEX calendar_feeds_live ON calendar_feeds (revoked_at);

CREATE TABLE review_identity (
    id TEXT PRIMARY KEY
);
INSERT INTO review_identity (id) VALUES (lower(hex(randomblob(16))));

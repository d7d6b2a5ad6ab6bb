-- What the bot was already sent, so that a copy of a signed request (or of an event) is
-- refused after a restart and by another replica: kept a few minutes past Slack's own
-- window, then pruned. seen_at is Unix seconds.

CREATE TABLE seen_requests (
    signature TEXT PRIMARY KEY,              -- X-Slack-Signature of a command, click or form
    seen_at   REAL NOT NULL
) WITHOUT ROWID;
CREATE INDEX seen_requests_seen_at ON seen_requests (seen_at);

CREATE TABLE seen_events (
    event_id TEXT PRIMARY KEY,               -- Slack's event_id, the same on its retries
    seen_at  REAL NOT NULL
) WITHOUT ROWID;
CREATE INDEX seen_events_seen_at ON seen_events (seen_at);

-- Announcements Slack will not take wait in the outbox and are tried again, later each
-- time; each message carries its outbox id, so a relay that takes over notices another
-- one may have posted looks for them in the channel first.

ALTER TABLE outbox ADD COLUMN retry_at TEXT;     -- UTC; this notice is not tried before
ALTER TABLE outbox ADD COLUMN message_ts TEXT;   -- Slack's ts of the message, once posted
ALTER TABLE outbox ADD COLUMN after_ts TEXT;     -- Slack's ts of the channel's newest
                                                 -- recorded message when first claimed
                                                 -- ('' when there was none)
ALTER TABLE outbox ADD COLUMN recheck INTEGER NOT NULL DEFAULT 0;  -- 1: it may be posted
                                                 -- already (a claim lapsed, an answer was lost)
CREATE INDEX outbox_channel_ts ON outbox (channel, message_ts);

CREATE TABLE channel_waits (                     -- channels whose notices wait until retry_at
    channel    TEXT PRIMARY KEY,
    failures   INTEGER NOT NULL,                 -- in a row: the delay doubles with each
    retry_at   TEXT NOT NULL,                    -- UTC
    last_error TEXT NOT NULL
);

CREATE TABLE delivery_warnings (                 -- who was told that a channel refuses
    channel   TEXT NOT NULL,                     -- their announcements (once each, until
    user_id   TEXT NOT NULL,                     -- the channel takes one again)
    warned_at TEXT NOT NULL,
    PRIMARY KEY (channel, user_id)
);

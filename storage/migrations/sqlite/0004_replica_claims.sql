-- Leases, so that several bot replicas sharing one database neither post a notice twice
-- nor send a channel's summary twice: a replica takes a row until claimed_until (UTC).

ALTER TABLE outbox ADD COLUMN claim_id TEXT;
ALTER TABLE outbox ADD COLUMN claimed_until TEXT;
ALTER TABLE subscriptions ADD COLUMN sending_until TEXT;

-- Leases for replicas: the same columns as sqlite/0004_replica_claims.sql.

ALTER TABLE outbox ADD COLUMN claim_id TEXT COLLATE "C";
ALTER TABLE outbox ADD COLUMN claimed_until TEXT COLLATE "C";
ALTER TABLE subscriptions ADD COLUMN sending_until TEXT COLLATE "C";

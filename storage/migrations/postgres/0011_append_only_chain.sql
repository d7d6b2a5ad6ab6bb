-- Events are append-only again once 0010's migration has hashed them; so are the
-- blocks of the chain.
ALTER TABLE events ENABLE TRIGGER events_no_update;
CREATE FUNCTION chain_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the chain is append-only'; END $$;
CREATE TRIGGER chain_blocks_no_update BEFORE UPDATE ON chain_blocks
    FOR EACH ROW EXECUTE FUNCTION chain_append_only();
CREATE TRIGGER chain_blocks_no_delete BEFORE DELETE ON chain_blocks
    FOR EACH ROW EXECUTE FUNCTION chain_append_only();

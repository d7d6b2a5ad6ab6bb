-- Events are append-only again once 0010's migration has hashed them; so are the
-- blocks of the chain.
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER chain_blocks_no_update BEFORE UPDATE ON chain_blocks
BEGIN SELECT RAISE(ABORT, 'the chain is append-only'); END;
CREATE TRIGGER chain_blocks_no_delete BEFORE DELETE ON chain_blocks
BEGIN SELECT RAISE(ABORT, 'the chain is append-only'); END;

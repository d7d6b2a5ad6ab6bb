-- What a reminder's message says of its jurisdiction (where it goes, its name, owner,
-- state and US state, and the name it is sorted by), by id, in one index (issue 14):
-- a claim of 2,000 reminders at 100,000 jurisdictions looks 2,000 jurisdictions up, and
-- each look-up in this index alone (an index-only scan) reads one page where the
-- primary key and the row read two (~800 fewer pages read, cold). It costs each change
-- of a jurisdiction one more index entry.
CREATE INDEX jurisdictions_card ON jurisdictions (id)
    INCLUDE (channel, name, owner, state, us_state, name_key);

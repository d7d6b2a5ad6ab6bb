"""The SQL of ``storage.writes``: each statement as run once a row (``executemany``),
and, for SQLite's staged writes, as run once for all the rows of a staged table
(``WHOLE``, with ``STALE`` and ``COUNTED`` beside it)."""

from __future__ import annotations

import re

from storage.planned import INSERT_REMINDERS  # row by row, ``storage.planned``

VALUES = re.compile(r"VALUES (\([?, ]+\))")
"""The row of parameters of an ``INSERT … VALUES (?, …)``."""

INSERT_JURISDICTIONS = (
    "INSERT INTO jurisdictions (id, name, name_key, kind, us_state, state, owner, channel,"
    " held_from, held_by, last_step_on, due_on, updated_at, version)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
UPDATE_JURISDICTIONS = (
    "UPDATE jurisdictions SET name = ?, name_key = ?, kind = ?, us_state = ?, state = ?,"
    " owner = ?, channel = ?, held_from = ?, held_by = ?, last_step_on = ?, due_on = ?,"
    " updated_at = ?, version = ? WHERE id = ? AND version = ?")
DELETE_ALIASES = "DELETE FROM aliases WHERE jurisdiction_id = ?"
INSERT_ALIASES = "INSERT INTO aliases (alias, jurisdiction_id) VALUES (?, ?)"
UPSERT_ROUNDS = (
    "INSERT INTO rounds (jurisdiction_id, number, kind, sent_on, due_on, due_rule,"
    " business_days, outcome, closed_on, paused_on, days_left)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (jurisdiction_id, number)"
    " DO UPDATE SET kind = excluded.kind, sent_on = excluded.sent_on,"
    " due_on = excluded.due_on, due_rule = excluded.due_rule,"
    " business_days = excluded.business_days, outcome = excluded.outcome,"
    " closed_on = excluded.closed_on, paused_on = excluded.paused_on,"
    " days_left = excluded.days_left")
UPSERT_ORDERS = (
    "INSERT INTO court_orders (jurisdiction_id, id, kind, on_date, case_number,"
    " court, scope, blocks, lifted_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (jurisdiction_id, id) DO UPDATE SET kind = excluded.kind,"
    " on_date = excluded.on_date, case_number = excluded.case_number,"
    " court = excluded.court, scope = excluded.scope, blocks = excluded.blocks,"
    " lifted_on = excluded.lifted_on")
INSERT_EVENTS = (
    "INSERT INTO events (jurisdiction_id, seq, kind, actor, on_date, recorded_at,"
    " from_state, to_state, detail, digest, link)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
INSERT_NOTICES = (
    "INSERT INTO outbox (channel, event_id, created_at) SELECT CAST(? AS TEXT), id,"
    " CAST(? AS TEXT) FROM events WHERE jurisdiction_id = ? AND seq = ?")
CANCEL_REMINDERS = (
    "UPDATE reminders SET status = 'cancelled', cancelled_at = ? WHERE"
    " jurisdiction_id = ? AND status = 'pending' AND NOT (round = ? AND deadline = ?)"
    " AND NOT EXISTS (SELECT 1 FROM reminder_claims c WHERE c.reminder_id = reminders.id)")


# -- the same statements, each for all the rows of a staged table at once ----------------
#
# ``{rows}`` is the temporary table, whose columns p1, p2, … are a row's parameters in
# order and whose rowid is the rows' order. An ``INSERT … VALUES (?, …)`` becomes an
# ``INSERT … SELECT`` of those columns (``WHERE true`` tells SQLite's parser that an
# ``ON CONFLICT`` which follows belongs to the upsert); the rest are written by hand.


def _selecting(sql: str) -> str:
    values = VALUES.search(sql)
    assert values is not None, sql
    columns = ", ".join(f"p{n}" for n in range(1, values[1].count("?") + 1))
    return (f"{sql[:values.start()]}SELECT {columns} FROM {{rows}} WHERE true"
            f" ORDER BY rowid{sql[values.end():]}")


WHOLE = {
    **{sql: _selecting(sql) for sql in (INSERT_JURISDICTIONS, INSERT_ALIASES,
                                        UPSERT_ROUNDS, UPSERT_ORDERS, INSERT_EVENTS)},
    UPDATE_JURISDICTIONS:
        "UPDATE jurisdictions SET name = s.p1, name_key = s.p2, kind = s.p3,"
        " us_state = s.p4, state = s.p5, owner = s.p6, channel = s.p7, held_from = s.p8,"
        " held_by = s.p9, last_step_on = s.p10, due_on = s.p11, updated_at = s.p12,"
        " version = s.p13 FROM {rows} AS s"
        " WHERE jurisdictions.id = s.p14 AND jurisdictions.version = s.p15",
    DELETE_ALIASES: "DELETE FROM aliases WHERE jurisdiction_id IN (SELECT p1 FROM {rows})",
    INSERT_NOTICES:
        "INSERT INTO outbox (channel, event_id, created_at) SELECT s.p1, e.id, s.p2"
        " FROM {rows} AS s JOIN events AS e ON e.jurisdiction_id = s.p3 AND e.seq = s.p4"
        " ORDER BY s.rowid",
    CANCEL_REMINDERS:
        "UPDATE reminders SET status = 'cancelled', cancelled_at = s.p1 FROM {rows} AS s"
        " WHERE reminders.jurisdiction_id = s.p2 AND reminders.status = 'pending'"
        " AND NOT (reminders.round = s.p3 AND reminders.deadline = s.p4) AND NOT EXISTS"
        " (SELECT 1 FROM reminder_claims c WHERE c.reminder_id = reminders.id)",
    INSERT_REMINDERS:
        "INSERT INTO reminders (jurisdiction_id, round, deadline, kind, due_at)"
        " SELECT s.p1, s.p2, s.p3, s.p4, s.p5 FROM {rows} AS s"
        " WHERE s.p4 NOT IN ('overdue', 'escalation') OR NOT EXISTS (SELECT 1 FROM"
        " reminders AS r WHERE r.jurisdiction_id = s.p1 AND r.round = s.p2"
        " AND r.deadline = s.p3 AND r.kind = s.p4 AND r.status <> 'cancelled')"
        " ORDER BY s.rowid ON CONFLICT DO NOTHING",
}
STALE = {
    UPDATE_JURISDICTIONS:
        "SELECT s.p14 AS id, s.p15 AS version, j.import_run FROM {rows} AS s"
        " LEFT JOIN jurisdictions AS j ON j.id = s.p14 WHERE j.id IS NULL"
        " OR j.version <> s.p15 OR j.import_run IS NOT NULL ORDER BY s.rowid LIMIT 1",
}
"""Run before the statement: the first row whose jurisdiction is no longer at the
version the change was made from (the row-by-row way checks ``versions.check``)."""
COUNTED = {
    INSERT_JURISDICTIONS:
        "WITH g AS MATERIALIZED (SELECT p4 AS kind, p5 AS us_state, p6 AS state,"
        " p7 AS owner, p12 IS NOT NULL AS due, count(*) AS n FROM {rows}"
        " GROUP BY 1, 2, 3, 4, 5)"
        " INSERT INTO jurisdiction_counts (facet, value, n) SELECT facet, value, sum(n)"
        " FROM (SELECT 'all' AS facet, '' AS value, n FROM g"
        " UNION ALL SELECT 'state', state, n FROM g UNION ALL SELECT 'kind', kind, n FROM g"
        " UNION ALL SELECT 'us_state', us_state, n FROM g"
        " UNION ALL SELECT 'owner', owner, n FROM g WHERE owner IS NOT NULL"
        " UNION ALL SELECT 'due_us_state', us_state, n FROM g WHERE due)"
        " WHERE true GROUP BY facet, value"
        " ON CONFLICT (facet, value) DO UPDATE SET n = n + excluded.n",
}
"""What the count triggers would have added for the new jurisdictions of ``{rows}``
(kind p4, US state p5, state p6, owner p7, due date p12), by one statement: the rows
are grouped once by all five (a few groups), and the groups summed per count (three
times quicker than grouping the rows once a count: 0.06 s for 100,000)."""


def on(sql: str, table: str) -> str:
    """``sql`` (of ``WHOLE``) for the rows of ``table``."""
    return sql.replace("{rows}", table)

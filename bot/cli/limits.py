"""How much one import from the command line takes.

Its own module because the Slack side names it too (a file too big for Slack is sent
to the command line), and nothing should import the command line's entry point.
"""

COMMAND_LINE_ROWS = 1_000_000
"""Rows one import from the command line takes: the ten past events each of 100,000
jurisdictions. An events file is read into compact rows and played and written a
group of jurisdictions at a time (``workflows.history``; on SQLite a big one is moved
in 10,000 jurisdictions a transaction, ``storage.runs``), so it takes some tens of
seconds and a few hundred megabytes, and other people's writes wait no more than a
run's move."""

"""How much one import from the command line takes.

Its own module because the Slack side names it too (a file too big for Slack is sent
to the command line), and nothing should import the command line's entry point.
"""

COMMAND_LINE_ROWS = 250_000
"""Rows one import from the command line takes. All of a file is written in one
transaction, which on SQLite holds up every other writer (the running bot's too) while
it lasts: 250,000 jurisdictions take some seconds, under the 10 seconds a writer waits
before it gives up."""

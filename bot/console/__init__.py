"""The local console: the real bot against a Slack stand-in on loopback, read as text."""

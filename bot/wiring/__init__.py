"""The composition root and what runs the bot: settings, wiring, scheduled jobs, serving,
logs."""

"""The command line: run the bot, the console, an import, an export, the replay."""

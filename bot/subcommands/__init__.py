"""The words after ``/review``: parsing them, the table of subcommands, and their handlers."""

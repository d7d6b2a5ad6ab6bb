"""The review domain: jurisdictions, their workflow, deadlines and use cases.

Pure Python: nothing here knows Slack, SQLite or the scheduler. The adapters in
``storage/`` and ``bot/`` plug into the ports declared in ``workflows.ports``.
"""

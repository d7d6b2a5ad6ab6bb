"""Posts to Slack: the only modules that call chat.postMessage and upload files.

- ``announcements``: the outbox relay and the notifier it posts channel announcements
  (and direct messages) with;
- ``reminders``: the reminder sweep's Slack end (its notifier, and who is in a channel);
- ``summaries``: the leadership summary's Slack end (the message, then its chart);
- ``pacing``: the per-channel pace of posts; ``delivery``: Slack's failures in the
  domain's words (``DeliveryFailed``).
"""

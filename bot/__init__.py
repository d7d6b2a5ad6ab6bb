"""The Slack side: settings, the composition root, listeners, rendering and transport."""

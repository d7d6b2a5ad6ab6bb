"""The Slack surfaces (commands, actions, views, events) and the adapters that call
Slack's Web API."""

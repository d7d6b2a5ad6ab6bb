"""What people see: Block Kit messages and modals, charts and diagrams (pure builders)."""

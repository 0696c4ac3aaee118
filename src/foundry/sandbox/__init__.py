"""The sandbox worker: one isolated coding environment per task session."""

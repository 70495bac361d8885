"""Tools in the window: the calls of an answer and their results, MCP servers and their
settings, approvals, and the switch that turns servers on for a chat."""

"""Tool calls answered and continued: rounds of calls and results in a chat, MCP servers
as a source of tools and results, approvals, and the checking of tool definitions."""

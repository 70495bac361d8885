"""MCP servers the test suite owns, written with the official SDK (``mcp``).

``tools_server``: two tools over stdio or Streamable HTTP. ``slow_echo`` answers
``Echoed: <text>`` after ``MCP_TEST_DELAY_S`` seconds (default 0.05); ``fail`` always
raises, so the server returns an error result. With ``MCP_TEST_CRASH=1`` the process
writes a line to stderr and exits as soon as a tool is called.
"""

"""A small MCP server for the README's screenshots: one tool, ``get_weather``."""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer

server = MCPServer("weather")


@server.tool()
def get_weather(city: str) -> dict[str, object]:
    """Current weather for a city."""
    return {"city": city, "temp_c": 14, "sky": "light rain", "wind_kmh": 18}


if __name__ == "__main__":
    server.run()

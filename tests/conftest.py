from tests.gateway.fixtures import gateway, gateway_server  # noqa: F401

"""Resource namespaces of the async client, one module per API group."""

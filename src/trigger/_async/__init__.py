"""The asynchronous client: the only hand-written client code (``_sync`` is generated from it)."""

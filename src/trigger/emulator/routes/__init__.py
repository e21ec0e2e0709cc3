"""HTTP routes, one module per endpoint group; each is a thin layer over the engine."""

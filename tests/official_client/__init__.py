"""The official TypeScript client against the emulator (see test_official_client.py)."""

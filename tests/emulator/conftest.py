"""The emulator's fixtures come from its pytest plugin, installed as a ``pytest11`` entry point."""

"""The parity suite: scenarios recorded against the real server, replayed against the emulator."""

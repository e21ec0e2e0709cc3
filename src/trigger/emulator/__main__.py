"""``python -m trigger.emulator [options]``: run the emulator (see `trigger.emulator.cli`)."""

import sys

from trigger.emulator.cli import main

raise SystemExit(main(["emulator", *sys.argv[1:]]))

"""``python -m bot run|transcribe|summarize|ask``."""

import sys

from bot.cli import main

if __name__ == "__main__":
    sys.exit(main())

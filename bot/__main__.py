"""``python -m bot``: read the settings, then run Greenlight until SIGINT or SIGTERM."""

from __future__ import annotations

import asyncio
import sys

from bot.config import ConfigError, load_settings
from bot.logs import setup_logging
from bot.runtime import StartupError, run

__all__ = ["main"]


def main() -> int:
    """Start Greenlight; a bad setting stops it with one line naming the key."""
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    setup_logging(settings.log_level, settings.secret_values())
    try:
        asyncio.run(run(settings))
    except StartupError as exc:
        print(f"greenlight cannot run: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # a second Ctrl-C during shutdown
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())

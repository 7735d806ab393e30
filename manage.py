#!/usr/bin/env python
"""Django's command-line utility for Gongzhi."""

import os
import sys


def main() -> None:
    # Without DJANGO_SETTINGS_MODULE, `local` settings read the environment and fall back to the
    # embedded PostgreSQL and Redis that `scripts/run` starts (see api.md, "Processes").
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()

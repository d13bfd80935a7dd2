#!/usr/bin/python3
"""Django's command-line utility for the test backend (run it with /usr/bin/python3: Debian's Django)."""
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)

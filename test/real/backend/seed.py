#!/usr/bin/python3
"""
Prepare the SQLite database named by DJANGO_DB_PATH: run the migrations, then create the buyer
and the buyer's DRF token with the key given in SEED_TOKEN.
Run from this directory with Debian's /usr/bin/python3 and the same environment daphne gets.
"""
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

call_command("migrate", verbosity=0, interactive=False)
buyer = get_user_model().objects.create_user("buyer", password=None)  # a regular, non-staff user
Token.objects.create(user=buyer, key=os.environ["SEED_TOKEN"])

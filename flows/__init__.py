"""Prefect flows of Social Pulse and the `pulse` command line."""

import os

# No network here or on users' laptops behind proxies: never phone home.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

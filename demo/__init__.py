"""The demo district (Kabupaten Purworejo): offices, logins, families, rosters, proposals and
complaints, for trying the product and for benchmarks; never loaded in production. Above every
other app, as it fills them all; nothing imports it but its command, tests and benchmarks.

    python manage.py load_demo [--scale small|district]
"""

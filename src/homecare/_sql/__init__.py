"""The private layer over SQLAlchemy engines (issue 12).

The only package that creates or holds SQLAlchemy engines and connection pools:
the read-side `Database` (engine, transactions, tracking of projection
positions) and the worker lease. Feature packages declare their tables and write
their queries against the connections this package hands out.
"""

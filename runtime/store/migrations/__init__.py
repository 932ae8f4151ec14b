"""The alembic scripts of the store's schema, one revision per change since the first release.

Shipped inside the package (a pip-installed wheel has them) and run programmatically by
`runtime.store.migrate`; no alembic.ini is needed. A new revision: copy the newest file in
`versions/`, name it `<next number>_<what>.py` with `revision` equal to that number.
"""

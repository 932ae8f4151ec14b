"""Dashboard aggregates kept up to date in the transaction that appends the events.

`tables` holds the aggregate tables (on the store's metadata), `sketch` the log-scale
duration histogram, `updater` folds events into the tables (and rebuilds them from the
log), `queries` reads them for dashboards without touching the event log.
"""

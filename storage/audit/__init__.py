"""What auditors read from the catalog, read-only: ``queries`` (a URL's history, records,
jobs, domains) narrowed by ``filters``, ``export`` (the contract rows), ``selection`` (the
jobs and time window of a summary or report), ``summary`` (the EU public summary's data) and
``summary_markdown``, ``report`` (a report's numbers) and ``report_html``, ``verify`` and
``verify_ledger`` (the tamper evidence).

Every function takes an Engine or an open Catalog and reads in one snapshot
(``storage.catalog.access.reading``); the catalog package imports nothing from here.
"""

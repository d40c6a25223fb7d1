"""One module per vendor; each exposes ``VENDOR``. Modules starting with ``_`` are helpers."""

"""The teaching page: ``pfsim serve`` (``python3 -m teaching``) runs the economy
live in the browser, one engine per tab (docs/teaching.md)."""

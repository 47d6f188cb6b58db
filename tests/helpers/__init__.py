"""Helpers shared by the tests (no test module imports another): corpora, records, tiny models, servers."""

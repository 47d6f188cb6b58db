"""Layer 7, run: suites, one cell, executors and the cached, resumable runner."""

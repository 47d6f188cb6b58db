"""Layer 10, tools: benchmark scripts run as ``python -m ragorft.benchmarks.tools.NAME``."""

"""Layer 1, core: errors, logging, atomic writes, the one TOML reader, formatters, paths and the env list.

Imports nothing else from ragorft; everything else may import it.
"""

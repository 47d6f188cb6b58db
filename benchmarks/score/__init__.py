"""Layer 5, score: metrics (from a record alone), paired statistics, costs and the regression gate."""

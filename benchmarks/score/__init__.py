"""Layer 6, score: metrics, paired statistics, costs and the regression gate over records."""

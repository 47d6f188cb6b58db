"""Layer 2, data: corpus cards and file formats, validation, budget sampling (imports core)."""

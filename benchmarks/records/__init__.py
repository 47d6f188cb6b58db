"""Layer 5, records: reading cell records (one loader, one corrupt-file policy) and the records frame."""

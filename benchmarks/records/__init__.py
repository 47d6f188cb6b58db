"""Layer 6, records: reading cell records (one schema, one loader, metrics attached on read) and the records frame."""

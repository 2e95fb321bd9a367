"""The procedure catalog: parsed from the national database, curated, searchable."""

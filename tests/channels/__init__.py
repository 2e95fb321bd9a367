"""Channel adapters: one folder per platform, each with its payload fixtures and case tables."""

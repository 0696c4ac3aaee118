"""Rules every domain module shares: tenancy, audit, and the derived values."""

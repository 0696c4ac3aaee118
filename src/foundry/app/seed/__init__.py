"""Demo data for Foundry's demo organisation, as plain Python data."""

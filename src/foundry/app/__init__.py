"""The product's backend, written against the engine."""

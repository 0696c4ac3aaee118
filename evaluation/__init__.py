"""The local provider's labelled evaluation set and its runner (`python -m evaluation.run`)."""

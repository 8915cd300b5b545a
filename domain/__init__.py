"""The domain layer: frozen dataclasses, errors, time and ID-number rules. Stdlib only."""

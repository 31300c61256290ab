"""The corpus: seed pairs, augmentation, formats and validation."""

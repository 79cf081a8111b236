"""Corpus → papers: one reader per file format, cleaning, de-duplication by title."""

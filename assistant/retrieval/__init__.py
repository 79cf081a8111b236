"""Question → papers: dense and BM25 rankings fused at paper level."""

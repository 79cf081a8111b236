"""Papers → index: chunking, embeddings, the Chroma store, ingest and its upkeep."""

"""The answering model: a local GGUF through llama.cpp, or an OpenAI-compatible server."""

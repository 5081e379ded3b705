"""Models and their training: importable without Temporal or FastAPI."""

"""Ingestion of landing event files: lines -> validated, deduplicated, privacy-safe events."""

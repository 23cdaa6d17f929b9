"""Transcript sentiment lakehouse: read transcript JSON, score utterances, write Delta tables."""

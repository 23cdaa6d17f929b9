"""Spark UDFs: sentiment scoring with a Hugging Face model."""

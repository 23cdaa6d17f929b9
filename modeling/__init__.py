"""Training, assembly and evaluation of the default sentiment model (not shipped to executors)."""

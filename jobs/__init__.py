"""spark-submit entry points. Each is thin: parse arguments, load config, call the library."""

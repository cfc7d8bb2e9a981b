"""One module per output format, each reading the finished Analysis."""

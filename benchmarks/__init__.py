"""Scale benchmarks: a large generated catalog and the measurements taken against it."""

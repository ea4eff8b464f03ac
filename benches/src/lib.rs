//! Benchmarks and the load generator for Quire.

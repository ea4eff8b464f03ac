//! Tests of the engine alone.

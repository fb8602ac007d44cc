//! dr-cli (placeholder)

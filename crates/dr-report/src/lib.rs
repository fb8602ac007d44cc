//! dr-report (placeholder)

//! C ABI of MacinMeter (filled in by the C-ABI work).

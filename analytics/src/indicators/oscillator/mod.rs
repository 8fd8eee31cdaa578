//! Range oscillators: STOCH, WILLR, CCI, AROON, MFI.

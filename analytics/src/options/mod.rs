//! Option pricing: Black-Scholes-Merton, implied volatility, Greeks, American exercise, chain analytics.

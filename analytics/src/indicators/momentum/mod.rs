//! Momentum of closes: RSI, MACD, PPO, ROC, MOM, CMO, TRIX, STOCHRSI.

//! Price channels: Donchian and Keltner.

-- Ten realistic queries over the history, run by DataFusion (finstream sql) and by
-- DuckDB (scripts/bench/sql_vs_duckdb.py) on the same Parquet files. Written in the
-- SQL both accept; the script maps first_by/last_by to DuckDB's arg_min/arg_max.
-- Times are returned as epoch seconds so both print them alike.

-- name: ohlcv_by_minute
SELECT date_part('epoch', date_trunc('minute', event_time)) AS minute,
       first_by(price, event_time) AS open, max(price) AS high, min(price) AS low,
       last_by(price, event_time) AS close, sum(size) AS volume, count(*) AS trades
FROM trades WHERE symbol = 'SYM0001' AND date = '2024-01-03'
GROUP BY 1 ORDER BY 1;

-- name: vwap_by_symbol_and_day
SELECT symbol, date, sum(price * size) / sum(size) AS vwap, sum(size) AS volume
FROM trades GROUP BY symbol, date ORDER BY symbol, date;

-- name: top_movers_last_day
WITH d AS (
  SELECT symbol, first_by(price, event_time) AS open, last_by(price, event_time) AS close
  FROM trades WHERE date = '2024-01-04' GROUP BY symbol
)
SELECT symbol, open, close, close / open - 1 AS change
FROM d ORDER BY change DESC, symbol LIMIT 10;

-- name: volume_profile
SELECT round(price, 0) AS price_level, sum(size) AS volume, count(*) AS trades
FROM trades WHERE symbol = 'SYM0002' GROUP BY 1 ORDER BY 1;

-- name: trades_to_prevailing_quote
WITH tq AS (
  SELECT symbol, event_time, price, CAST(NULL AS DOUBLE) AS bid, CAST(NULL AS DOUBLE) AS ask, 1 AS is_trade
  FROM trades WHERE date = '2024-01-03'
  UNION ALL
  SELECT symbol, event_time, CAST(NULL AS DOUBLE), bid_price, ask_price, 0
  FROM quotes WHERE date = '2024-01-03'
), grouped AS (
  SELECT *, count(bid) OVER (PARTITION BY symbol ORDER BY event_time, is_trade ROWS UNBOUNDED PRECEDING) AS quote_seq
  FROM tq
), filled AS (
  SELECT *, max(bid) OVER (PARTITION BY symbol, quote_seq) AS q_bid, max(ask) OVER (PARTITION BY symbol, quote_seq) AS q_ask
  FROM grouped
)
SELECT symbol, count(*) AS trades, count(q_bid) AS quoted,
       sum(CASE WHEN price >= q_ask THEN 1 ELSE 0 END) AS at_or_above_ask,
       sum(CASE WHEN price <= q_bid THEN 1 ELSE 0 END) AS at_or_below_bid
FROM filled WHERE is_trade = 1 GROUP BY symbol ORDER BY symbol;

-- name: hourly_activity
SELECT symbol, date_part('epoch', date_trunc('hour', event_time)) AS hour, count(*) AS trades, sum(size) AS volume
FROM trades WHERE date = '2024-01-04' GROUP BY 1, 2 ORDER BY 1, 2;

-- name: five_minute_bars
SELECT symbol, date_part('epoch', time_bucket(INTERVAL '5 minutes', event_time)) AS bucket,
       first_by(price, event_time) AS open, max(price) AS high, min(price) AS low,
       last_by(price, event_time) AS close, sum(size) AS volume
FROM trades WHERE date = '2024-01-02' AND symbol IN ('SYM0003', 'SYM0004', 'SYM0005')
GROUP BY 1, 2 ORDER BY 1, 2;

-- name: quoted_spread_by_day
SELECT symbol, date, avg(ask_price - bid_price) AS avg_spread, max(ask_price - bid_price) AS max_spread, count(*) AS quotes
FROM quotes GROUP BY symbol, date ORDER BY symbol, date;

-- name: largest_trades
SELECT symbol, date_part('epoch', event_time) AS at, price, size, id
FROM trades WHERE date = '2024-01-03' ORDER BY size DESC, price DESC, id LIMIT 20;

-- name: daily_returns
WITH d AS (
  SELECT symbol, date, last_by(price, event_time) AS close FROM trades GROUP BY symbol, date
)
SELECT symbol, date, close, close / lag(close) OVER (PARTITION BY symbol ORDER BY date) - 1 AS ret
FROM d ORDER BY symbol, date;

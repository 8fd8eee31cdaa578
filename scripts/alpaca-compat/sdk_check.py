#!/usr/bin/env python3
"""Black-box check: does the official alpaca-py SDK work against finstream?

Drives the unmodified SDK (version pinned in requirements.txt next to this file)
against finstream's Alpaca-compatible endpoints:

  rest     StockHistoricalDataClient: multi-page get_stock_bars (page requests
           counted at the HTTP layer), a `limit` check, latest trade / quote /
           bar and snapshot.
  options  OptionHistoricalDataClient.get_option_chain: greeks, IV, filters.
  stream   StockDataStream: trades, quotes (and bars) for --symbols, clean stop.

Usage:
  python sdk_check.py --rest http://127.0.0.1:8080 --stream ws://127.0.0.1:8080/v2/iex \
      --symbols AAPL MSFT [--only rest|options|stream ...] [--seconds 20] [--expect-bars]

Exit status 0 when every selected check passed, 1 when one failed, 2 on bad usage.

Notes on how the SDK behaves (alpaca-py 0.44.0), which shape what is checked:
  * Every stock call goes to the multi-symbol endpoint, even for one symbol:
    GET {rest}/v2/stocks/bars?symbols=AAPL,... (alpaca/data/historical/stock.py).
  * Paging (alpaca/common/rest.py RESTClient._get_marketdata): the SDK sends
    limit=min(remaining, 10000) per request (10000 per request when no limit is
    given) and follows next_page_token until it is null/missing or the requested
    total is reached. So the *server* decides whether there is more than one page:
    either the window holds more bars than one page (>10000), or finstream caps
    its page size below the requested limit and returns a next_page_token.
  * `limit` is a total across all symbols, not a per-symbol count.
"""
from __future__ import annotations

import argparse
import logging
import math
import os
import re
import sys
import threading
import time
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Optional, Tuple

try:
    import requests
    from requests.adapters import HTTPAdapter

    from alpaca.common.exceptions import APIError
    from alpaca.data.enums import DataFeed
    from alpaca.data.historical import OptionHistoricalDataClient, StockHistoricalDataClient
    from alpaca.data.live import StockDataStream
    from alpaca.data.requests import (
        OptionChainRequest,
        StockBarsRequest,
        StockLatestBarRequest,
        StockLatestQuoteRequest,
        StockLatestTradeRequest,
        StockSnapshotRequest,
    )
    from alpaca.data.timeframe import TimeFrame, TimeFrameUnit
    from alpaca.trading.enums import ContractType
except ImportError as exc:  # pragma: no cover - environment problem, not a check failure
    sys.stderr.write(
        f"sdk_check: cannot import alpaca-py ({exc}).\n"
        "Install it with: pip install -r scripts/alpaca-compat/requirements.txt\n"
    )
    sys.exit(2)

EPS = 1e-9
OCC_RE = re.compile(r"^([A-Z][A-Z0-9.]{0,5})(\d{6})([CP])(\d{8})$")


class CheckFailed(Exception):
    """A failed assertion about finstream's behaviour."""


def check(cond: bool, msg: str) -> None:
    if not cond:
        raise CheckFailed(msg)


# Which SDK call is running, so that an SDK exception (pydantic ValidationError,
# KeyError, ...) can be reported against the call that raised it.
_STEP = {"name": ""}


def step(name: str) -> None:
    _STEP["name"] = name


def collapse(msgs: List[str], n: int = 5) -> str:
    """Join log messages, folding repeats into 'msg (xN)'."""
    c = Counter(msgs)
    return " || ".join(f"{m} (x{k})" if k > 1 else m for m, k in c.most_common(n))


# --------------------------------------------------------------------------- #
# HTTP instrumentation
# --------------------------------------------------------------------------- #


class RecordingAdapter(HTTPAdapter):
    """Transport adapter mounted on the SDK client's requests.Session.

    Counts every HTTP request the SDK makes (one per page, plus retries), records
    the query string, status and item count, enforces a timeout (the SDK sets
    none), and stops runaway paging loops (e.g. a next_page_token of "" or a
    token that repeats, both of which make the SDK loop).
    """

    def __init__(self, timeout: float, max_requests: int) -> None:
        super().__init__()
        self.timeout = timeout
        self.max_requests = max_requests
        self.log: List[Dict[str, Any]] = []

    def reset(self) -> None:
        self.log = []

    def send(self, request, **kwargs):  # type: ignore[override]
        if len(self.log) >= self.max_requests:
            raise CheckFailed(
                f"more than {self.max_requests} HTTP requests in one SDK call "
                f"(last URL {request.url}); is next_page_token ever null?"
            )
        if not kwargs.get("timeout"):
            kwargs["timeout"] = self.timeout
        t0 = time.monotonic()
        resp = super().send(request, **kwargs)
        entry: Dict[str, Any] = {
            "url": request.url,
            "status": resp.status_code,
            "ms": (time.monotonic() - t0) * 1000.0,
            "items": None,
            "token": None,
        }
        if resp.status_code == 200:
            try:
                body = resp.json()
            except ValueError:
                body = None
            if isinstance(body, dict):
                entry["token"] = body.get("next_page_token")
                for key in ("bars", "trades", "quotes", "snapshots"):
                    val = body.get(key)
                    if isinstance(val, dict):
                        entry["items"] = sum(
                            len(v) if isinstance(v, list) else 1 for v in val.values()
                        )
                        break
                if entry["token"] == "":
                    raise CheckFailed(
                        f"next_page_token is the empty string at {request.url}: the SDK "
                        "only stops on null/missing and would loop forever"
                    )
                prev = [e["token"] for e in self.log if e["token"]]
                if entry["token"] and entry["token"] in prev:
                    raise CheckFailed(
                        f"next_page_token {entry['token']!r} repeated: paging loop"
                    )
        self.log.append(entry)
        return resp

    @property
    def pages(self) -> List[Dict[str, Any]]:
        return [e for e in self.log if e["status"] == 200]


def instrument(client, timeout: float, max_requests: int) -> RecordingAdapter:
    # RESTClient keeps its requests.Session in `_session` and sends every call
    # through it (alpaca/common/rest.py, RESTClient.__init__ / _one_request).
    adapter = RecordingAdapter(timeout, max_requests)
    session: requests.Session = client._session  # noqa: SLF001 - deliberate hook
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return adapter


# --------------------------------------------------------------------------- #
# helpers
# --------------------------------------------------------------------------- #


def parse_time(s: str) -> datetime:
    dt = datetime.fromisoformat(s.strip().replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)


def parse_timeframe(s: str) -> TimeFrame:
    m = re.fullmatch(r"(\d+)\s*(Min|T|Hour|H|Day|D|Week|W|Month|M)", s.strip())
    if not m:
        raise argparse.ArgumentTypeError(f"bad timeframe {s!r} (e.g. 1Min, 5Min, 1Hour, 1Day)")
    unit = {
        "Min": TimeFrameUnit.Minute, "T": TimeFrameUnit.Minute,
        "Hour": TimeFrameUnit.Hour, "H": TimeFrameUnit.Hour,
        "Day": TimeFrameUnit.Day, "D": TimeFrameUnit.Day,
        "Week": TimeFrameUnit.Week, "W": TimeFrameUnit.Week,
        "Month": TimeFrameUnit.Month, "M": TimeFrameUnit.Month,
    }[m.group(2)]
    try:
        return TimeFrame(int(m.group(1)), unit)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc))


def is_utc_aware(dt: datetime) -> bool:
    return dt.tzinfo is not None and dt.utcoffset() == timedelta(0)


def finite(x: Optional[float]) -> bool:
    return x is not None and isinstance(x, (int, float)) and math.isfinite(x)


def bar_problems(bar) -> List[str]:
    p = []
    for name in ("open", "high", "low", "close", "volume"):
        if not finite(getattr(bar, name)):
            p.append(f"{name}={getattr(bar, name)!r}")
    if p:
        return p
    if bar.low <= 0:
        p.append(f"low={bar.low} <= 0")
    if bar.high + EPS < max(bar.open, bar.close, bar.low):
        p.append(f"high={bar.high} below open/close/low")
    if bar.low - EPS > min(bar.open, bar.close, bar.high):
        p.append(f"low={bar.low} above open/close/high")
    if bar.volume < 0:
        p.append(f"volume={bar.volume} < 0")
    if bar.vwap is not None and bar.volume > 0 and not (bar.low - 1e-6 <= bar.vwap <= bar.high + 1e-6):
        p.append(f"vwap={bar.vwap} outside [low, high]")
    if bar.trade_count is not None and bar.trade_count < 0:
        p.append(f"trade_count={bar.trade_count} < 0")
    if not is_utc_aware(bar.timestamp):
        p.append(f"timestamp {bar.timestamp!r} not UTC-aware")
    return p


def fmt_pages(pages: List[Dict[str, Any]]) -> str:
    sizes = [e["items"] for e in pages]
    if len(sizes) > 8:
        return f"{sizes[:4]} ... {sizes[-2:]}"
    return str(sizes)


def query_param(url: str, name: str) -> Optional[str]:
    from urllib.parse import parse_qs, urlparse

    vals = parse_qs(urlparse(url).query).get(name)
    return vals[0] if vals else None


# --------------------------------------------------------------------------- #
# part: rest
# --------------------------------------------------------------------------- #


def check_rest(args, summary: List[str]) -> None:
    client = StockHistoricalDataClient(args.key, args.secret, url_override=args.rest)
    rec = instrument(client, args.http_timeout, args.max_requests)
    syms: List[str] = args.symbols
    feed = DataFeed(args.feed) if args.feed else None

    end = args.bars_end or datetime.now(timezone.utc).replace(second=0, microsecond=0)
    start = args.bars_start or (end - timedelta(days=args.bars_days))
    check(start < end, f"bars window start {start} is not before end {end}")

    # (a1) multi-symbol bars over the window; paging driven by server page size.
    req = StockBarsRequest(
        symbol_or_symbols=list(syms), timeframe=args.timeframe, start=start, end=end,
        limit=args.bars_limit, feed=feed,
    )
    step(f"get_stock_bars({syms}, {args.timeframe.value}, limit={args.bars_limit})")
    t0 = time.monotonic()
    barset = client.get_stock_bars(req)
    elapsed = time.monotonic() - t0
    pages = rec.pages
    retries = sum(1 for e in rec.log if e["status"] in (429, 504))
    total = sum(len(v) for v in barset.data.values())
    for i, e in enumerate(pages):
        check(query_param(e["url"], "timeframe") == args.timeframe.value,
              f"page {i}: timeframe sent as {query_param(e['url'], 'timeframe')!r}")
        sent_limit = query_param(e["url"], "limit")
        check(e["items"] is None or sent_limit is None or e["items"] <= int(sent_limit),
              f"page {i}: {e['items']} bars returned for limit={sent_limit}")
        if i > 0:
            check(query_param(e["url"], "page_token") is not None,
                  f"page {i} was requested without page_token: {e['url']}")
    check(total > 0, f"get_stock_bars {syms} {start.isoformat()}..{end.isoformat()} returned no bars")
    if args.bars_limit:
        check(total <= args.bars_limit, f"{total} bars returned with limit={args.bars_limit}")
    # Per-symbol: strictly increasing timestamps (=> no duplicates), inside the window, sane OHLC.
    per_sym = {}
    for sym, bars in barset.data.items():
        check(sym in syms, f"bars returned for unrequested symbol {sym!r}")
        naive = [b.timestamp for b in bars if not is_utc_aware(b.timestamp)]
        if naive:
            raise CheckFailed(f"{sym}: {len(naive)} bar timestamps without a UTC offset, e.g. {naive[0]!r}")
        ts = [b.timestamp for b in bars]
        for i in range(1, len(ts)):
            if ts[i] <= ts[i - 1]:
                kind = "duplicate" if ts[i] == ts[i - 1] else "out of order"
                raise CheckFailed(
                    f"{sym} bars {kind} at index {i}: {ts[i - 1].isoformat()} then {ts[i].isoformat()} "
                    f"(pages: {fmt_pages(pages)})"
                )
        for b in bars:
            probs = bar_problems(b)
            check(not probs, f"{sym} bar at {b.timestamp.isoformat()}: {'; '.join(probs)}")
            check(start <= b.timestamp <= end,
                  f"{sym} bar at {b.timestamp.isoformat()} outside [{start.isoformat()}, {end.isoformat()}]")
        per_sym[sym] = len(bars)
    missing = [s for s in syms if s not in barset.data]
    check(len(pages) >= args.min_pages,
          f"get_stock_bars needed only {len(pages)} HTTP page request(s) for {total} bars "
          f"(limit sent: {query_param(pages[0]['url'], 'limit') if pages else '?'}); the SDK asks "
          f"for up to 10000 per page, so either widen the window (--bars-days) or make finstream "
          f"cap its page size below that")
    summary.append(
        f"rest/bars: {total} {args.timeframe.value} bars for {per_sym}"
        + (f" (no bars for {missing})" if missing else "")
        + f" in {len(pages)} pages {fmt_pages(pages)}, {retries} retried 429/504, {elapsed:.2f}s;"
        " strictly increasing, no duplicates, OHLC sane"
    )

    # (a2) `limit` is a total across symbols and must be honoured exactly, even
    # when it spans pages; the result must be a subset of the full fetch.
    if total >= 3:
        k = max(2, (total * 2) // 3)
        rec.reset()
        step(f"get_stock_bars({syms}, limit={k})")
        lim_set = client.get_stock_bars(StockBarsRequest(
            symbol_or_symbols=list(syms), timeframe=args.timeframe, start=start, end=end,
            limit=k, feed=feed,
        ))
        got = sum(len(v) for v in lim_set.data.values())
        check(got == k, f"get_stock_bars with limit={k} returned {got} bars (window holds {total})")
        full_keys = {(s, b.timestamp) for s, bars in barset.data.items() for b in bars}
        lim_keys = [(s, b.timestamp) for s, bars in lim_set.data.items() for b in bars]
        check(len(set(lim_keys)) == len(lim_keys), f"duplicates in limit={k} result")
        stray = [x for x in lim_keys if x not in full_keys]
        check(not stray, f"limit={k} result has bars not in the full result, e.g. {stray[:3]}")
        summary.append(f"rest/bars limit={k}: exactly {got} bars in {len(rec.pages)} pages {fmt_pages(rec.pages)}")

    # (a3) single-symbol form (a str, still sent as ?symbols=X to the multi endpoint).
    rec.reset()
    step(f"get_stock_bars({syms[0]!r}, limit=5)")
    one = client.get_stock_bars(StockBarsRequest(
        symbol_or_symbols=syms[0], timeframe=args.timeframe, start=start, end=end, limit=5, feed=feed,
    ))
    if per_sym.get(syms[0]):
        check(syms[0] in one.data and 0 < len(one[syms[0]]) <= 5,
              f"single-symbol get_stock_bars({syms[0]!r}, limit=5) returned {one.data.keys()}")

    # (b) latest trade / quote / bar, snapshot.
    rec.reset()
    step("get_stock_latest_trade")
    lt = client.get_stock_latest_trade(StockLatestTradeRequest(symbol_or_symbols=list(syms), feed=feed))
    step("get_stock_latest_quote")
    lq = client.get_stock_latest_quote(StockLatestQuoteRequest(symbol_or_symbols=list(syms), feed=feed))
    step("get_stock_latest_bar")
    lb = client.get_stock_latest_bar(StockLatestBarRequest(symbol_or_symbols=list(syms), feed=feed))
    now = datetime.now(timezone.utc)
    for s in syms:
        check(s in lt, f"latest trade: no entry for {s} (got {sorted(lt)})")
        t = lt[s]
        check(finite(t.price) and t.price > 0, f"latest trade {s}: price {t.price!r}")
        check(finite(t.size) and t.size > 0, f"latest trade {s}: size {t.size!r}")
        check(is_utc_aware(t.timestamp), f"latest trade {s}: timestamp {t.timestamp!r} not UTC-aware")
        check(t.timestamp <= now + timedelta(seconds=args.clock_skew),
              f"latest trade {s}: timestamp {t.timestamp.isoformat()} is in the future")

        check(s in lq, f"latest quote: no entry for {s} (got {sorted(lq)})")
        q = lq[s]
        check(finite(q.bid_price) and q.bid_price > 0, f"latest quote {s}: bid_price {q.bid_price!r}")
        check(finite(q.ask_price) and q.ask_price > 0, f"latest quote {s}: ask_price {q.ask_price!r}")
        check(q.ask_price + EPS >= q.bid_price or args.allow_crossed,
              f"latest quote {s}: ask {q.ask_price} < bid {q.bid_price}")
        check(q.bid_size >= 0 and q.ask_size >= 0, f"latest quote {s}: sizes {q.bid_size}/{q.ask_size}")
        check(is_utc_aware(q.timestamp), f"latest quote {s}: timestamp {q.timestamp!r} not UTC-aware")

        check(s in lb, f"latest bar: no entry for {s} (got {sorted(lb)})")
        probs = bar_problems(lb[s])
        check(not probs, f"latest bar {s}: {'; '.join(probs)}")
    summary.append(
        "rest/latest: trade, quote, bar for " + ", ".join(
            f"{s} p={lt[s].price} bid/ask={lq[s].bid_price}/{lq[s].ask_price}" for s in syms)
    )

    step("get_stock_snapshot")
    snaps = client.get_stock_snapshot(StockSnapshotRequest(symbol_or_symbols=list(syms), feed=feed))
    for s in syms:
        check(s in snaps, f"snapshot: no entry for {s} (got {sorted(snaps)})")
        sn = snaps[s]
        check(sn.latest_trade is not None, f"snapshot {s}: latestTrade missing")
        check(sn.latest_quote is not None, f"snapshot {s}: latestQuote missing")
        check(sn.minute_bar is not None, f"snapshot {s}: minuteBar missing")
        check(sn.daily_bar is not None, f"snapshot {s}: dailyBar missing")
        check(sn.latest_trade.price > 0, f"snapshot {s}: latestTrade.p {sn.latest_trade.price}")
        q = sn.latest_quote
        check(q.bid_price > 0 and q.ask_price > 0, f"snapshot {s}: latestQuote bid/ask {q.bid_price}/{q.ask_price}")
        check(q.ask_price + EPS >= q.bid_price or args.allow_crossed,
              f"snapshot {s}: latestQuote ask {q.ask_price} < bid {q.bid_price}")
        for name in ("minute_bar", "daily_bar", "previous_daily_bar"):
            b = getattr(sn, name)
            if b is not None:
                probs = bar_problems(b)
                check(not probs, f"snapshot {s}.{name}: {'; '.join(probs)}")
        if sn.previous_daily_bar is not None:
            check(sn.previous_daily_bar.timestamp < sn.daily_bar.timestamp,
                  f"snapshot {s}: prevDailyBar {sn.previous_daily_bar.timestamp} not before dailyBar {sn.daily_bar.timestamp}")
        # The snapshot was fetched after the latest trade, so it can't be older.
        check(sn.latest_trade.timestamp >= lt[s].timestamp,
              f"snapshot {s}: latestTrade {sn.latest_trade.timestamp.isoformat()} older than "
              f"/trades/latest {lt[s].timestamp.isoformat()} fetched before it")
    summary.append(
        f"rest/snapshot: {len(syms)} symbols with latestTrade, latestQuote, minuteBar, dailyBar"
        + ("" if all(snaps[s].previous_daily_bar for s in syms) else " (prevDailyBar absent for some)")
    )


# --------------------------------------------------------------------------- #
# part: options
# --------------------------------------------------------------------------- #


def check_options(args, summary: List[str]) -> None:
    client = OptionHistoricalDataClient(args.key, args.secret, url_override=args.rest)
    rec = instrument(client, args.http_timeout, args.max_requests)
    und = args.underlying or args.symbols[0]

    step(f"get_option_chain({und!r})")
    chain = client.get_option_chain(OptionChainRequest(underlying_symbol=und))
    pages = rec.pages
    check(len(chain) > 0, f"get_option_chain({und!r}) returned no contracts")
    with_greeks = 0
    with_iv = 0
    good = 0
    strikes = []
    for sym, snap in chain.items():
        m = OCC_RE.match(sym)
        check(m is not None, f"option chain {und}: {sym!r} is not an OCC symbol")
        cp = m.group(3)
        strike = int(m.group(4)) / 1000.0
        strikes.append(strike)
        check(snap.symbol == sym, f"{sym}: snapshot symbol {snap.symbol!r}")
        g = snap.greeks
        if g is not None:
            with_greeks += 1
            for name in ("delta", "gamma", "rho", "theta", "vega"):
                check(finite(getattr(g, name)), f"{sym}: greeks.{name} = {getattr(g, name)!r}")
            check(-1 - EPS <= g.delta <= 1 + EPS, f"{sym}: delta {g.delta} outside [-1, 1]")
            if cp == "C":
                check(g.delta >= -EPS, f"{sym}: call with negative delta {g.delta}")
            else:
                check(g.delta <= EPS, f"{sym}: put with positive delta {g.delta}")
            check(g.gamma >= -1e-6, f"{sym}: gamma {g.gamma} < 0")
            check(g.vega >= -1e-6, f"{sym}: vega {g.vega} < 0")
        iv = snap.implied_volatility
        if iv is not None:
            check(finite(iv) and iv > 0, f"{sym}: impliedVolatility {iv!r}")
            with_iv += 1
        if g is not None and iv is not None and iv > 0 and -1 <= g.delta <= 1:
            good += 1
        q = snap.latest_quote
        if q is not None:
            check(q.bid_price >= 0 and q.ask_price >= 0, f"{sym}: quote bid/ask {q.bid_price}/{q.ask_price}")
            if q.bid_price > 0 and q.ask_price > 0:
                check(q.ask_price + EPS >= q.bid_price or args.allow_crossed,
                      f"{sym}: quote ask {q.ask_price} < bid {q.bid_price}")
        t = snap.latest_trade
        if t is not None:
            check(t.price > 0, f"{sym}: latestTrade.p {t.price}")
    check(good > 0, f"option chain {und}: no contract has greeks (delta in [-1,1]) and impliedVolatility > 0")
    summary.append(
        f"options/chain {und}: {len(chain)} contracts in {len(pages)} pages {fmt_pages(pages)}, "
        f"{with_greeks} with greeks, {with_iv} with IV>0, {good} with both"
    )

    # Filters: type=call and a strike band around the median strike.
    strikes.sort()
    mid = strikes[len(strikes) // 2]
    lo, hi = strikes[len(strikes) // 4], strikes[(3 * len(strikes)) // 4]
    rec.reset()
    step(f"get_option_chain({und!r}, type=call, strike {lo}..{hi})")
    calls = client.get_option_chain(OptionChainRequest(
        underlying_symbol=und, type=ContractType.CALL, strike_price_gte=lo, strike_price_lte=hi,
    ))
    n_expected = sum(1 for s in chain if OCC_RE.match(s).group(3) == "C"
                     and lo - EPS <= int(OCC_RE.match(s).group(4)) / 1000.0 <= hi + EPS)
    for sym in calls:
        m = OCC_RE.match(sym)
        check(m is not None and m.group(3) == "C", f"type=call filter returned {sym}")
        k = int(m.group(4)) / 1000.0
        check(lo - EPS <= k <= hi + EPS, f"strike filter [{lo}, {hi}] returned {sym} (strike {k})")
    check(len(calls) == n_expected,
          f"type=call strike [{lo},{hi}] returned {len(calls)} contracts, the unfiltered chain has {n_expected}")
    summary.append(f"options/filters: type=call strike {lo}..{hi} (median {mid}): {len(calls)} contracts, all match")


# --------------------------------------------------------------------------- #
# part: stream
# --------------------------------------------------------------------------- #


class LogCapture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: List[logging.LogRecord] = []
        # not `self.lock`: logging.Handler.handle() already holds that one around emit()
        self._records_lock = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        with self._records_lock:
            self.records.append(record)

    def messages(self, min_level: int = logging.DEBUG) -> List[str]:
        with self._records_lock:
            out = []
            for r in self.records:
                if r.levelno >= min_level:
                    msg = r.getMessage()
                    if r.exc_info and r.exc_info[1] is not None:
                        msg += f" [{type(r.exc_info[1]).__name__}: {r.exc_info[1]}]"
                    out.append(msg)
            return out


def check_stream(args, summary: List[str]) -> None:
    syms: List[str] = args.symbols
    # alpaca/data/live/websocket.py logs through logging.getLogger(__name__); it
    # reports connect/auth/parse failures only as log records, so capture them.
    sdk_log = logging.getLogger("alpaca.data.live.websocket")
    cap = LogCapture()
    sdk_log.addHandler(cap)
    old_level = sdk_log.level
    sdk_log.setLevel(logging.DEBUG)

    counts: Dict[str, Counter] = {"trades": Counter(), "quotes": Counter(), "bars": Counter()}
    problems: List[str] = []
    lags: List[float] = []
    first_at: List[float] = []
    lock = threading.Lock()

    def note(channel: str, sym: str, probs: List[str], ts: datetime) -> None:
        with lock:
            counts[channel][sym] += 1
            if not first_at:
                first_at.append(time.monotonic())
            if isinstance(ts, datetime) and ts.tzinfo is not None:
                lags.append((datetime.now(timezone.utc) - ts).total_seconds())
            if probs and len(problems) < 50:
                problems.extend(f"{channel} {sym}: {p}" for p in probs)

    async def on_trade(t) -> None:
        p = []
        if not is_utc_aware(t.timestamp):
            p.append(f"timestamp {t.timestamp!r} not UTC-aware")
        if not (finite(t.price) and t.price > 0):
            p.append(f"price {t.price!r}")
        if not (finite(t.size) and t.size > 0):
            p.append(f"size {t.size!r}")
        if t.symbol not in syms:
            p.append("unsubscribed symbol")
        note("trades", t.symbol, p, t.timestamp)

    async def on_quote(q) -> None:
        p = []
        if not is_utc_aware(q.timestamp):
            p.append(f"timestamp {q.timestamp!r} not UTC-aware")
        if not (finite(q.bid_price) and q.bid_price >= 0 and finite(q.ask_price) and q.ask_price >= 0):
            p.append(f"bid/ask {q.bid_price!r}/{q.ask_price!r}")
        elif q.bid_price > 0 and q.ask_price > 0 and q.ask_price + EPS < q.bid_price and not args.allow_crossed:
            p.append(f"crossed: ask {q.ask_price} < bid {q.bid_price}")
        if q.bid_size < 0 or q.ask_size < 0:
            p.append(f"sizes {q.bid_size}/{q.ask_size}")
        if q.symbol not in syms:
            p.append("unsubscribed symbol")
        note("quotes", q.symbol, p, q.timestamp)

    async def on_bar(b) -> None:
        p = bar_problems(b)
        if b.symbol not in syms:
            p.append("unsubscribed symbol")
        note("bars", b.symbol, p, b.timestamp)

    stream = StockDataStream(args.key, args.secret, url_override=args.stream)
    stream.subscribe_trades(on_trade, *syms)
    stream.subscribe_quotes(on_quote, *syms)
    stream.subscribe_bars(on_bar, *syms)

    run_error: List[BaseException] = []

    def runner() -> None:
        try:
            stream.run()
        except BaseException as exc:  # noqa: BLE001 - reported below
            run_error.append(exc)

    th = threading.Thread(target=runner, name="alpaca-stream", daemon=True)
    t_start = time.monotonic()
    th.start()
    deadline = t_start + args.seconds
    while time.monotonic() < deadline and th.is_alive():
        time.sleep(0.2)
    ran_for = time.monotonic() - t_start

    # Clean stop: StockDataStream.stop() -> stop_ws() on the stream's loop; the
    # consume loop polls its stop queue at least every 5 s (websocket.py _consume).
    stop_error = None
    if th.is_alive():
        for _ in range(50):  # _loop is set at the top of _run_forever
            if stream._loop is not None:  # noqa: SLF001
                break
            time.sleep(0.1)
        try:
            stream.stop()
        except Exception as exc:  # noqa: BLE001
            stop_error = exc
        th.join(timeout=args.stop_timeout)
    stopped = not th.is_alive()
    sdk_log.removeHandler(cap)
    sdk_log.setLevel(old_level)

    info = cap.messages(logging.INFO)
    errors = cap.messages(logging.ERROR)
    warnings = [m for m in cap.messages(logging.WARNING) if m not in errors]
    connected = any(m.startswith("connected to ") for m in info)
    sub_acks = [m for m in info if m.startswith("subscribed to ")]

    def diag() -> str:
        extra = errors + warnings
        return (" | SDK log: " + collapse(extra)) if extra else ""

    check(not run_error, f"StockDataStream.run() raised {run_error[:1]!r}{diag()}")
    check(connected, f"StockDataStream never got 'connected' + 'authenticated' from {args.stream}{diag()}")
    check(not errors, f"SDK logged {len(errors)} error(s) on the stream: " + collapse(errors))
    check(sub_acks, f"no subscription reply was received after subscribing{diag()}")
    ack = sub_acks[-1]
    for ch in ("trades", "quotes", "bars"):
        for s in syms:
            check(re.search(rf"\b{ch}: \[[^\]]*'{re.escape(s)}'", ack) is not None,
                  f"subscription reply does not list {s} under {ch}: {ack!r}")
    check(not problems, f"{len(problems)} bad stream message(s): " + collapse(problems, 8))
    for ch in ("trades", "quotes") + (("bars",) if args.expect_bars else ()):
        miss = [s for s in syms if counts[ch][s] == 0]
        check(not miss, f"no {ch} received within {args.seconds}s for {miss} (got {dict(counts[ch])}){diag()}")
    check(stop_error is None, f"StockDataStream.stop() raised {stop_error!r}")
    check(stopped, f"stream thread still running {args.stop_timeout}s after stop()")

    lag_txt = ""
    if lags:
        lags.sort()
        lag_txt = f", event-time lag p50={lags[len(lags) // 2]:.3f}s p99={lags[int(len(lags) * 0.99)]:.3f}s"
    first_txt = f", first data after {first_at[0] - t_start:.2f}s" if first_at else ""
    summary.append(
        f"stream: {ran_for:.1f}s, trades {dict(counts['trades'])}, quotes {dict(counts['quotes'])}, "
        f"bars {dict(counts['bars'])}{first_txt}{lag_txt}, {len(sub_acks)} subscription reply, "
        f"{len(warnings)} SDK warnings, stopped cleanly"
    )


# --------------------------------------------------------------------------- #
# main
# --------------------------------------------------------------------------- #


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        description="Black-box check of finstream's Alpaca-compatible API with the official alpaca-py SDK",
    )
    ap.add_argument("--rest", default="http://127.0.0.1:8080",
                    help="REST base URL; the SDK appends /v2/... and /v1beta1/... (no trailing slash)")
    ap.add_argument("--stream", default="ws://127.0.0.1:8080/v2/iex", help="full WebSocket URL of the stock stream")
    ap.add_argument("--key", default=os.environ.get("FINSTREAM_KEY_ID") or "test",
                    help="API key id (default: $FINSTREAM_KEY_ID, else 'test')")
    ap.add_argument("--secret", default=os.environ.get("FINSTREAM_SECRET") or "test",
                    help="API secret (default: $FINSTREAM_SECRET, else 'test')")
    ap.add_argument("--symbols", nargs="+", default=["AAPL", "MSFT"], help="stock symbols (default AAPL MSFT)")
    ap.add_argument("--only", action="append", choices=["rest", "options", "stream"],
                    help="run only this part (repeatable); default: all")
    ap.add_argument("--feed", default=None, choices=[f.value for f in DataFeed],
                    help="feed= query parameter for REST calls (default: not sent)")
    # rest
    ap.add_argument("--timeframe", type=parse_timeframe, default=TimeFrame.Minute, help="bars timeframe, default 1Min")
    ap.add_argument("--bars-start", type=parse_time, default=None, help="RFC 3339 start of bars window")
    ap.add_argument("--bars-end", type=parse_time, default=None, help="RFC 3339 end of bars window (default: now)")
    ap.add_argument("--bars-days", type=float, default=7.0, help="window length when --bars-start is not given")
    ap.add_argument("--bars-limit", type=int, default=None,
                    help="total limit for the multi-page bars call (default: none, i.e. the whole window)")
    ap.add_argument("--min-pages", type=int, default=2, help="required HTTP page requests for the bars call")
    ap.add_argument("--max-requests", type=int, default=500, help="abort one SDK call after this many HTTP requests")
    ap.add_argument("--http-timeout", type=float, default=30.0, help="per HTTP request timeout, seconds")
    ap.add_argument("--clock-skew", type=float, default=5.0, help="allowed future skew of timestamps, seconds")
    ap.add_argument("--allow-crossed", action="store_true", help="do not fail on ask < bid")
    # options
    ap.add_argument("--underlying", default=None, help="option chain underlying (default: first --symbols)")
    # stream
    ap.add_argument("--seconds", type=float, default=20.0, help="how long to stream")
    ap.add_argument("--expect-bars", action="store_true", help="require at least one bar per symbol")
    ap.add_argument("--stop-timeout", type=float, default=15.0, help="seconds allowed for a clean stop")
    ap.add_argument("-v", "--verbose", action="store_true", help="show the SDK's own log output")
    return ap


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    if args.verbose:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    else:
        # keep the SDK's expected warnings (e.g. reconnects) off the console; they are captured
        logging.getLogger("alpaca").propagate = False
    args.rest = args.rest.rstrip("/")  # RESTClient builds base_url + "/" + version + path
    args.symbols = [s.upper() for s in args.symbols]
    if args.bars_limit is not None and args.bars_limit < 1:
        print("sdk_check: --bars-limit must be >= 1", file=sys.stderr)
        return 2
    parts = sorted(set(args.only or ["rest", "options", "stream"]), key=["rest", "options", "stream"].index)
    runners = {"rest": check_rest, "options": check_options, "stream": check_stream}

    failures: List[Tuple[str, str]] = []
    summary: List[str] = []
    for part in ["rest", "options", "stream"]:
        if part not in parts:
            continue
        t0 = time.monotonic()
        step("")
        try:
            runners[part](args, summary)
            print(f"PASS {part} ({time.monotonic() - t0:.1f}s)", flush=True)
        except CheckFailed as exc:
            failures.append((part, str(exc)))
            print(f"FAIL {part}: {exc}", flush=True)
        except APIError as exc:
            # SDK: non-2xx other than retried 429/504 -> APIError(body text, HTTPError)
            failures.append((part, f"API error HTTP {exc.status_code}: {exc}"))
            print(f"FAIL {part}: {_STEP['name']}: API error HTTP {exc.status_code} from "
                  f"{getattr(exc.request, 'url', '?')}: {exc}", flush=True)
        except requests.RequestException as exc:
            failures.append((part, f"HTTP transport error: {exc}"))
            print(f"FAIL {part}: {_STEP['name']}: HTTP transport error: {exc}", flush=True)
        except Exception as exc:  # noqa: BLE001 - SDK parse errors (pydantic ValidationError, KeyError, ...)
            failures.append((part, f"{type(exc).__name__}: {exc}"))
            where = f" in {_STEP['name']}" if _STEP["name"] else ""
            print(f"FAIL {part}: SDK raised {type(exc).__name__}{where} (response not accepted by the SDK): {exc}",
                  flush=True)

    print("\nsummary:")
    for line in summary:
        print(f"  {line}")
    n_pass = len(parts) - len(failures)
    print(f"sdk_check: {n_pass} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

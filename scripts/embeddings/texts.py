"""The 100 texts of the embedding equality check (financial and general, short and long,
several over 256 word pieces so truncation is compared too), written with their
vectors to analytics/tests/golden/embeddings/minilm.json by minilm_golden.py."""

SHORT = [
    "",
    "AAPL",
    "Buy.",
    "$TSLA to the moon 🚀🚀",
    "EPS beat by $0.12; revenue in line.",
    "The Federal Reserve left the federal funds rate unchanged at 5.25%–5.50%.",
    "NVDA Q3 FY2025 revenue: $35.1B (+94% y/y).",
    "What is the implied volatility of the SPY 450 call expiring Friday?",
    "Dividend yield 3.4%, payout ratio 61%, ex-date 2024-03-14.",
    "The ﬁnancial oﬃcer signed the ﬁling.",
    "Brent crude rose 2% after OPEC+ extended output cuts.",
    "10-K: Item 1A. Risk Factors",
    "Net interest margin compressed 14 bps quarter over quarter.",
    "hello world",
    "The quick brown fox jumps over the lazy dog.",
    "It was the best of times, it was the worst of times.",
    "How do I reset my password?",
    "Photosynthesis converts light energy into chemical energy.",
    "Paris is the capital of France.",
    "Water boils at 100 °C at sea level.",
    "Ünïcödé äccents and naïve café façades.",
    "東京証券取引所は日本最大の証券取引所です。",
    "La Banque centrale européenne a relevé ses taux directeurs.",
    "Die Inflation im Euroraum sank im Mai auf 2,6 Prozent.",
    "El peso mexicano se apreció frente al dólar.",
    "MARKET CLOSED EARLY DUE TO HOLIDAY",
    "q2 earnings call transcript, operator instructions",
    "<p>Revenue <b>grew</b> 8%</p>",
    "https://example.com/investor-relations/annual-report-2024.pdf",
    "def sharpe(r, rf): return (r.mean() - rf) / r.std()",
    "1,234,567.89 USD",
    "Call: strike 150, delta 0.52, gamma 0.031, vega 0.18, theta -0.07",
    "Goldman Sachs upgraded Microsoft to Buy with a $500 price target.",
    "Bitcoin fell below $60,000 as ETF outflows accelerated.",
    "Treasury yields inverted: the 2-year exceeded the 10-year by 40 bps.",
    "The company announced a $10 billion share repurchase program.",
    "Moody's downgraded the issuer to Baa3 with a negative outlook.",
    "Gross margin: 45.2% vs. 43.8% a year ago.",
    "The S&P 500 closed at a record high of 5,308.",
    "Unemployment ticked up to 3.9% in April.",
    "I love hiking in the mountains on weekends.",
    "The recipe calls for two cups of flour and a pinch of salt.",
    "Shakespeare wrote Hamlet around 1600.",
    "The meeting has been moved to Thursday at 3 pm.",
    "Tabs\tand\nnewlines\n\nin the middle.",
    "   leading and trailing spaces   ",
    "!!! ??? ... ---",
    "a b c d e f g h i j k l m n o p",
    "Supercalifragilisticexpialidocious antidisestablishmentarianism",
    "The stock split 4-for-1 effective August 31.",
]

MEDIUM = [
    "Apple Inc. reported quarterly revenue of $94.9 billion, up 6 percent year over year, and "
    "quarterly earnings per diluted share of $1.64. Services revenue reached an all-time high.",
    "The central bank signalled that further tightening may be appropriate if inflation does "
    "not return sustainably to its 2 percent objective, citing strong labour markets.",
    "In our base case we expect mid-single-digit organic growth, margin expansion from mix, and "
    "free cash flow conversion above 100 percent, supporting continued buybacks.",
    "Credit spreads on high-yield bonds widened by 75 basis points over the month as defaults "
    "in the retail and real estate sectors rose above their long-term average.",
    "Implied volatility skew steepened into the earnings release, with 25-delta puts trading "
    "six vols over calls, a sign that investors were hedging downside risk.",
    "The acquisition, valued at $68.7 billion in an all-cash transaction, is expected to close "
    "in fiscal year 2023 subject to regulatory review and shareholder approval.",
    "Our liquidity position remains strong, with $12.4 billion in cash and equivalents and an "
    "undrawn revolving credit facility of $5 billion maturing in 2028.",
    "Foreign exchange headwinds reduced reported revenue growth by approximately 3 percentage "
    "points, primarily due to the strengthening of the U.S. dollar against the yen and euro.",
    "The board declared a quarterly cash dividend of $0.25 per share, payable on May 16 to "
    "shareholders of record as of the close of business on May 13.",
    "Semiconductor inventories normalised faster than expected, and lead times for analog "
    "parts fell to pre-pandemic levels, pointing to an early-cycle recovery.",
    "Forward-looking statements involve risks and uncertainties that could cause actual results "
    "to differ materially, including changes in economic conditions and competition.",
    "The Black-Scholes model assumes constant volatility and interest rates, lognormal prices, "
    "no dividends and frictionless markets, assumptions that rarely hold in practice.",
    "A mountain stream winds through the valley, past pine forests and meadows filled with "
    "wildflowers, before joining the river that flows to the sea.",
    "The library will be closed for renovations from June through August; during that time "
    "books can be returned at the community centre on Main Street.",
    "Researchers found that regular exercise improves sleep quality, mood and memory, even in "
    "adults who begin training late in life.",
    "To install the package, run the setup script, then restart your terminal so that the new "
    "environment variables take effect.",
    "The orchestra performed Beethoven's Ninth Symphony to a sold-out hall, and the audience "
    "gave a standing ovation that lasted several minutes.",
    "Tesla delivered 466,140 vehicles in the second quarter, beating consensus estimates of "
    "445,000, as price cuts in China lifted demand.",
    "JPMorgan Chase's net interest income rose 34% to $21.9 billion, boosted by higher rates "
    "and the First Republic acquisition.",
    "The euro area economy stagnated in the fourth quarter as manufacturing contracted for the "
    "eighteenth consecutive month.",
]

PARAGRAPH = (
    "Management's discussion and analysis: Net revenue increased 12% to $4.21 billion, driven by "
    "higher volumes in our payments segment and favourable pricing in software subscriptions. "
    "Operating expenses grew 7%, reflecting investments in research and development and sales "
    "capacity, partially offset by lower restructuring charges. Operating margin expanded 180 "
    "basis points to 27.4%. Diluted earnings per share were $2.15 compared with $1.79 in the "
    "prior-year period. Cash flow from operations was $1.3 billion and capital expenditures "
    "were $210 million. We returned $900 million to shareholders through dividends and share "
    "repurchases. "
)

GENERAL_PARAGRAPH = (
    "The history of the printing press begins in the fifteenth century, when Johannes "
    "Gutenberg combined movable metal type, oil-based inks and a wooden press adapted from "
    "those used for wine. Books became cheaper, literacy spread, and ideas travelled across "
    "Europe faster than ever before. Scholars argue about how much the press caused the "
    "Reformation and the scientific revolution, but few doubt that it changed them. "
)

LONG = [
    PARAGRAPH * 2,
    PARAGRAPH * 4,
    GENERAL_PARAGRAPH * 3,
    GENERAL_PARAGRAPH * 6,
    " ".join(f"Ticker {s} closed at {100 + i * 3.7:.2f} dollars." for i, s in enumerate(
        ["AAPL", "MSFT", "GOOG", "AMZN", "NVDA", "META", "TSLA", "JPM", "V", "XOM",
         "UNH", "JNJ", "WMT", "PG", "MA", "HD", "CVX", "ABBV", "KO", "PEP",
         "AVGO", "COST", "MRK", "ADBE", "CRM", "NFLX", "AMD", "INTC", "ORCL", "CSCO"])),
    "Risk factors. " + "Our results may fluctuate significantly due to factors beyond our control, "
    "including macroeconomic conditions, interest rates, currency movements, supply chain "
    "disruptions, cybersecurity incidents, litigation and changes in tax law. " * 8,
    "word " * 400,
    "😀 " * 120,
    "日本の株式市場は上昇し、日経平均株価は史上最高値を更新しました。" * 12,
    "The quarterly report, which runs to more than two hundred pages, covers revenue by "
    "segment, geography and product line; reconciles non-GAAP measures to their GAAP "
    "equivalents; describes legal proceedings, controls and procedures; and includes the "
    "audited financial statements with notes on leases, goodwill, income taxes, derivatives, "
    "pensions, stock-based compensation, commitments and contingencies, segment information, "
    "subsequent events and related-party transactions, followed by exhibits, certifications "
    "of the chief executive and chief financial officers, and the auditor's report on the "
    "effectiveness of internal control over financial reporting. " * 2,
]

# Fill to exactly 100 with mid-length generated variations (still varied wording).
SUBJECTS = ["Revenue", "Free cash flow", "Operating margin", "Net income", "Backlog",
            "Subscriber growth", "Same-store sales", "Loan growth", "Capex", "Guidance"]
VERBS = ["rose", "fell", "was flat", "beat expectations", "missed estimates"]
CONTEXTS = ["in Europe", "for the full year", "in the cloud segment", "despite FX headwinds",
            "after the merger"]


def texts() -> list[str]:
    out = SHORT + MEDIUM + LONG
    i = 0
    while len(out) < 100:
        s, v, c = SUBJECTS[i % 10], VERBS[(i * 3) % 5], CONTEXTS[(i * 7) % 5]
        out.append(f"{s} {v} {c}, the company said on its call with analysts ({i + 1}).")
        i += 1
    assert len(out) == 100 and len(set(out)) == 100
    return out

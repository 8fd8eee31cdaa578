#!/usr/bin/env python3
"""Writes the retrieval evaluation corpus: 20 research notes as PDFs and 80 questions, each
with the page that answers it, into analytics/tests/golden/retrieval/.

    ~/.cache/finstream/venv/bin/pip install fpdf2      # PyPI
    ~/.cache/finstream/venv/bin/python scripts/retrieval/make_corpus.py

The PDFs look like the documents analysts upload: a running header and a "Page n of N"
footer on every page, a two-column page, a table, text set with typographic ligatures
(U+FB01 "ﬁ", U+FB02 "ﬂ"... as typesetters emit them; the embedded TrueType font maps them
back through its ToUnicode table), and distractor prose shared by all notes so that the
answer has to be found by company and topic. Deterministic: same script, same files
(fpdf2's creation date is pinned). Needs DejaVu Sans (Debian: fonts-dejavu-core)."""

import json
import pathlib
import random
from datetime import datetime, timezone

from fpdf import FPDF

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "analytics" / "tests" / "golden" / "retrieval"
FONT_DIR = pathlib.Path("/usr/share/fonts/truetype/dejavu")

COMPANIES = [
    # name, ticker, exchange, sector, segment, product, risk
    ("Northwind Semiconductors", "NWSC", "NASDAQ", "semiconductors", "data-center", "AI accelerators", "export controls on advanced chips to China"),
    ("Harbor Point Bancorp", "HPBC", "NYSE", "regional banking", "commercial lending", "small-business loans", "commercial real estate loan losses"),
    ("Aldergrove Retail", "ALGR", "NYSE", "apparel retail", "e-commerce", "private-label clothing", "weak discretionary spending by younger shoppers"),
    ("Bluefin Energy", "BFEN", "NYSE", "oil and gas", "upstream", "Permian Basin crude", "a sustained fall in oil prices below $60"),
    ("Cedar Ridge Pharmaceuticals", "CRPH", "NASDAQ", "biotechnology", "oncology", "a lung-cancer antibody", "a failed phase 3 trial"),
    ("Summit Cloud Software", "SMCS", "NASDAQ", "enterprise software", "subscription", "a data-warehouse platform", "customers optimising their cloud spending"),
    ("Ironbridge Industrials", "IRBI", "NYSE", "industrial machinery", "aftermarket services", "mining excavators", "a slowdown in global mining capital spending"),
    ("Lakeshore Utilities", "LKSU", "NYSE", "electric utilities", "regulated transmission", "grid upgrades", "an unfavourable rate case decision"),
    ("Meridian Airlines", "MRDA", "NYSE", "airlines", "premium cabin", "transatlantic routes", "jet fuel price spikes"),
    ("Quarry Lane Homes", "QLHM", "NYSE", "homebuilding", "entry-level homes", "suburban townhouses", "mortgage rates staying above 7 percent"),
    ("Redwood Payments", "RWPY", "NASDAQ", "payments", "merchant acquiring", "point-of-sale terminals", "interchange fee regulation"),
    ("Silverline Media", "SLMD", "NASDAQ", "streaming media", "advertising tier", "original series", "subscriber churn after price increases"),
    ("Tidewater Logistics", "TDWL", "NYSE", "freight and logistics", "intermodal", "container shipping contracts", "a freight recession"),
    ("Granite Peak Insurance", "GPKI", "NYSE", "property insurance", "catastrophe reinsurance", "homeowners policies in coastal states", "hurricane losses above the modelled level"),
    ("Orchard Foods", "ORFD", "NYSE", "packaged food", "snacks", "plant-based snack bars", "cocoa and sugar cost inflation"),
    ("Vantage Medical Devices", "VMDV", "NYSE", "medical devices", "cardiology", "a leadless pacemaker", "a product recall"),
    ("Kestrel Automotive", "KSTA", "NASDAQ", "electric vehicles", "battery packs", "a compact electric SUV", "battery cell supply shortages"),
    ("Pinecrest REIT", "PNCR", "NYSE", "real estate investment trusts", "data-center leasing", "hyperscale campuses", "rising vacancy in office properties"),
    ("Copperfield Mining", "CPFM", "NYSE", "copper mining", "Chilean operations", "copper concentrate", "water restrictions at the Chilean mine"),
    ("Atlas Telecom", "ATTC", "NYSE", "telecommunications", "fibre broadband", "gigabit home internet", "price competition from cable operators"),
]

LIGATURES = {"ffi": "\ufb03", "ffl": "\ufb04", "ff": "\ufb00", "fi": "\ufb01", "fl": "\ufb02"}

FILLER = [
    "Our estimates are based on public ﬁlings, management commentary and channel checks, and they may change as new information becomes available.",
    "We continue to monitor working capital, which tends to swing with the seasonality of the business and can distort quarterly cash ﬂow.",
    "The macroeconomic backdrop remains mixed, with resilient employment offset by tighter credit conditions and slower global trade.",
    "Valuation multiples across the sector have compressed over the past year as investors rotated toward defensive names.",
    "Management reiterated its commitment to a disciplined capital allocation framework balancing reinvestment and shareholder returns.",
    "Consensus expectations appear to embed a modest recovery in the second half, which we view as achievable but not conservative.",
    "We note that one-time items affected the reported results, and we present adjusted ﬁgures that exclude restructuring charges.",
    "Competitive intensity has increased as new entrants price aggressively to win share in the core markets.",
    "The company's disclosure has improved, with more detail on segment proﬁtability and on the drivers of operating eﬃciency.",
    "Foreign-exchange movements remain a source of volatility for reported results given the international revenue mix.",
    "Our model assumes a stable tax rate and no material acquisitions beyond those already announced.",
    "Investor sentiment toward the group has been cautious, and short interest has risen modestly since the last earnings report.",
]


def ligate(text: str) -> str:
    for plain, lig in LIGATURES.items():
        text = text.replace(plain, lig)
    return text


def facts(i: int, company) -> dict:
    """The four facts of a note, one per page, and a question for each."""
    name, ticker, exchange, sector, segment, product, risk = company
    rng = random.Random(i)
    target = rng.randint(30, 400)
    rating = rng.choice(["Buy", "Outperform", "Overweight", "Hold"])
    seg_rev = round(rng.uniform(0.4, 9.5), 2)
    seg_growth = rng.randint(3, 45)
    cash = round(rng.uniform(0.5, 12.0), 1)
    debt = round(rng.uniform(1.0, 20.0), 1)
    buyback = rng.choice([250, 500, 750, 1000, 1500, 2000])
    guide_lo = rng.randint(2, 8)
    return {
        1: (f"We rate {name} ({exchange}: {ticker}) {rating} with a twelve-month price target of ${target} per share, "
            f"reﬂecting our view that the market underestimates its position in {sector}.",
            [f"What price target does the note set for {name}?",
             f"Which rating did the analyst give {ticker} stock?"]),
        2: (f"The {segment} segment of {name} generated revenue of ${seg_rev} billion in the quarter, up {seg_growth}% "
            f"from a year earlier, driven by demand for {product}.",
            [f"How much revenue did {name}'s {segment} segment bring in?",
             f"What drove growth in the {segment} business at {ticker}?"]),
        3: (f"{name} ended the quarter with ${cash} billion of cash and ${debt} billion of total debt, and the board "
            f"authorised a new ${buyback} million share repurchase programme.",
            [f"How much cash and debt did {name} have at quarter end?",
             f"How large is the share buyback {ticker} announced?"]),
        4: (f"The main risk to our thesis on {name} is {risk}; management guided to revenue growth of {guide_lo}% to "
            f"{guide_lo + 3}% for the next ﬁscal year.",
            [f"What is the biggest risk to the investment case for {name}?",
             f"What revenue growth guidance did {ticker} management give for next year?"]),
    }


class Note(FPDF):
    def __init__(self, company, pages: int):
        super().__init__(format="Letter")
        self.company = company
        self.total = pages
        self.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_auto_page_break(True, margin=20)
        self.set_creation_date(datetime(2024, 11, 4, tzinfo=timezone.utc))

    def header(self):
        self.set_font("DejaVu", "", 8)
        self.cell(0, 6, f"{self.company[0]} | Equity Research | Q3 2024", align="L")
        self.ln(10)

    def footer(self):
        self.set_y(-14)
        self.set_font("DejaVu", "", 8)
        self.cell(0, 6, f"Page {self.page_no()} of {self.total}", align="C")


def paragraph(pdf: FPDF, text: str, size=10):
    pdf.set_font("DejaVu", "", size)
    pdf.multi_cell(0, 5, ligate(text))
    pdf.ln(2)


def heading(pdf: FPDF, text: str):
    pdf.set_font("DejaVu", "B", 12)
    pdf.cell(0, 8, text)
    pdf.ln(10)


def write_note(i: int, company, path: pathlib.Path) -> list[dict]:
    name, ticker, exchange, sector, segment, product, risk = company
    f = facts(i, company)
    rng = random.Random(100 + i)
    filler = lambda k: " ".join(rng.sample(FILLER, k))
    pdf = Note(company, pages=4)
    pdf.set_title(f"{name}: Q3 2024 research note")
    pdf.set_author("Finstream Research Desk")

    pdf.add_page()
    pdf.set_font("DejaVu", "B", 16)
    pdf.multi_cell(0, 9, f"{name} ({ticker}): Q3 2024 research note")
    pdf.set_font("DejaVu", "", 9)
    pdf.cell(0, 6, "By Finstream Research Desk, November 4, 2024")
    pdf.ln(10)
    heading(pdf, "Summary")
    paragraph(pdf, f"{name} operates in {sector}. " + filler(3))
    paragraph(pdf, f[1][0])
    paragraph(pdf, filler(3))

    pdf.add_page()
    heading(pdf, "Segment results")
    # Two columns: the segment discussion flows from the left column into the right one.
    with pdf.text_columns(ncols=2, gutter=8, balance=True) as cols:
        pdf.set_font("DejaVu", "", 10)
        cols.write(ligate(filler(3) + " " + f[2][0] + " " + filler(4)))

    pdf.add_page()
    heading(pdf, "Balance sheet and capital returns")
    paragraph(pdf, filler(2))
    paragraph(pdf, f[3][0])
    pdf.set_font("DejaVu", "", 9)
    with pdf.table(col_widths=(60, 40, 40)) as table:
        for row in [("Item", "Q3 2024", "Q3 2023"),
                    ("Operating cash ﬂow ($m)", str(rng.randint(100, 3000)), str(rng.randint(100, 3000))),
                    ("Capital expenditure ($m)", str(rng.randint(50, 900)), str(rng.randint(50, 900)))]:
            r = table.row()
            for cell in row:
                r.cell(cell)
    pdf.ln(4)
    paragraph(pdf, filler(2))

    pdf.add_page()
    heading(pdf, "Risks and outlook")
    paragraph(pdf, filler(2))
    paragraph(pdf, f[4][0])
    paragraph(pdf, filler(3))
    paragraph(pdf, "This report is for information only and is not investment advice.", size=8)
    pdf.output(str(path))

    return [{"document": path.name, "question": q, "page": page}
            for page, (_, questions) in f.items() for q in questions]


def main() -> None:
    docs = OUT / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    questions = []
    for i, company in enumerate(COMPANIES):
        path = docs / f"{company[1].lower()}-q3-2024.pdf"
        questions += write_note(i, company, path)
    (OUT / "questions.json").write_text(json.dumps(questions, indent=1, ensure_ascii=False) + "\n")
    size = sum(p.stat().st_size for p in docs.iterdir())
    print(f"wrote {len(COMPANIES)} PDFs ({size} bytes) and {len(questions)} questions to {OUT}")


if __name__ == "__main__":
    main()

"""
Seed-like source documents for the importer benchmark.

`documents(n, seed)` yields (file name, bytes) pairs shaped like the bundled
sources and the shapes the importer supports: a title line or none, short headings
and long paragraphs, a `Q:`/`A:`, `Q.`/`A.` or "?"-line FAQ block, a repeated
article, page chrome, misspelt treatment names, CRLF line endings and the odd
cp1252 or UTF-16 file. Sentences are stitched from the bundled sources so the text
looks like the clinic's real writing. Deterministic for a given seed.
"""

import random
import re
from pathlib import Path

SOURCES_DIR = Path(__file__).resolve().parent.parent / "sources"

NAMES = {
    "microdermabrasion": [
        "microdermabrasion",
        "Microdermabrasion",
        "micodermabrasion",
        "microderm abrasian",
        "Micro Derma Brasion",
        "microdermal abrasion",
        "microderm",
    ],
    "microneedling": [
        "microneedling",
        "Microneedling",
        "micro needling",
        "micro-needling",
        "collagen induction therapy",
        "derma roller",
    ],
}
TOPICS = ["Stretch Marks", "Acne Scars", "Fine Lines", "Body Scars", "Dull Skin"]
HEADINGS = [
    "How {name} Works",
    "What to Expect During and After Treatment",
    "Preparing for {name} Treatment",
    "Is {name} Right for You?",
    "The Science Behind {name}",
    "Clinical Evidence and Patient Outcomes",
    "Aftercare and Recovery",
    "Conclusion",
]
QUESTIONS = [
    ("How many {name} sessions do I need?", "Best results come after 6 to 12 "
     "professional sessions, usually spaced 4-6 weeks apart."),
    ("Does {name} hurt?", "Most patients find the process to be painless and "
     "experience minimal discomfort."),
    ("Can I have {name} while nursing?", "This procedure is not recommended for "
     "pregnant and nursing women because hormonal changes may reduce its effect."),
    ("When does redness from {name} fade?", "Redness following {name} fades in a "
     "few hours after the procedure."),
    ("Is {name} safe after a chemical peel?", "You should not have {name} if you "
     "have had a chemical peel in the last 14 days because it is too aggressive."),
    ("How long does a {name} session take?", "The procedure can take from 15 to 60 "
     "minutes from start to finish."),
]  # fmt: skip
CHROME = [
    "Post a Comment",
    ". BELLEMOCHA.com Theme by STS.",
    "Get updated with beauty resources, tips, and news",
    "top of page",
    "Read more",
]


def _sentences():
    text = " ".join(p.read_text("utf-8") for p in sorted(SOURCES_DIR.glob("*.txt")))
    text = text.replace("\u00a0", " ")
    found = re.split(r"(?<=[.!?])\s+(?=[A-Z])", text)
    return [s.strip() for s in found if 60 <= len(s.strip()) <= 300 and "\n" not in s]


def documents(n, seed=3):
    """Yield `n` (file name, bytes) pairs."""
    rng = random.Random(seed)
    pool = _sentences()

    def paragraph(treatment):
        name = rng.choice(NAMES[treatment])
        chosen = rng.sample(pool, rng.randint(3, 6))
        chosen.insert(rng.randrange(len(chosen)), f"Many patients ask about {name}.")
        return " ".join(chosen)

    for i in range(n):
        treatment = rng.choice(list(NAMES))
        name = rng.choice(NAMES[treatment])
        topic = rng.choice(TOPICS)
        lines = []
        shape = i % 5
        if shape != 2:
            title = f"{name.title()} for {topic} (part {i})"
            lines += [title, ""]
            if shape == 4:
                lines += [title, "", "Skin Care"]
        lines += [paragraph(treatment), ""]
        sections = rng.sample(HEADINGS, rng.randint(2, 5))
        copies = 2 if shape == 2 else 1
        for _ in range(copies):
            for heading in sections:
                lines += [heading.format(name=name.title()), ""]
                for _ in range(rng.randint(1, 3)):
                    lines += [paragraph(treatment), ""]
        if shape in (0, 3):
            lines += ["Frequently Asked Questions", ""]
            style = rng.choice(["Q:", "Q.", "?"])
            for question, answer in rng.sample(QUESTIONS, rng.randint(3, 6)):
                q = question.format(name=rng.choice(NAMES[treatment]))
                a = answer.format(name=rng.choice(NAMES[treatment]))
                if style == "?":
                    lines += [q[:1].upper() + q[1:], "", a, ""]
                else:
                    answer_prefix = style.replace("Q", "A")
                    lines += [f"{style} {q}", "", f"{answer_prefix} {a}", ""]
        if rng.random() < 0.3:
            lines += ["Here's a list of possible treatments:", ""]
        lines += rng.sample(CHROME, 2)
        newline = "\r\n" if i % 7 == 0 else "\n"
        text = newline.join(lines)
        if i % 50 == 1:
            data = text.encode("utf-16")
        elif i % 20 == 3:
            data = text.replace("'", "\u2019").encode("cp1252")
        else:
            data = text.replace(" ", "\u00a0", 3).encode("utf-8")
        yield f"{i:05d}_bench.txt", data

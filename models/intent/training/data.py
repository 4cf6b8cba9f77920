"""Builds Moneta's intent corpus (BANKING77 + CLINC150 mappings + Moneta's own utterances) and its seeded splits.

Split policy (documented in docs/nlu.md):
- BANKING77 train.csv and Moneta's own utterances: stratified, seeded 85/15 train/validation split.
- CLINC150: its OWN official split is kept, never re-shuffled: `train`/`oos_train` feed training only and
  `val`/`oos_val` feed validation only, so nothing from CLINC's validation leaks into training.
- out_of_scope = CLINC oos (generic) + a fixed subsample of intents from CLINC domains a bank assistant does not serve.
"""
from __future__ import annotations

import csv
import json
import os
import random
import re
from collections import defaultdict
from pathlib import Path

SEED = 1234
VAL_FRACTION = 0.15
HERE = Path(__file__).resolve().parent
DATA_DIR = HERE.parent / "data"

# CLINC150 intent -> Moneta intent (CONTRACTS §3).
CLINC_MAP = {
    "greeting": "greet",
    "goodbye": "goodbye",
    "thank_you": "thank_you",
    "are_you_a_bot": "bot_challenge",
    "what_can_i_ask_you": "capabilities",
    "yes": "affirm",
    "no": "deny",
}

# CLINC150 intents a bank assistant does not serve -> out_of_scope. Chosen domain by domain; excluded on purpose:
# - the whole `banking` and `credit_cards` domains (they overlap BANKING77 and Moneta's own intents);
# - travel/exchange_rate (= BANKING77 exchange_rate) and travel/travel_notification (a card/bank request);
# - utility/definition ("define inflation" is financial_education);
# - work/{payday, taxes, income, rollover_401k, w2, direct_deposit} (money questions a bank assistant may meet);
# - small_talk identity questions (who_made_you, who_do_you_work_for, what_is_your_name) close to bot_challenge;
# - meta/{cancel, repeat, maybe} (dialogue acts the dialogue engine handles) and yes/no (mapped above).
OOS_DOMAIN_INTENTS = {
    "kitchen_and_dining": "*",
    "home": "*",
    "auto_and_commute": "*",
    "utility": ["weather", "alarm", "date", "find_phone", "share_location", "timer", "make_call", "calculator",
                "measurement_conversion", "flip_coin", "spelling", "time", "roll_dice", "text"],
    "travel": ["plug_type", "translate", "flight_status", "international_visa", "timezone", "travel_suggestion",
               "travel_alert", "vaccines", "lost_luggage", "book_flight", "book_hotel", "carry_on", "car_rental"],
    "work": ["pto_request_status", "next_holiday", "insurance_change", "insurance", "meeting_schedule", "pto_balance",
             "pto_request", "schedule_meeting", "pto_used"],
    "small_talk": ["meaning_of_life", "do_you_have_pets", "what_are_your_hobbies", "fun_fact", "where_are_you_from",
                   "tell_joke", "how_old_are_you"],
    "meta": ["change_speed", "user_name", "whisper_mode", "change_volume", "change_language", "change_accent",
             "sync_device", "change_user_name", "change_ai_name", "reset_settings"],
}
OOS_TRAIN_PER_INTENT = 30  # of CLINC's 100 `train` rows per out-of-scope intent
OOS_VAL_PER_INTENT = 8  # of CLINC's 20 `val` rows per out-of-scope intent

OWN_INTENTS = ["credit_risk_assessment", "portfolio_advice", "financial_education", "human_handoff"]


def datasets_dir() -> Path:
    env = os.environ.get("MONETA_DATASETS_DIR")
    return Path(env) if env else HERE.parents[2].parent / "shared" / "datasets"


def _stratified_split(rows: list[dict], rng: random.Random) -> tuple[list[dict], list[dict]]:
    by_label: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_label[r["intent"]].append(r)
    train, val = [], []
    for label in sorted(by_label):
        items = by_label[label][:]
        rng.shuffle(items)
        n_val = max(1, round(len(items) * VAL_FRACTION)) if len(items) >= 4 else 0
        val += items[:n_val]
        train += items[n_val:]
    return train, val


def load_banking77(root: Path) -> list[dict]:
    # Real CSV parser: 10 fields hold newlines and 1,352 hold commas/quotes (SOURCE.md).
    with open(root / "banking77" / "train.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [{"text": r["text"], "intent": r["category"], "source": "banking77"} for r in rows]


def load_own() -> list[dict]:
    rows = []
    for intent in OWN_INTENTS:
        for line in (DATA_DIR / f"{intent}.txt").read_text(encoding="utf-8").splitlines():
            if line.strip():
                rows.append({"text": line.strip(), "intent": intent, "source": "moneta"})
    for line in (DATA_DIR / "hard-negatives.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            o = json.loads(line)
            rows.append({"text": o["text"], "intent": o["intent"], "source": "moneta_hard_negative"})
    return rows


# Corrections analysts made in the staff console (`npx moneta console export-training` writes this file, in the
# training-only format): customer messages marked with their right intent. Training only, like training-only.jsonl.
CONSOLE_CORRECTIONS = "console-corrections.jsonl"


def load_training_only() -> list[dict]:
    """Utterances added after the validation split was fixed (written for this project, and the staff console's
    corrections): training only, so the validation split stays identical to the one every earlier experiment was
    measured on."""
    rows = []
    for name, source in (("training-only.jsonl", "moneta_training_only"), (CONSOLE_CORRECTIONS, "console_correction")):
        path = DATA_DIR / name
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                o = json.loads(line)
                rows.append({"text": o["text"], "intent": o["intent"], "source": source})
    return rows


# Moneta passages whose title is a conversational request, not a knowledge question (their intent has its own data).
KNOWLEDGE_TITLES_SKIPPED = {"mon-capabilities", "mon-is-it-a-bot", "mon-limitations", "mon-talk-to-human", "mon-what-is-moneta"}
# Alternate questions of passages about Moneta's own credit estimate and portfolio suggestion read like requests for
# them ("can you suggest a mix for my savings") — credit_risk_assessment / portfolio_advice, not financial_education —
# so those passages lend only their titles.
KNOWLEDGE_QUESTIONS_SKIPPED_PREFIXES = ("mon-credit-", "mon-portfolio-", "mon-risk-")
KNOWLEDGE_DIR = Path(__file__).resolve().parents[3] / "knowledge"
_WHAT_IS = re.compile(r"^what (?:is|are) (?:an? |the )?(.+?)\??$", re.I)


def load_knowledge_utterances() -> list[dict]:
    """Knowledge passage titles and alternate questions as training utterances (training only): titles are written as
    customers' questions, so they teach the classifier that "what's tax-loss harvesting" or "how long does Moneta keep
    my conversations" is a knowledge question (`financial_education`) rather than out of scope, and a customer-service
    title its passage's first declared intent. Each title is used as written; "What is X?" titles with a short topic also give "what's X"
    and "X explained". The knowledge question sets (knowledge/eval/) are never read."""
    import yaml

    rows = []
    for path in sorted(KNOWLEDGE_DIR.glob("*/*.md")):
        if path.parent.name == "eval" or path.name.lower() == "readme.md":
            continue
        m = re.match(r"^---\n(.*?)\n---\n", path.read_text(encoding="utf-8"), flags=re.S)
        if not m:
            continue
        meta = yaml.safe_load(m.group(1)) or {}
        title, pid = str(meta.get("title", "")).strip(), str(meta.get("id", ""))
        if not title or pid in KNOWLEDGE_TITLES_SKIPPED:
            continue
        intents = meta.get("intents") or []
        intent = intents[0] if meta.get("topic") == "customer-service" and intents else "financial_education"
        if meta.get("topic") == "customer-service" and not intents:
            continue
        texts = [title]
        w = _WHAT_IS.match(re.sub(r"[^\w\s'-]", "", title).lower().strip())
        topic = w.group(1) if w else ""
        if intent == "financial_education" and topic and len(topic.split()) <= 4 and not re.search(r"\b(and|or|vs)\b", topic):
            texts += [f"what's {topic}", f"{topic} explained"]
        rows += [{"text": t, "intent": intent, "source": "moneta_knowledge_title"} for t in dict.fromkeys(texts)]
        # The passage's alternate questions (front matter `questions`): customers' wordings of the same need, written
        # from the passages without seeing knowledge/eval/; they teach that casual banking phrasing is in scope.
        # Education passages lend their first 3 (the casual ones, as written) so that financial_education, one label
        # over ~175 passages, does not outweigh the 77 customer-service intents (~12 extra each).
        if not pid.startswith(KNOWLEDGE_QUESTIONS_SKIPPED_PREFIXES):
            questions = [str(q).strip() for q in dict.fromkeys(meta.get("questions") or []) if str(q).strip()]
            rows += [{"text": q, "intent": intent, "source": "moneta_knowledge_question"}
                     for q in questions[: None if intent != "financial_education" else 3]]
    return rows


def load_clinc(root: Path, rng: random.Random) -> tuple[list[dict], list[dict], list[str]]:
    data = json.loads((root / "clinc150" / "train.json").read_text(encoding="utf-8"))
    plus = json.loads((root / "clinc150" / "train_oos_plus.json").read_text(encoding="utf-8"))
    domains = json.loads((root / "clinc150" / "domains.json").read_text(encoding="utf-8"))
    oos_intents = []
    for domain, intents in OOS_DOMAIN_INTENTS.items():
        chosen = domains[domain] if intents == "*" else intents
        for i in chosen:
            assert i in domains[domain], (domain, i)
        oos_intents += chosen
    train, val = [], []
    for split, out in (("train", train), ("val", val)):
        per_intent: dict[str, list[str]] = defaultdict(list)
        for text, intent in data[split]:
            per_intent[intent].append(text)
        for intent in sorted(per_intent):
            texts = per_intent[intent]
            if intent in CLINC_MAP:
                out += [{"text": t, "intent": CLINC_MAP[intent], "source": "clinc150"} for t in texts]
            elif intent in oos_intents:
                k = OOS_TRAIN_PER_INTENT if split == "train" else OOS_VAL_PER_INTENT
                picked = rng.sample(texts, k)
                out += [{"text": t, "intent": "out_of_scope", "source": "clinc150_domain_oos", "clinc_intent": intent}
                        for t in picked]
    # Generic out-of-scope: the OOS+ setting's 250 oos_train rows for training (a superset of the Full setting's
    # 100), and oos_val (identical in both files) for validation only.
    train += [{"text": t, "intent": "out_of_scope", "source": "clinc150_oos"} for t, _ in plus["oos_train"]]
    val += [{"text": t, "intent": "out_of_scope", "source": "clinc150_oos"} for t, _ in data["oos_val"]]
    return train, val, oos_intents


def clinc_unlabelled_train_texts(root: Path) -> list[str]:
    """All CLINC `train` texts (no labels) — extra in-domain-ish text for MLM pre-training only."""
    data = json.loads((root / "clinc150" / "train.json").read_text(encoding="utf-8"))
    return [t for t, _ in data["train"]]


def build_splits(root: Path | None = None) -> dict:
    root = root or datasets_dir()
    rng = random.Random(SEED)
    b_train, b_val = _stratified_split(load_banking77(root), rng)
    own = load_own()
    o_train, o_val = _stratified_split([r for r in own if r["source"] == "moneta"], rng)
    hard = [r for r in own if r["source"] == "moneta_hard_negative"]
    rng.shuffle(hard)
    n_hard_val = round(len(hard) * VAL_FRACTION)
    c_train, c_val, oos_intents = load_clinc(root, rng)
    train = b_train + o_train + hard[n_hard_val:] + c_train + load_training_only() + load_knowledge_utterances()
    val = b_val + o_val + hard[:n_hard_val] + c_val
    # No validation text may appear (normalised) in training: drop exact duplicates from validation's side of train.
    val_keys = {r["text"].strip().lower() for r in val}
    leaked = [r for r in train if r["text"].strip().lower() in val_keys]
    train = [r for r in train if r["text"].strip().lower() not in val_keys]
    labels = sorted({r["intent"] for r in train})
    return {"train": train, "val": val, "labels": labels, "oos_intents": oos_intents, "dropped_duplicates": len(leaked)}


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", required=True, help="folder for train.jsonl / val.jsonl / labels.json")
    args = ap.parse_args()
    s = build_splits()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name in ("train", "val"):
        with open(out / f"{name}.jsonl", "w", encoding="utf-8") as f:
            for r in s[name]:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
    (out / "labels.json").write_text(json.dumps(s["labels"], indent=1))
    from collections import Counter

    print(json.dumps({"train": len(s["train"]), "val": len(s["val"]), "labels": len(s["labels"]),
                      "dropped_duplicates": s["dropped_duplicates"],
                      "val_by_source": Counter(r["source"] for r in s["val"]),
                      "train_by_source": Counter(r["source"] for r in s["train"])}, indent=1))

"""Fits the answer model's passage classifier: TF-IDF word + char_wb n-grams and a multinomial logistic regression
that reads a customer's message and says which knowledge-base passage it asks about, one class per passage.

Why: the retriever and the cross-encoder score each passage against the message on its own, and they confuse sibling
passages ("order a physical card" vs "get a virtual card", "exchange fees" vs "card payment fees"). A classifier that
sees every passage's questions at once learns what separates siblings (a word like "plastic" or "converting"). Its
probability for each candidate is one of the answer model's features. In cross-validation on the tuning questions it
raised right answers at about the same wrong rate from 0.750 to 0.843 (models/answer-model/training/README.md).

Training text is the knowledge base's own content only: each passage's title and its alternate questions (front
matter `questions`). No evaluation or tuning question is used, so the answer model fitted on the tuning questions
next sees honest, out-of-sample classifier probabilities.

    python3 fit_passage_classifier.py <knowledge dir> <out dir>

Writes `<out dir>/passage-classifier.json` + `passage-classifier.bin` in the `moneta-tfidf-linear/1` format that
server/nlu/tfidf-linear-model.ts serves (the same exporter as the intent ensemble's linear member), and
`passage-classifier-reference.json` for the TypeScript parity test.
"""
import json
import sys
from pathlib import Path

import numpy as np
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / 'intent' / 'training'))
from linear import DEFAULTS, export, features, fit  # noqa: E402

# Feature selection keeps the weight file small (features x passages int8); 20,000 chi2-selected n-grams lose nothing
# measurable against all of them on the tuning questions.
CONFIG = {**DEFAULTS, 'k_features': 20000, 'C': 20.0, 'max_iter': 500}


def passages(kb_dir: Path):
    """(id, title, questions) per passage, in file order."""
    out = []
    for f in sorted(kb_dir.rglob('*.md')):
        text = f.read_text(encoding='utf8')
        if not text.startswith('---'):
            continue
        fm = yaml.safe_load(text.split('---', 2)[1])
        if not isinstance(fm, dict) or 'id' not in fm:
            continue
        out.append((str(fm['id']), str(fm['title']), [str(q) for q in fm.get('questions') or []]))
    return out


def main():
    kb_dir, out = Path(sys.argv[1]), Path(sys.argv[2])
    rows = passages(kb_dir)
    labels = sorted(p[0] for p in rows)
    index = {l: i for i, l in enumerate(labels)}
    texts, y = [], []
    for pid, title, questions in rows:
        for t in [title, *questions]:
            texts.append(t.strip())
            y.append(index[pid])
    y = np.array(y)
    wv, cv, clf = fit(texts, y, CONFIG, log=lambda m: print(m, file=sys.stderr))
    assert list(clf.classes_) == list(range(len(labels))), 'every passage needs a title'
    train_acc = float((clf.predict(features(wv, cv, texts)) == y).mean())
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / '.passage-classifier-tmp'
    tmp.mkdir(exist_ok=True)
    export(tmp, wv, cv, clf, labels, CONFIG, {'training_accuracy': train_acc, 'texts': len(texts), 'passages': len(labels)})
    spec = json.loads((tmp / 'tfidf-linear.json').read_text())
    spec['description'] = ("TF-IDF word + char_wb n-grams and multinomial logistic regression over the knowledge base's "
                           "passages (one class each), trained on their titles and alternate questions; a feature of "
                           "the answer model (models/answer-model/training/fit_passage_classifier.py).")
    spec['weights']['file'] = 'passage-classifier.bin'
    (tmp / 'tfidf-linear.bin').replace(out / 'passage-classifier.bin')
    (out / 'passage-classifier.json').write_text(json.dumps(spec, ensure_ascii=False, separators=(',', ':')) + '\n')
    (tmp / 'tfidf-linear-reference.json').replace(out / 'passage-classifier-reference.json')
    (tmp / 'tfidf-linear.json').unlink()
    tmp.rmdir()
    print(f'passage classifier: {len(labels)} passages, {len(texts)} texts, training accuracy {train_acc:.3f}', file=sys.stderr)


if __name__ == '__main__':
    main()

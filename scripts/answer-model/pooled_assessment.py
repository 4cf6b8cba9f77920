"""The pooled assessment of the knowledge question sets (knowledge/eval/pooled-assessment/README.md).

The original labellers named, for most questions, one passage that answers it. Other passages often answer it too, and
a model fitted or measured on such labels calls those answers wrong. As in TREC's pooling, every passage the chat
could cite for a question (the retrieval path's five candidates, `pool-candidates.ts`) is judged by assessors who see
the question and the passage's title and body only: not the ranking, not the scores, not the original label.

    python3 pooled_assessment.py tasks1 <pool.json> <work dir> [assessors=8] [<pass-1.tsv>]
        one task file per assessor, grouped by passage (each passage read once), pairs shuffled; pairs already in
        the given pass-1 file are left out (to assess a new question set)
    python3 pooled_assessment.py tasks2 <pool.json> <pass-1.tsv> <work dir> [assessors=4] [<pass-2.tsv>]
        the second pass: every pass-1 "yes" that adds a passage, mixed with as many pass-1 "no"s (drawn at random),
        so the second assessors cannot tell which were accepted (questions already in the given pass-2 file are left
        out)
    python3 pooled_assessment.py merge <pool.json> <pass-1.tsv> <pass-2.tsv> <knowledge dir>
        writes "pooled": the passages both passes accepted, into knowledge/eval/questions-*.jsonl (original
        "relevant" labels untouched), and prints the agreement figures

Assessors follow knowledge/eval/pooled-assessment/instructions.md (TASK and OUT are their task file and output file).
"""
import collections
import json
import random
import sys
from pathlib import Path

import yaml


def passages(kb_dir):
    out = {}
    for f in sorted(Path(kb_dir).rglob('*.md')):
        if 'eval' in f.relative_to(kb_dir).parts[:1]:
            continue
        text = f.read_text(encoding='utf8')
        if not text.startswith('---'):
            continue
        _, fm, body = text.split('---', 2)
        fm = yaml.safe_load(fm)
        out[fm['id']] = (fm['title'], body.strip())
    return out


def judgments(path, pool):
    out = {}
    for line in open(path, encoding='utf8'):
        parts = line.strip().split('\t')
        if len(parts) == 3 and parts[0] in pool and parts[2] in ('yes', 'no'):
            out[(parts[0], parts[1])] = parts[2] == 'yes'
    return out


def write_tasks(pairs, pool, kb_dir, work, prefix, n, rng):
    text = passages(kb_dir)
    by = collections.defaultdict(list)
    for qid, pid in pairs:
        by[pid].append((qid, pool[qid]['question']))
    bins, load = [[] for _ in range(n)], [0] * n
    for pid, qs in sorted(by.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        i = min(range(n), key=lambda k: load[k])
        bins[i].append((pid, qs))
        load[i] += len(qs) + 10  # reading a passage costs about as much as ten judgments
    for i, b in enumerate(bins):
        d = Path(work) / f'{prefix}{i + 1}'
        d.mkdir(parents=True, exist_ok=True)
        lines = []
        for pid, qs in b:
            qs = qs[:]
            rng.shuffle(qs)
            title, body = text[pid]
            lines.append(f'=== PASSAGE {pid}\nTITLE: {title}\n\n{body}\n\n--- QUESTIONS for {pid}')
            lines += [f'[{qid}] {q}' for qid, q in qs]
            lines.append('')
        (d / 'task.txt').write_text('\n'.join(lines), encoding='utf8')
        print(f'{d}: {len(b)} passages, {sum(len(qs) for _, qs in b)} judgments')


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    kb_dir = Path(__file__).resolve().parents[2] / 'knowledge'
    if cmd == 'tasks1':
        pool = {r['id']: r for r in json.load(open(args[0]))}
        judged = judgments(args[3], pool) if len(args) > 3 else {}
        pairs = [(q, p) for q, r in pool.items() for p in r['pool'] if (q, p) not in judged]
        write_tasks(pairs, pool, kb_dir, args[1], 'h', int(args[2]) if len(args) > 2 else 8, random.Random(7))
    elif cmd == 'tasks2':
        pool = {r['id']: r for r in json.load(open(args[0]))}
        j1 = judgments(args[1], pool)
        if len(args) > 4:  # only the questions not yet in the given pass-2 file
            done = {q for q, _ in judgments(args[4], pool)}
            j1 = {k: v for k, v in j1.items() if k[0] not in done}
        added = sorted(k for k, v in j1.items() if v and k[1] not in pool[k[0]]['relevant'])
        rejected = sorted(k for k, v in j1.items() if not v and k[1] not in pool[k[0]]['relevant'])
        rng = random.Random(11)
        rng.shuffle(rejected)
        write_tasks(added + rejected[: len(added)], pool, kb_dir, args[2], 'c', int(args[3]) if len(args) > 3 else 4, rng)
    elif cmd == 'merge':
        pool = {r['id']: r for r in json.load(open(args[0]))}
        j1, j2 = judgments(args[1], pool), judgments(args[2], pool)
        kb_dir = Path(args[3])
        orig = [v for (q, p), v in j1.items() if p in pool[q]['relevant']]
        other = [v for (q, p), v in j1.items() if p not in pool[q]['relevant']]
        print(f'pass 1: {len(j1)} judgments; original labels accepted {sum(orig)}/{len(orig)}; other candidates accepted {sum(other)}/{len(other)}')
        both = collections.Counter((j1[k], v) for k, v in j2.items())
        print(f'pass 2: of pass-1 additions {both[(True, True)]} confirmed, {both[(True, False)]} not; of pass-1 rejections {both[(False, True)]} accepted, {both[(False, False)]} not')
        add = collections.defaultdict(set)
        for k, v in j2.items():
            if v and j1.get(k):
                add[k[0]].add(k[1])
        for f in sorted((kb_dir / 'eval').glob('questions-*.jsonl')):
            lines = f.read_text(encoding='utf8').split('\n')
            compact = '": ' not in lines[0]
            out, n = [], 0
            for line in lines:
                if not line.strip():
                    out.append(line)
                    continue
                r = json.loads(line)
                r.pop('pooled', None)
                ids = [p for p in pool.get(r['id'], {}).get('pool', []) if p in add.get(r['id'], ())]
                if ids:
                    r['pooled'] = ids
                    n += 1
                out.append(json.dumps(r, ensure_ascii=False, separators=(',', ':') if compact else (', ', ': ')))
            f.write_text('\n'.join(out), encoding='utf8')
            print(f'{f.name}: {n} questions gained pooled labels')
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    main()

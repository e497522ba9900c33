"""Relevance evaluation: Paperboy's ranking against two classic baselines, on
hand-labelled topics (scripts/relevance/topics.json), in one run on one store.

Run through scripts/eval-relevance (it builds the release binary first).

For each topic and mode a subscriber is added to a fresh temporary store and
`paperboy explain EMAIL --json` gives the digest (max papers 10), in order:
  keyword         the topic's query, nothing liked
  likes           no query, the topic's two liked papers ("more like this")
  likes+dislikes  the same, and two papers of other topics marked Not for me
Baselines on the same papers (read back from the store with `papers list
--json`, so every method sees the same titles and abstracts):
  fts5-bm25 (keyword)  SQLite FTS5, porter tokenizer, bm25 with title weight 3
  tfidf-svm (likes)    arxiv-sanity-lite's method: tf-idf over title +
                       abstract, LinearSVC(C=0.01, balanced), liked papers
                       positive and every other paper negative; it has no
                       notion of dislikes, so in likes+dislikes the disliked
                       papers are only dropped from its list.
Scores are held out: liked and disliked papers are removed from every list
and from the relevant set before P@5 and R@10 are computed. A benchmark that
prints numbers; it asserts nothing about them.
"""

import argparse
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEED = os.path.join(ROOT, "Sources/PaperboyPipeline/Resources/demo-corpus.json")
FIXTURES = os.path.join(ROOT, "Tests/PaperboyTestSupport/Fixtures")
# The papers are first seen at FETCHED_AT; the digests are asked for at
# ASKED_AT, inside the default 7-day window. Fixed, so every run is the same.
FETCHED_AT = "2026-11-30T06:30:00Z"
ASKED_AT = "2026-11-30T08:00:00Z"
DIGEST_SIZE = 10
MODES = ["keyword", "likes", "likes+dislikes"]
EX_UNAVAILABLE = 69

try:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC
except ImportError:
    print("eval-relevance: the tf-idf + LinearSVC baseline needs scikit-learn for "
          "/usr/bin/python3: apt-get install python3-sklearn", file=sys.stderr)
    sys.exit(EX_UNAVAILABLE)


def fail(message):
    print("eval-relevance: " + message, file=sys.stderr)
    sys.exit(1)


class Paperboy:
    """One temporary store, driven only through the `paperboy` command line."""

    def __init__(self, binary, work):
        self.binary = binary
        self.config = os.path.join(work, "paperboy.yaml")
        with open(os.path.join(work, "secret"), "wb") as f:
            f.write(os.urandom(32).hex().encode())
        os.chmod(os.path.join(work, "secret"), 0o600)
        # The corpus lives in the project: the demo corpus and the real feed
        # samples the tests use, read through the same parsers as in production.
        sources = [("seed", "json", SEED),
                   ("hf-daily", "huggingface", os.path.join(FIXTURES, "hf-daily-papers.json")),
                   ("arxiv-rss", "arxiv", os.path.join(FIXTURES, "arxiv-rss-cs.AI.xml")),
                   ("arxiv-api", "arxiv", os.path.join(FIXTURES, "arxiv-api-query.xml"))]
        with open(self.config, "w") as f:
            f.write("database: store.sqlite\nsources:\n")
            for name, kind, path in sources:
                f.write(f"  - name: {name}\n    type: {kind}\n    url: file://{path}\n")
            f.write(f"digest:\n  max_papers: {DIGEST_SIZE}\n"
                    'from: "Paperboy <digest@example.org>"\n'
                    "base_url: https://papers.example.org\nsecret_file: secret\n"
                    "smtp:\n  url: smtp://127.0.0.1:25\n  tls: none\n")

    def run(self, now, *args):
        env = dict(os.environ, PAPERBOY_NOW=now)
        done = subprocess.run([self.binary, *args, "--config", self.config],
                              env=env, capture_output=True, text=True)
        if done.returncode != 0:
            fail(f"paperboy {' '.join(args)} exited {done.returncode}: {done.stderr.strip()}")
        return done.stdout


def normalised(title):
    return re.sub(r"\s+", " ", title).strip().lower()


def paper_keys(papers):
    """Map the labels' keys (seed-NN, arXiv ids) to the store's ids: the seed
    papers have no id of their own, so they are found by title."""
    by_title = {normalised(p["title"]): p["id"] for p in papers}
    with open(SEED) as f:
        seed = json.load(f)
    keys = {}
    for n, paper in enumerate(seed):
        stored = by_title.get(normalised(paper["title"]))
        if stored is None:
            fail(f"seed-{n:02d} ({paper['title'][:60]}) is not in the store")
        keys[f"seed-{n:02d}"] = stored
    for p in papers:
        if not p["id"].startswith("title-"):
            keys[p["id"]] = p["id"]
    return keys


def fts5_ranking(papers, query):
    """Plain SQLite FTS5: porter tokenizer, bm25 with the title weighted 3."""
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, title, abstract, tokenize='porter')")
    db.executemany("INSERT INTO docs VALUES (?, ?, ?)",
                   [(p["id"], p["title"], p["abstract"]) for p in papers])
    # bm25() is lower for better matches; weights follow the column order.
    rows = db.execute("SELECT id FROM docs WHERE docs MATCH ? ORDER BY bm25(docs, 0, 3.0, 1.0), id",
                      (query,)).fetchall()
    return [r[0] for r in rows]


def svm_ranking(papers, liked):
    """arxiv-sanity-lite's recommendation: a linear SVM over tf-idf of title +
    abstract, the liked papers positive, every other paper negative, papers
    ranked by decision value (its parameters, on this corpus)."""
    texts = [p["title"] + " " + p["abstract"] for p in papers]
    features = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True,
                               stop_words="english", strip_accents="unicode").fit_transform(texts)
    labels = [1 if p["id"] in liked else 0 for p in papers]
    clf = LinearSVC(C=0.01, class_weight="balanced", max_iter=10000, tol=1e-6, random_state=0)
    clf.fit(features, labels)
    scores = clf.decision_function(features)
    order = sorted(range(len(papers)), key=lambda i: (-scores[i], papers[i]["id"]))
    return [papers[i]["id"] for i in order]


def measure(ranking, relevant, held_out):
    """P@5 and R@10 of a ranking with the held-out (liked, disliked) papers
    removed; the relevant set excludes them too."""
    ranking = [i for i in ranking if i not in held_out][:DIGEST_SIZE]
    relevant = relevant - held_out
    hits5 = sum(1 for i in ranking[:5] if i in relevant)
    hits10 = sum(1 for i in ranking[:10] if i in relevant)
    return hits5 / 5, hits10 / len(relevant), hits5


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--paperboy", required=True, help="the paperboy binary")
    parser.add_argument("--topics", default=os.path.join(ROOT, "scripts/relevance/topics.json"))
    parser.add_argument("--keep", action="store_true", help="keep the temporary store and print its path")
    args = parser.parse_args()
    try:
        sqlite3.connect(":memory:").execute("CREATE VIRTUAL TABLE t USING fts5(x)")
    except sqlite3.OperationalError:
        print("eval-relevance: the FTS5 baseline needs an SQLite with FTS5 for /usr/bin/python3: "
              "apt-get install libsqlite3-0", file=sys.stderr)
        sys.exit(EX_UNAVAILABLE)
    with open(args.topics) as f:
        topics = json.load(f)["topics"]

    work = tempfile.mkdtemp(prefix="eval-relevance.")
    try:
        pb = Paperboy(args.paperboy, work)
        pb.run(FETCHED_AT, "fetch")
        papers = json.loads(pb.run(FETCHED_AT, "papers", "list", "--json", "--limit", "100000"))
        keys = paper_keys(papers)
        for topic in topics:
            for key in topic["papers"] + topic["liked"] + topic["disliked"]:
                if key not in keys:
                    fail(f"topic {topic['name']}: unknown paper {key}")

        results = []  # (mode, method, topic, p5, r10, hits5, relevant count)
        for topic in topics:
            relevant = {keys[k] for k in topic["papers"]}
            liked = {keys[k] for k in topic["liked"]}
            disliked = {keys[k] for k in topic["disliked"]}
            for mode in MODES:
                email = f"{topic['name']}.{mode.replace('+', '-')}@example.org"
                add = ["subscriber", "add", email, "--max-papers", str(DIGEST_SIZE)]
                held_out = set()
                if mode == "keyword":
                    add += ["--query", topic["query"]]
                pb.run(FETCHED_AT, *add)
                if mode != "keyword":
                    held_out |= liked
                    for paper in liked:
                        pb.run(FETCHED_AT, "subscriber", "like", email, paper)
                if mode == "likes+dislikes":
                    held_out |= disliked
                    for paper in disliked:
                        pb.run(FETCHED_AT, "subscriber", "dislike", email, paper)
                explained = json.loads(pb.run(ASKED_AT, "explain", email, "--json"))
                # An empty digest means the setup is wrong (window, query), not
                # a ranking worth scoring 0: stop and say why.
                if not explained["selected"]:
                    fail(f"{email}: empty digest: {explained.get('empty_reason', '')}")
                selected = [p["id"] for p in sorted(explained["selected"], key=lambda p: p["rank"])]
                if mode == "keyword":
                    baseline = ("fts5-bm25", fts5_ranking(papers, topic["query"]))
                else:
                    baseline = ("tfidf-svm", svm_ranking(papers, liked))
                count = len(relevant - held_out)
                for method, ranking in [("paperboy", selected), baseline, ("best possible", list(relevant))]:
                    results.append((mode, method, topic["name"], *measure(ranking, relevant, held_out), count))
        report(results)
    finally:
        if args.keep:
            print(f"\nthe store and config: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def report(results):
    methods = []
    for mode, method, *_ in results:
        if (mode, method) not in methods:
            methods.append((mode, method))
    print(f"Mean over {len({r[2] for r in results})} topics; digest of {DIGEST_SIZE}; "
          "liked and Not for me papers held out of every list and relevant set.\n")
    print(f"{'mode':<16}{'method':<15}{'P@5':>6}{'R@10':>7}")
    for mode, method in methods:
        rows = [r for r in results if r[0] == mode and r[1] == method]
        p5 = sum(r[3] for r in rows) / len(rows)
        r10 = sum(r[4] for r in rows) / len(rows)
        print(f"{mode:<16}{method:<15}{p5:>6.2f}{r10:>7.2f}")
    print("\nPer topic (relevant: the topic's papers left to find):\n")
    print(f"{'topic':<17}{'relevant':>8}  {'mode':<16}{'method':<15}{'P@5':>6}{'R@10':>7}")
    for mode, method, topic, p5, r10, _, count in results:
        print(f"{topic:<17}{count:>8}  {mode:<16}{method:<15}{p5:>6.2f}{r10:>7.2f}")
    misses = [r for r in results if r[1] != "best possible" and r[5] == 0]
    if misses:
        print("\nTop five holding none of the relevant papers:")
        for mode, method, topic, *_ in misses:
            print(f"  {topic} / {mode} / {method}")


if __name__ == "__main__":
    main()

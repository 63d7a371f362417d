"""How well we read the corpus: precision and recall per verdict, and the new text of replies.

    python bench/corpus.py [--corpus tests/data/corpus] [--json]

Every message in the corpus goes through the whole pipeline (SQLite in a temporary folder, the
test config: tracking address intros@example.com, members Dana and Marco), intros first so
replies find their thread, as tests/test_corpus.py does. Prints:
  - per expected kind: how many, precision and recall (a message of kind "any" counts for
    neither), and the referrals logged for a message that is no intro (false referrals: the
    number that must stay 0);
  - per rule: for the intros the manifest expects (its `rule`, else the kind's own rule), how many
    that rule read right (recall), and for every rule that gave a verdict how many of its verdicts
    were the expected kind (precision);
  - the same tables for real mail alone: the messages whose manifest entry has a published
    `source` address (written by other people, not by us in a client's shape);
  - for messages whose manifest entry has `new_text`: how many replies' new text we cut exactly
    right (whitespace runs compared as one space), and the slowest cut beside the time a bare
    parse of the same message takes;
  - how long a 1 MB pathological reply takes to cut, beside splitting it into lines;
  - every miss, with the reason the pipeline gave.
Exit status 1 when a referral was logged for a message that is no intro.
"""
import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402
from sqlalchemy import select  # noqa: E402

from models import InboundMessage  # noqa: E402
from worker.core.statuses import INTRO_KINDS  # noqa: E402
from worker.inbound.pipeline import Origin  # noqa: E402
from worker.mail.parse import parse  # noqa: E402
from worker.mail.quotes import new_text  # noqa: E402

REFERRAL_KINDS = {str(k) for k in INTRO_KINDS}


def run(corpus: Path) -> dict:
    from tests.conftest import build_app

    manifest = yaml.safe_load((corpus / "manifest.yaml").read_text(encoding="utf-8"))
    ordered = sorted(manifest, key=lambda name: (manifest[name]["kind"] == "thread_reply", name))
    with tempfile.TemporaryDirectory() as tmp:
        app = build_app(Path(tmp), f"sqlite:///{tmp}/corpus.db")
        got = {name: app.pipeline.process((corpus / name).read_bytes(), Origin("file", name)) for name in ordered}
        with app.sessions() as s:
            rules = {ref: rule for ref, rule in s.execute(select(InboundMessage.source_ref, InboundMessage.rule))}
        app.engine.dispose()
    real = {name: want for name, want in manifest.items() if _published(want)}
    return {"verdicts": _verdicts(manifest, got), "real": _verdicts(real, {n: got[n] for n in real}),
            "rules": _rules(manifest, got, rules), "real_rules": _rules(real, got, rules),
            "replies": _replies(corpus, manifest)}


# The rule that reads a message of a kind when the manifest names none.
_KIND_RULE = {"double_intro": "double_intro", "heads_up": "heads_up", "forwarded_intro": "forwarded_intro",
              "needs_review": "needs_review", "promise": "promise"}


def _rules(manifest: dict, got: dict, rules: dict) -> dict:
    """Recall per rule over the intros the manifest expects; precision per rule over all its verdicts."""
    rows: dict[str, dict] = {}

    def row(rule: str) -> dict:
        return rows.setdefault(rule, {"expected": 0, "read": 0, "verdicts": 0, "right_verdicts": 0})

    for name, want in manifest.items():
        if want["kind"] == "any":
            continue
        rule = rules.get(name, "")
        right = got[name].kind == want["kind"]
        expected_rule = want.get("rule") or _KIND_RULE.get(want["kind"])
        if expected_rule:
            row(expected_rule)["expected"] += 1
            # needs_review is a confidence, not a rule: any rule that sent it to review read it
            row(expected_rule)["read"] += right and (expected_rule in (rule, "needs_review") or "rule" not in want)
        if rule and got[name].kind in REFERRAL_KINDS | {"needs_review"}:
            row(rule)["verdicts"] += 1
            row(rule)["right_verdicts"] += right
    for r in rows.values():
        r["recall"] = _ratio(r["read"], r["expected"])
        r["precision"] = _ratio(r["right_verdicts"], r["verdicts"])
    return dict(sorted(rows.items()))


def _published(want: dict) -> bool:
    """Mail written by other people and published at an address (not generated, not written by us)."""
    return str(want.get("source", "")).startswith(("http://", "https://"))


def _verdicts(manifest: dict, got: dict) -> dict:
    expected = Counter(w["kind"] for w in manifest.values() if w["kind"] != "any")
    found = Counter(o.kind for n, o in got.items() if manifest[n]["kind"] != "any")
    right = Counter(w["kind"] for n, w in manifest.items() if got[n].kind == w["kind"])
    kinds = sorted(set(expected) | set(found))
    per_kind = {k: {"expected": expected[k], "found": found[k], "right": right[k],
                    "precision": _ratio(right[k], found[k]), "recall": _ratio(right[k], expected[k])} for k in kinds}
    misses = [{"file": n, "expected": w["kind"], "got": got[n].kind, "why": got[n].reason,
               "notes": w.get("notes", "")}
              for n, w in sorted(manifest.items()) if w["kind"] != "any" and got[n].kind != w["kind"]]
    false_referrals = [m for m in misses if m["expected"] not in REFERRAL_KINDS | {"needs_review"}
                       and got[m["file"]].referral_id is not None and m["got"] in REFERRAL_KINDS]
    return {"per_kind": per_kind, "misses": misses, "false_referrals": false_referrals,
            "messages": len(manifest)}


def _replies(corpus: Path, manifest: dict) -> dict:
    wrong, slowest, slowest_parse = [], (0.0, ""), 0.0
    cases = {n: w["new_text"] for n, w in manifest.items() if "new_text" in w}
    for name, want in sorted(cases.items()):
        raw = (corpus / name).read_bytes()
        start = time.perf_counter()
        msg = parse(raw)
        parsed = time.perf_counter()
        cut = new_text(msg.text)
        took = time.perf_counter() - parsed
        slowest = max(slowest, (took, name))
        slowest_parse = max(slowest_parse, parsed - start)
        if " ".join(cut.split()) != " ".join(str(want).split()):
            wrong.append({"file": name, "want": str(want), "got": cut})
    from tests.mail.test_reply_shapes import PATHOLOGICAL

    start = time.perf_counter()
    new_text(PATHOLOGICAL)
    pathological = time.perf_counter() - start
    start = time.perf_counter()
    PATHOLOGICAL.splitlines()
    return {"cases": len(cases), "right": len(cases) - len(wrong), "wrong": wrong,
            "slowest_cut_s": slowest[0], "slowest_file": slowest[1], "slowest_parse_s": slowest_parse,
            "pathological_s": pathological, "pathological_bytes": len(PATHOLOGICAL),
            "pathological_splitlines_s": time.perf_counter() - start}


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 3) if b else None


def _show(report: dict) -> None:
    v, r = report["verdicts"], report["replies"]
    print(f"{v['messages']} messages\n")
    _table(v)
    print(f"\nfalse referrals (a referral logged for a message that is no intro): {len(v['false_referrals'])}")
    real = report["real"]
    print(f"\nreal mail alone ({real['messages']} messages with a published source):")
    _table(real)
    print(f"false referrals among them: {len(real['false_referrals'])}")
    for title, key in (("per rule, all mail", "rules"), ("per rule, real mail alone", "real_rules")):
        print(f"\n{title} (recall: intros the manifest expects of the rule that it read right; precision: the "
              "rule's intro and review verdicts that were right):")
        _rule_table(report[key])
    if r["cases"]:
        print(f"new text of replies cut exactly right: {r['right']}/{r['cases']} "
              f"({r['right'] / r['cases']:.0%}); slowest cut {r['slowest_cut_s'] * 1000:.1f} ms "
              f"({r['slowest_file']}), slowest bare parse {r['slowest_parse_s'] * 1000:.1f} ms")
    print(f"a {r['pathological_bytes'] // 1000} kB reply of near-cuts (tests/mail/test_reply_shapes.py): "
          f"{r['pathological_s'] * 1000:.0f} ms; str.splitlines() of it alone: "
          f"{r['pathological_splitlines_s'] * 1000:.1f} ms")
    if v["misses"]:
        print("\nmisses:")
        for m in v["misses"]:
            print(f"  {m['file']}: expected {m['expected']}, got {m['got']} — {m['why']}")
    for w in r["wrong"]:
        print(f"  {w['file']}: new text\n    want {w['want']!r}\n    got  {w['got']!r}")


def _rule_table(rows: dict) -> None:
    print(f"{'rule':<16}{'expected':>9}{'read':>6}{'recall':>8}{'verdicts':>10}{'right':>7}{'precision':>11}")
    for rule, row in rows.items():
        p, rc = (f"{x:.2f}" if x is not None else "-" for x in (row["precision"], row["recall"]))
        print(f"{rule:<16}{row['expected']:>9}{row['read']:>6}{rc:>8}{row['verdicts']:>10}{row['right_verdicts']:>7}"
              f"{p:>11}")


def _table(v: dict) -> None:
    print(f"{'kind':<16}{'expected':>9}{'found':>7}{'right':>7}{'precision':>11}{'recall':>8}")
    for kind, row in v["per_kind"].items():
        p, rc = (f"{x:.2f}" if x is not None else "-" for x in (row["precision"], row["recall"]))
        print(f"{kind:<16}{row['expected']:>9}{row['found']:>7}{row['right']:>7}{p:>11}{rc:>8}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "tests" / "data" / "corpus")
    parser.add_argument("--json", action="store_true", help="the report as JSON")
    args = parser.parse_args()
    report = run(args.corpus)
    print(json.dumps(report, indent=2, ensure_ascii=False)) if args.json else _show(report)
    return 1 if report["verdicts"]["false_referrals"] else 0


if __name__ == "__main__":
    sys.exit(main())

"""How right we cut the new text of replies, beside other reply parsers measured in the same run.

    python bench/replies.py [--no-yardstick] [--json]

Reads the reply corpus (tests/replycorpus.py: tests/data/replies and the replies of
tests/data/corpus) as the pipeline does: each message parsed, its text cut by
worker.mail.quotes.new_text, judged as the tests judge it (exact new text; keeping the signature
under the answer forgiven). Also cuts the HTML part alone of every multipart/alternative message,
and times the slowest message (parse and cut) and a 1 MB reply of near-cuts.

The yardstick: talon, email-reply-parser, mail-parser-reply and quotequail, installed with pip into
a virtualenv of the bench's own (bench/out/yardstick-venv; nothing of ours imports them) and given
the same plain text we cut. A library that does not install is named with pip's last words.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.replycorpus import Case, answer_kept, cases, html_part, judge  # noqa: E402
from worker.mail.htmltext import html_to_text  # noqa: E402
from worker.mail.parse import parse  # noqa: E402
from worker.mail.quotes import new_text  # noqa: E402

# Where a reply comes from (tests/replycorpus.py Case.origin): real mail is the number that counts.
ORIGINS = ("real", "software", "written")
VENV = ROOT / "bench" / "out" / "yardstick-venv"
YARDSTICK = {"talon": "talon==1.4.4", "email-reply-parser": "email-reply-parser==0.5.12",
             "mail-parser-reply": "mail-parser-reply==1.36", "quotequail": "quotequail==0.5.4"}


def ours(corpus: list[Case]) -> tuple[dict, dict]:
    cuts, slowest, html_right, html_cases = {}, (0.0, ""), 0, 0
    for case in corpus:
        raw = case.raw()
        start = time.perf_counter()
        cuts[case.name] = new_text(parse(raw).text)
        took = time.perf_counter() - start
        slowest = max(slowest, (took, case.name))
        if (markup := html_part(raw)) is not None:
            html_cases += 1
            html_right += judge(new_text(html_to_text(markup)), case) != "wrong"
    from tests.mail.test_reply_shapes import PATHOLOGICAL

    start = time.perf_counter()
    new_text(PATHOLOGICAL)
    extra = {"slowest_s": slowest[0], "slowest_file": slowest[1], "html_cases": html_cases, "html_right": html_right,
             "pathological_s": time.perf_counter() - start, "pathological_bytes": len(PATHOLOGICAL)}
    return cuts, extra


def yardstick(corpus: list[Case]) -> dict[str, dict]:
    """Each library's cuts, or why it has none."""
    texts = json.dumps({c.name: parse(c.raw()).text for c in corpus})
    if not (VENV / "bin" / "python").exists():
        venv.create(VENV, with_pip=True)
    out: dict[str, dict] = {}
    for name, requirement in YARDSTICK.items():
        pip = subprocess.run([str(VENV / "bin" / "pip"), "install", "-q", requirement], capture_output=True, text=True)
        if pip.returncode:
            out[name] = {"missing": f"did not install ({requirement}): "
                                    f"{(pip.stderr.strip().splitlines() or ['?'])[-1]}"}
            continue
        run = subprocess.run([str(VENV / "bin" / "python"), str(ROOT / "bench" / "_yardstick.py"), name],
                             input=texts, capture_output=True, text=True)
        if run.returncode:
            out[name] = {"missing": f"installed but did not run: {(run.stderr.strip().splitlines() or ['?'])[-1]}"}
            continue
        got = json.loads(run.stdout)
        out[name] = {"cuts": {n: g["cut"] for n, g in got.items()}, "slowest_s": max(g["s"] for g in got.values())}
    return out


def score(corpus: list[Case], cuts: dict[str, str]) -> dict:
    verdicts = {c.name: judge(cuts[c.name], c) for c in corpus}
    right = sum(v != "wrong" for v in verdicts.values())
    return {"right": right, "cases": len(corpus), "share": round(right / len(corpus), 3),
            "answer_lost": sum(not answer_kept(cuts[c.name], c) for c in corpus),
            "wrong": sorted(n for n, v in verdicts.items() if v == "wrong")}


def by_origin(corpus: list[Case], cuts: dict[str, str]) -> dict[str, dict]:
    """The score on real mail, on mail real clients wrote here, and on mail we wrote, apart."""
    parts = {origin: [c for c in corpus if c.origin == origin] for origin in ORIGINS}
    return {origin: score(part, cuts) for origin, part in parts.items() if part}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-yardstick", action="store_true", help="only our reader (no virtualenv, no pip)")
    parser.add_argument("--json", action="store_true", help="the report as JSON")
    args = parser.parse_args()
    corpus = cases()
    cuts, extra = ours(corpus)
    report = {"ours": {**score(corpus, cuts), **extra, "by_origin": by_origin(corpus, cuts)}, "yardstick": {}}
    if not args.no_yardstick:
        for name, result in yardstick(corpus).items():
            report["yardstick"][name] = ({**score(corpus, result["cuts"]), "slowest_s": result["slowest_s"],
                                          "by_origin": by_origin(corpus, result["cuts"])}
                                         if "cuts" in result else result)
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
        return 0
    _show(corpus, report)
    return 0


def _show(corpus: list[Case], report: dict) -> None:
    clients = {c.client.split(" (")[0].split(" for ")[0] for c in corpus}
    languages = {c.language for c in corpus}
    print(f"{len(corpus)} replies, {len(clients)} clients, {len(languages)} languages "
          f"(tests/data/replies and tests/data/corpus)\n")
    print(f"{'reader':<22}{'cut right':>11}{'share':>8}{'answer lost':>13}{'slowest':>10}")
    rows = [("introledger (ours)", report["ours"])] + list(report["yardstick"].items())
    for name, row in rows:
        if "missing" in row:
            print(f"{name:<22}  {row['missing']}")
            continue
        print(f"{name:<22}{row['right']:>5}/{row['cases']:<5}{row['share']:>8.0%}{row['answer_lost']:>13}"
              f"{row['slowest_s'] * 1000:>8.1f}ms")
    o = report["ours"]
    print("\nby where the replies come from (real: published mail written by other people)")
    for name, row in rows:
        for origin, part in row.get("by_origin", {}).items():
            print(f"{name.split()[0] + ', ' + origin:<22}{part['right']:>5}/{part['cases']:<5}{part['share']:>8.0%}"
                  f"{part['answer_lost']:>13}")
    print(f"\nours, the HTML part alone of {o['html_cases']} multipart/alternative replies: {o['html_right']} right; "
          f"slowest message parsed and cut: {o['slowest_s'] * 1000:.1f} ms ({o['slowest_file']})")
    print(f"a {o['pathological_bytes'] // 1000} kB reply of near-cuts: {o['pathological_s'] * 1000:.0f} ms (limit 1 s)")
    for name, row in rows:
        if row.get("wrong") and name == "introledger (ours)":
            print(f"\nour misses: {', '.join(row['wrong'])}")


if __name__ == "__main__":
    sys.exit(main())

"""The lifecycle table drawn for people: a state diagram and what each event cancels, both made
from worker/core/lifecycle.py's TRANSITIONS (`python -m worker.core.lifecycle --diagram`), so the README
that shows them cannot drift from the code (tests/core/test_lifecycle.py compares)."""
from worker.core import lifecycle
from worker.core.lifecycle import ANSWER_STATE, TRANSITIONS, UNCHANGED, Rule
from worker.core.statuses import Status

# Where a referral starts (worker/inbound/actions.py): not an event on an existing referral, so not a rule.
START = {Status.INTRODUCED: "intro logged", Status.NEEDS_REVIEW: "unclear intro, or a review import"}
# The order states are drawn in, so the diagram reads from the start to the ends.
ORDER = (Status.NEEDS_REVIEW, Status.INTRODUCED, Status.CONNECTED, Status.QUALIFIED, Status.STALE, Status.WON,
         Status.LOST, Status.NO_FIT, Status.REJECTED, Status.MERGED)
_WHO = {"member": "member", "party": "party", "hand": "by hand", "timer": "timer", "introducer": "introducer"}
_NAMES = {"thread_reply": "a party replies in the thread", "stale": "stale_after of silence",
          "review_accept": "review accept", "review_reject": "review reject",
          "clear_intro": "a clear intro follows", "merge": "referrals merge"}
# Read as "what is still to be asked or sent about it": the groups the table uses, largest first.
_CANCELS_SAID = ((lifecycle.ENDS, "scheduled follow-ups, queued questions"), (lifecycle.QUESTIONS, "queued questions"),
                 (frozenset({lifecycle.NUDGE}), "queued heads-up reminder"),
                 (frozenset({lifecycle.CLOSED}), "queued closed-business note"))


def edges() -> list[tuple[str, str, str]]:
    """(from, to, label) for every state change the table allows; events that leave the status as
    it is (snooze, STOP, …) are no edge. Labels of one arrow are joined."""
    found: dict[tuple[str, str], list[str]] = {}
    for rule in TRANSITIONS:
        for source in rule.sources:
            for target, label in _targets(rule, source):
                if target != source:
                    labels = found.setdefault((source, target), [])
                    if label not in labels:
                        labels.append(label)
    key = ORDER.index
    return [(a, b, ", ".join(labels)) for (a, b), labels in sorted(found.items(), key=lambda e: (key(e[0][0]),
                                                                                                key(e[0][1])))]


def _targets(rule: Rule, source: str) -> list[tuple[str, str]]:
    if rule.to == UNCHANGED:
        return []
    if rule.to:
        return [(rule.to, _NAMES.get(rule.event, rule.event))]
    word = "correction to " if rule.event == "correction" else ""
    return [(ANSWER_STATE[a], word + a.replace("_", " ").upper()) for a in _answers(rule)]


def _answers(rule: Rule) -> list[str]:
    return sorted(rule.answers, key=list(ANSWER_STATE).index)


def diagram() -> str:
    """A mermaid stateDiagram-v2 block (GitHub draws it)."""
    lines = ["```mermaid", "stateDiagram-v2"]
    lines += [f"    [*] --> {state}: {why}" for state, why in START.items()]
    lines += [f"    {a} --> {b}: {label}" for a, b, label in edges()]
    return "\n".join([*lines, "```"])


def cancels_table() -> str:
    """One row per rule: the event, who may cause it, from where to where, and what it cancels."""
    rows = ["| event | who | from → to | cancels in the same transaction |", "|---|---|---|---|"]
    everywhere = set(ORDER) - {Status.MERGED}
    for rule in TRANSITIONS:
        name = " ".join([rule.event.replace("_", " "), "/".join(a.replace("_", " ").upper() for a in _answers(rule))])
        who = ", ".join(_WHO[a] for a in sorted(rule.actors))
        sources = ("any" if rule.sources >= everywhere
                   else "any but rejected" if rule.sources >= everywhere - {Status.REJECTED}
                   else ", ".join(s for s in ORDER if s in rule.sources))
        to = "unchanged" if rule.to == UNCHANGED else rule.to or "the answer's"
        rows.append(f"| {name.strip()} | {who} | {sources} → {to} | {_cancels(rule.cancels)} |")
    return "\n".join(rows)


def decisions() -> str:
    """The rules' written-down reasons (Rule.why), one line each: what an event it allows is recorded with."""
    return "\n".join(f"- **{_NAMES.get(r.event, r.event.replace('_', ' '))}**: {r.why}" for r in TRANSITIONS if r.why)


def _cancels(what: frozenset[str]) -> str:
    said, left = [], set(what)
    for group, words in _CANCELS_SAID:
        if group <= left:
            said.append(words)
            left -= group
    assert not left, f"no words for cancelling {left}"
    return ", ".join(said) or "—"

"""Sample data for each mail kind, as the code that sends it passes it: `templates preview` shows a
mail with it, and `templates check` / `doctor` render every kind with it to find a template or
words file that no longer fits what the product passes (worker/outbound/template_check.py)."""
from typing import Any


def samples() -> dict[str, dict[str, Any]]:
    """Sample data for each mail, as the code that sends it passes it (dates as datetimes, amounts
    as Amounts, flags as facts): the templates format them for the language."""
    from datetime import UTC, datetime

    from worker.core.money import Amount

    dana = {"name": "Dana Whitfield", "first_name": "Dana", "email": "dana@example.com", "footer": True}
    carol = {"name": "Carol Jensen", "first_name": "Carol", "email": "carol@example.com"}
    intro = {"member": dana, "introducer": carol, "others": ["Alice Moreno"], "given": False, "ref": 12}
    day = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
    raj = {"name": "Raj Mehta", "first_name": "Raj", "email": "raj@example.com", "company": "",
           "given": 1, "received": 2, "last": datetime(2026, 11, 3, tzinfo=UTC), "flags": []}
    return {
        "thank_you": {"introducer": carol, "member": dana,
                      "intros": [{"others": ["Alice Moreno"], "subject": "Intro: Alice <> Dana", "date": day}]},
        "coffee_check_in": {
            "member": dana, "tracking": "intros@example.com", "month": datetime(2026, 12, 1, 9, tzinfo=UTC),
            "window_days": 90, "partners": [
                {"name": "Carol Jensen", "first_name": "Carol", "email": "carol@example.com", "company": "",
                 "given": 4, "received": 1, "last": datetime(2026, 11, 24, tzinfo=UTC),
                 "flags": [{"kind": "unbalanced", "gave": 4, "got": 1}]}, raj]},
        "promise_nudge": {
            "member": dana, "tracking": "intros@example.com", "source": "heads_up",
            "partner": {"name": "Alice Moreno", "first_name": "Alice", "email": "alice@example.com"},
            "prospects": ["Bob Stone"], "prospect_first_name": "Bob", "date": datetime(2026, 11, 3, tzinfo=UTC),
            "subject": "Heads-up: Bob Stone", "said": "", "waited_days": 14},
        "daily_prompt": {
            "member": dana, "tracking": "intros@example.com", "date": datetime(2026, 11, 24, 8, tzinfo=UTC),
            "promoted": False, "partners": [
                {"name": "Carol Jensen", "first_name": "Carol", "email": "carol@example.com",
                 "company": "Jensen Books", "given": 1, "received": 4, "last": None, "flags": []}]},
        "digest": {
            "member": dana, "week": "2 – 8 Nov", "due": 2, "group": [], "won": {"USD": 450000},
            "received": [{"date": day, "introducer": "Carol Jensen", "others": ["Alice Moreno"]}],
            "given": [], "changes": [{"others": ["Alice Moreno"], "ref": 12, "old": "introduced", "new": "won"}],
            "top": [{"name": "Carol Jensen", "given": 1, "received": 3, "given_px": 53, "received_px": 160,
                     "bar": "▮▮▮▯"}],
            "unbalanced": []},
        "follow_up": {**intro, "date": day},
        "closed_business": {**intro, "won": True, "value": None, "reward": ""},  # value: members[].share_value
        "status_confirmation": {
            **intro, "status": "connected", "you": True, "them": ["Alice Moreno"], "prospect": "Alice Moreno",
            "provider": "Dana Whitfield", "value": Amount(450000, "USD"), "note": "", "again_days": 7,
            "stopped": False, "final": False},
        "snooze_confirmation": {**intro, "again": datetime(2026, 11, 16, 15, 0, tzinfo=UTC)},
        "stop_confirmation": intro,
        "clarification": {**intro, "greet": "Dana", "greet_full": "Dana Whitfield"},
        "answer_not_applied": {
            **intro, "answer": "WON", "status": "lost",
            "refusal": {"case": "final", "verb": "won", "member_email": "dana@example.com", "ref": 12, "status": "lost",
                        "why": "it is already lost, a final answer; only its member can change it",
                        "how": "reply CORRECTION: WON to this mail."}},
        "brief": {  # the answer to a partner's BRIEF (worker/followups/briefreply.py)
            "member": dana, "partner": carol,
            "brief": {"great": "homeowners planning a kitchen under $40k", "not_fit": "commercial work",
                      "words": "our cabinets look tired", "name": "Dana Whitfield", "first_name": "Dana",
                      "to": "answer", "reply": True}},
        "sign_in": {"member": dana, "link": "https://intros.example.com/sign-in/3q2-7Rk", "minutes": 15,
                    "client": "203.0.113.7"},
    }


def variants() -> dict[str, list[dict[str, Any]]]:
    """Data laid over a kind's sample to reach the branches it skips, each calling other word macros:
    a follow-up once they met asks follow_up_next_*, and after an unanswered one says it asks again;
    a heads-up whose prospect nobody named has no others (each macro says "someone" its own way)."""
    from datetime import UTC, datetime

    nobody, day = {"others": [], "heads_up": True}, datetime(2026, 11, 2, tzinfo=UTC)
    return {"follow_up": [{"stage": "connected", "heads_up": True, "asked_before": 1}, nobody,
                          {**nobody, "stage": "connected"}],
            "thank_you": [{"intros": [{"others": [], "subject": "Heads-up", "date": day}]}],
            "closed_business": [{"others": []}], "clarification": [{"others": []}],
            "stop_confirmation": [{"others": []}], "snooze_confirmation": [{"others": []}],
            "promise_nudge": [{"prospects": [], "prospect_first_name": ""}],
            "digest": [{"received": [{"date": day, "introducer": "Carol Jensen", "others": []}]}]}

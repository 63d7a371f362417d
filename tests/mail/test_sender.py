"""Is this sender who they say? One verdict with its reason (worker/mail/sender.py), read by every
desk that acts on mail in someone's name."""
from worker.mail.parse import parse
from worker.mail.sender import FORGED, UNPROVEN, VOUCHED, likely_forged, verdict


def _msg(auth: str = "", sender: str = "dana@danabooks.example"):
    return parse(f"{auth}From: Dana <{sender}>\nTo: intros@example.com\nSubject: x\nMessage-ID: <m@x>\n\nhi\n"
                 .encode())


def test_a_fail_is_forged_a_pass_for_the_from_domain_vouches_and_nothing_else_proves_anything():
    fail = "Authentication-Results: mx.example.com; dkim=fail header.d=danabooks.example; dmarc=fail\n"
    said = verdict(_msg(fail), "mx.example.com")
    assert (said.standing, said.failed) == (FORGED, ("dmarc=fail", "dkim=fail"))
    assert likely_forged(said) == ("the receiving server says dmarc=fail and dkim=fail for dana@danabooks.example: "
                                   "likely forged, so not answered (no mail sent about it)")
    passed = "Authentication-Results: mx.example.com; dmarc=pass header.from=danabooks.example\n"
    assert verdict(_msg(passed), "mx.example.com").vouched
    assert verdict(_msg(passed), "mx.example.com").standing == VOUCHED
    # Another domain's pass, another server's pass, no header, no authserv_id: unproven, saying why.
    other = passed.replace("header.from=danabooks", "header.from=evil")
    assert verdict(_msg(other), "mx.example.com").reason == "no DMARC pass from mx.example.com"
    assert verdict(_msg(passed.replace("mx.", "mx2.")), "mx.example.com").standing == UNPROVEN
    assert verdict(_msg(), "mx.example.com").standing == UNPROVEN
    assert verdict(_msg(passed), None).reason == "follow_ups.authserv_id is not set"
    # Without an authserv_id a fail anywhere still tells a forgery (it can only cost the sender).
    assert verdict(_msg(fail.replace("mx.example.com", "elsewhere.example")), None).forged


def test_another_domains_broken_signature_beside_an_aligned_pass_is_no_forgery():
    """Real mail often carries a second signature (an email service's, a list's) that a footer
    broke: a DKIM fail of that domain says nothing of the From, and the aligned DMARC pass stands.
    A DKIM fail of the From's own domain (or naming none) still tells a forgery."""
    esp = ("Authentication-Results: mx.example.com; dkim=pass header.d=danabooks.example;"
           " dkim=fail header.d=esp.example; dmarc=pass header.from=danabooks.example\n")
    assert verdict(_msg(esp), "mx.example.com").standing == VOUCHED
    assert verdict(_msg(esp), None).standing == UNPROVEN
    own = esp.replace("dkim=fail header.d=esp.example", "dkim=fail header.d=danabooks.example")
    assert verdict(_msg(own), "mx.example.com").failed == ("dkim=fail",)
    unnamed = "Authentication-Results: mx.example.com; dkim=fail\n"
    assert verdict(_msg(unnamed), "mx.example.com").forged

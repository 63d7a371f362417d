#!/usr/bin/env bash
# Regenerate the corpus replies written by real mail clients (mutt, neomutt, s-nail, nmh), as they
# write them.
#
#   apt-get install -y mutt neomutt s-nail nmh tmux && bash scripts/client_shapes.sh
#
# Each client answers one follow-up (below) the way a person would: mutt through its editor hook
# (the script types the answer where a person would: above the quote, below it, between quoted
# lines) and s-nail in batch mode. What the client hands its MTA is saved as
# tests/data/corpus/client_*.eml with "Delivered-To: intros@example.com" put first, as our
# mailbox's server would. The manifest says what each must read as.
set -euo pipefail
out="$(cd "$(dirname "$0")/.." && pwd)/tests/data/corpus"
replies="$(cd "$(dirname "$0")/.." && pwd)/tests/data/replies"
work="$(mktemp -d)"; trap 'tmux kill-session -t shapes 2>/dev/null || true; rm -rf "$work"' EXIT
cat > "$work/inbox" <<'MBOX'
From intros@example.com Mon Nov  2 10:14:00 2026
From: introledger <intros@example.com>
To: Dana Whitfield <dana@danabooks.example>
Subject: How did the intro to Alice go?
Date: Mon, 02 Nov 2026 10:14:00 +0100
Message-ID: <fu-1@example.com>

How did the intro to Alice (from Carol) go?
Reply WON, LOST, MET or NOTHING YET.

introledger

MBOX
printf '#!/bin/sh\ncat > "%s/sent"\n' "$work" > "$work/mta"; chmod +x "$work/mta"
printf 'Dana Whitfield\nDana Books\n' > "$work/sig"

save() {  # $1: corpus file name, $2: folder (default: the classification corpus)
  { echo "Delivered-To: intros@example.com"; cat "$work/sent"; } > "${2:-$out}/$1"; rm -f "$work/sent"
}

mutt_reply() {  # $1: editor script body (edits "$1" in place), $2: extra muttrc lines, $3: file name,
               # $4: folder, $5: program (mutt or neomutt)
  printf '#!/bin/sh\nf="$1"\n%s\n' "$1" > "$work/editor"; chmod +x "$work/editor"
  cp "${INBOX:-$work/inbox}" "$work/box"
  cat > "$work/muttrc" <<RC
set from="dana@danabooks.example"
set realname="Dana Whitfield"
set sendmail="$work/mta"
set editor="$work/editor"
set include=yes fast_reply=yes edit_headers=no copy=no move=no sig_dashes=yes
set signature="$work/sig"
set send_charset="utf-8"
$2
RC
  tmux new-session -d -s shapes -x 120 -y 40 "${5:-mutt} -n -F $work/muttrc -f $work/box"
  sleep 1; tmux send-keys -t shapes r; sleep 1; tmux send-keys -t shapes y; sleep 1; tmux send-keys -t shapes q
  sleep 1; tmux kill-session -t shapes 2>/dev/null || true
  save "$3" "${4:-}"
}

# Above the quote (the signature stays at the end, as mutt puts it).
mutt_reply '{ printf "LOST - they went with another firm.\n\n"; cat "$f"; } > "$f.n" && mv "$f.n" "$f"' \
  "" client_mutt_top_posted.eml
# Below the quote, above mutt's signature.
mutt_reply 'awk '"'"'/^-- $/ && !d {print "WON, 1200 for the first job.\n"; d=1} {print}'"'"' "$f" > "$f.n" && mv "$f.n" "$f"' \
  "" client_mutt_bottom_posted.eml
# Between the quoted lines: the answer right under the question it answers.
mutt_reply 'awk '"'"'{print} /go\?$/ && !d {print "\nMET - coffee on Thursday.\n"; d=1}'"'"' "$f" > "$f.n" && mv "$f.n" "$f"' \
  "" client_mutt_inline.eml
# A German user's attribution line (mutt's own setting, date written as Germans do).
mutt_reply '{ printf "Gewonnen, 800 Euro.\n\n"; cat "$f"; } > "$f.n" && mv "$f.n" "$f"' \
  'set attribution="Am %{%d.%m.%Y} um %{%H:%M} schrieb %n:"' client_mutt_german_attribution.eml

# s-nail: the quote first, the answer typed after it (bottom-posted), as its batch mode sends.
cp "$work/inbox" "$work/box"
printf 'set quote\nreply 1\nNOTHING YET, she is travelling until the 20th.\n~.\n' \
  | s-nail -# -S mta="$work/mta" -S from="dana@danabooks.example" -S v15-compat -f "$work/box" >/dev/null
save client_snail_bottom_posted.eml
# s-nail with an empty quote-inject-head: quoted text with no attribution line at all.
cp "$work/inbox" "$work/box"
printf 'set quote quote-inject-head=""\nreply 1\nWON\n~.\n' \
  | s-nail -# -S mta="$work/mta" -S from="dana@danabooks.example" -S v15-compat -f "$work/box" >/dev/null
save client_snail_no_attribution.eml

# The reply corpus (tests/data/replies): more clients and the attributions their users set.
top='{ printf "%s\n\n" "$ANSWER"; cat "$f"; } > "$f.n" && mv "$f.n" "$f"'
ANSWER="WON - 2,400 for the year-end accounts." mutt_reply "$top" "" client_neomutt_en_top.eml "$replies" neomutt
ANSWER="Gagné, 1 500 euros." mutt_reply "$top" 'set attribution="Le %{%d/%m/%Y à %H:%M}, %n a écrit :"' \
  client_mutt_fr_attribution.eml "$replies"
ANSWER="Perdido, eligieron a otro." mutt_reply "$top" 'set attribution="El %{%d/%m/%Y a las %H:%M}, %n escribió:"' \
  client_mutt_es_attribution.eml "$replies"
ANSWER="MET, neem volgende week contact op." mutt_reply "$top" 'set attribution="Op %{%d-%m-%Y om %H:%M} schreef %n:"' \
  client_neomutt_nl_attribution.eml "$replies" neomutt
# mutt's format=flowed (quotes with ">" and no space).
ANSWER="NOTHING YET - she is away until the 20th." mutt_reply "$top" 'set text_flowed=yes' \
  client_mutt_flowed.eml "$replies"
mutt_reply 'awk '"'"'/^-- $/ && !d {print "LOST, sadly.\n"; d=1} {print}'"'"' "$f" > "$f.n" && mv "$f.n" "$f"' \
  "" client_neomutt_bottom_posted.eml "$replies" neomutt
# format=flowed both ways (RFC 3676): a follow-up whose paragraph the sender soft-wrapped (lines ending in a
# space), answered with text_flowed=yes by an editor that wraps as vim's formatoptions+=w does; the quote keeps
# the original's soft breaks behind ">" and the answer has its own. A reader must join them back.
cat > "$work/inbox-flowed" <<'MBOX'
From intros@example.com Mon Nov  2 10:14:00 2026
From: introledger <intros@example.com>
To: Dana Whitfield <dana@danabooks.example>
Subject: How did the intro to Alice go?
Date: Mon, 02 Nov 2026 10:14:00 +0100
Message-ID: <fu-2@example.com>
Content-Type: text/plain; charset=utf-8; format=flowed

How did the intro to Alice (from Carol) go? If it led to work, 
reply WON and the amount; if not, LOST and why.

introledger

MBOX
soft='{ printf "LOST - they went with a firm that already does \nthe payroll for their shop in Leeds.\n\n"; cat "$f"; } > "$f.n" && mv "$f.n" "$f"'
INBOX="$work/inbox-flowed" mutt_reply "$soft" 'set text_flowed=yes' client_neomutt_flowed_soft_breaks.eml "$replies" neomutt
INBOX="$work/inbox-flowed" mutt_reply "$soft" 'set text_flowed=yes' client_mutt_flowed_soft_breaks.eml "$replies"

# nmh: repl builds the draft (its mhl.reply filter quotes with "> " under "<name> writes:"), the answer is
# typed above the quote, and send hands the message to the MTA.
nmh_reply() {  # $1: answer, $2: file name
  rm -rf "$work/mh"; mkdir -p "$work/mh/Mail/inbox"
  printf 'Path: Mail\nDraft-Folder: drafts\nLocal-Mailbox: Dana Whitfield <dana@danabooks.example>\nsend: -draftfolder drafts\n' > "$work/mh/.mh_profile"
  (export HOME="$work/mh" PATH="$PATH:/usr/bin/mh"; cd "$work/mh" && inc -file "$work/inbox" -silent >/dev/null \
    && repl -nowhatnowproc -filter mhl.reply 1 >/dev/null \
    && python3 -c 'import sys; p=sys.argv[1]; s=open(p).read().replace("Fcc: +outbox\n", "")
s=s.replace("--------\n", "--------\n" + sys.argv[2] + "\n\n", 1); open(p, "w").write(s)' Mail/drafts/1 "$1" \
    && send -mts sendmail/pipe -sendmail "$work/mta" 1)
  save "$2" "$replies"
}
nmh_reply "MET - coffee on Thursday, a quote goes out Friday." client_nmh_top_posted.eml

echo "wrote $(ls "$out"/client_*.eml "$replies"/client_*.eml | wc -l) client shapes to $out and $replies"

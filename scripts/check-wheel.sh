#!/usr/bin/env bash
# The package as a user installs it: build the wheel, install it into a fresh virtualenv (no
# access to this checkout), then run `introledger --version` and `introledger demo` from an empty
# directory. Fails if anything the program reads at run time was left out of the wheel.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python -m pip wheel --no-deps --quiet -w "$tmp/dist" . 2>&1 | grep -v '^WARNING' || true
# The virtualenv gets no pip of its own (ensurepip: ~6 s): this pip installs into it (`--python`, pip
# >= 22.3), which is the same clean install of the wheel and its dependencies, minus pip.
python -m venv --without-pip "$tmp/venv"
python -m pip --python "$tmp/venv/bin/python" install --quiet --no-compile "$tmp"/dist/introledger-*.whl 2>&1 | grep -v '^WARNING' || true
mkdir "$tmp/empty" && cd "$tmp/empty"
"$tmp/venv/bin/introledger" --version
"$tmp/venv/bin/introledger" demo > demo.log 2>&1 || { cat demo.log; exit 1; }
grep -q "Everything is in" demo.log
ls introledger-demo/outgoing | grep -q . || { echo "demo sent no mail"; exit 1; }
# The dashboard's page templates and static files travel in the wheel too.
"$tmp/venv/bin/python" -c "
from worker.web.pages import STATIC, TEMPLATES
assert (TEMPLATES / 'base.html').is_file() and (STATIC / 'app.css').is_file() and (STATIC / 'app.js').is_file()
" || { echo "the wheel lacks the dashboard's templates or static files"; exit 1; }
echo "wheel OK: installed in a clean virtualenv, demo ran from an empty directory"

"""Jinja2 mail templates: text + HTML per kind, subject set in the text template, in six languages.

templates/<kind>.txt and .html give a mail its shape; every word in it comes from the macros of
templates/<language>/_words.txt, so the text and HTML parts say the same and a language is one
file (two with its other register: formal "Sie" or informal "tu", see REGISTER_WORDS). Dates,
lists of names and amounts are formatted for the language by the filters below. User text
(names, subjects) is only ever passed in as data, never compiled as a template, and HTML is
autoescaped: HTML templates import "_words.html", which is _words.txt compiled again with
escaping on (a macro's output counts as safe where it is printed, so the values inside it must be
escaped where the macro runs); StrictUndefined turns a typo in a template into an error.
"""
import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path

from jinja2 import (
    BytecodeCache,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
)
from jinja2.bccache import Bucket
from jinja2.loaders import BaseLoader
from markupsafe import Markup

from worker.core import locales
from worker.core.money import Amount, format_money, format_sums
from worker.mail.names import first_name  # noqa: F401 - re-exported: templates greet by it


def _builtin_dir() -> Path:
    """templates/ of the checkout, or the copy a wheel installs as introledger_templates."""
    root = Path(__file__).resolve().parents[2]
    if (root / "pyproject.toml").is_file() and (root / "templates").is_dir():
        return root / "templates"  # running from a checkout (also an editable install)
    spec = importlib.util.find_spec("introledger_templates")
    if spec is None or not spec.submodule_search_locations:
        raise TemplateProblem("the built-in mail templates are not installed (package introledger_templates)")
    return Path(next(iter(spec.submodule_search_locations)))


class TemplateProblem(RuntimeError):
    """A template is missing or broken; the message names the file."""


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    language: str = ""
    register: str = ""


BUILTIN = _builtin_dir()


def _money(value: Amount | None, locale: str) -> str:
    return format_money(value.minor, value.currency, locale) if value else ""


WORDS = "_words.txt"
# A language's words are written in one register (German "du", French "vous": its _words.txt
# says which and why); the other register's are in _words.formal.txt or _words.informal.txt beside
# it: only the macros that address or greet the reader, laid over _words.txt as a user's file is
# over ours. English has one register, and so no such file.
REGISTER_WORDS = "_words.{}.txt"
_REGISTERS = (locales.FORMAL, locales.INFORMAL)
_MACRO = re.compile(r"\{%-?\s*macro\s+(\w+)\b.*?\{%-?\s*endmacro\s*-?%\}", re.DOTALL)
_MACRO_NAME = re.compile(r"\{%-?\s*macro\s+(\w+)\b")


class _Loader(BaseLoader):
    """The folders in order; "_words.html" is the source of "_words.txt", to be compiled for HTML.

    The words are layered: the user's file for the language, ours, then English; a macro the first
    lacks comes from the next that has it. So templates_dir/de/_words.txt may reword one German
    phrase, and a mail added in English only goes out (partly in English) rather than not at all
    (tests/outbound/test_languages.py finds the English left in it)."""

    def __init__(self, dirs: list[Path], words: list[Path]):
        self.folders = ChoiceLoader([FileSystemLoader(str(d)) for d in dirs])
        self.words = [(FileSystemLoader(str(f.parent)), f.name) for f in words]

    def get_source(self, environment: Environment, template: str):
        if template not in (WORDS, "_words.html"):
            return self.folders.get_source(environment, template)
        layers = []
        for loader, name in self.words:
            try:
                layers.append(loader.get_source(environment, name))
            except TemplateNotFound:
                continue
        if not layers:
            raise TemplateNotFound(WORDS)
        source, filename, _ = layers[0]
        for more, _, _ in layers[1:]:
            have = set(_MACRO_NAME.findall(source))
            source = "\n".join([source, *(m.group(0) for m in _MACRO.finditer(more) if m.group(1) not in have)])
        checks = [check for _, _, check in layers if check is not None]
        return source, filename, lambda: all(check() for check in checks)

    def list_templates(self) -> list[str]:
        return self.folders.list_templates()


def _capitalize_first(text: str) -> str:
    """"der Kontakt mit …" opening a sentence: the first letter up, the rest as it is (capitalize
    lowers the rest), and what was escaped already stays so (Markup in, Markup out)."""
    raised = str(text)[:1].upper() + str(text)[1:]
    return Markup(raised) if isinstance(text, Markup) else raised


_ENDS = ".,;:。"  # a stop the person's words end with; an ellipsis ("...", "…") is kept as written


def _clause(text: str) -> str:
    """A person's words (a note with an answer) quoted inside our sentence, which ends with its own
    full stop: "(he went with his brother-in-law in the end.)." had two. Their stop goes, their "!"
    and "?" stay; what was escaped stays so (Markup in, Markup out)."""
    said = str(text).strip()
    if not said.endswith(("...", "…")):
        said = said.rstrip(_ENDS).rstrip()
    return Markup(said) if isinstance(text, Markup) else said


class _Compiled(BytecodeCache):
    """Compiled templates shared by every Environment in the process.

    Compiling is most of the cost of a first mail (~30 ms a template); each Templates (one per
    app: a config reload, every `introledger` command, every test) would otherwise compile them
    all again. Jinja keys a template by name and file and stores the source's checksum beside the
    code, so an edited template is compiled afresh. The environments share one configuration
    (_environment), so their compiled code is interchangeable."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


_COMPILED = _Compiled()


def _environment(dirs: list[Path], language: str, register: str, words: list[Path]) -> Environment:
    env = Environment(
        loader=_Loader(dirs, words),
        bytecode_cache=_COMPILED,
        undefined=StrictUndefined,
        autoescape=lambda name: bool(name and name.endswith(".html")),
        trim_blocks=False,
    )
    locale = locales.LOCALES[language]
    for form in ("long", "full", "weekday", "short", "day_month", "month"):
        env.filters[f"{form}_date"] = lambda value, form=form: locales.when(value, form, language)
    env.filters["names"] = lambda items: locales.names(list(items), language)
    # {{ "a" | euphonic(p.first_name) }} {{ p.first_name }}: Italian "ad Álvaro", "ed Elena"
    env.filters["euphonic"] = lambda word, before: locales.euphonic(word, str(before), language)
    env.filters["capitalize_first"] = _capitalize_first
    env.filters["clause"] = _clause  # a person's note quoted inside one of our sentences
    env.filters["money"] = lambda value: _money(value, locale)
    env.filters["sums"] = lambda sums: format_sums(sums or {}, locale)
    # The example amount of a "won" answer in a member's currency, as this language writes it ("€4,500").
    env.filters["example_amount"] = lambda currency: format_money(450000, currency, locale)
    env.globals["language"] = language
    env.globals["register"] = register
    return env


class Templates:
    def __init__(self, user_dir: Path | None = None, language: str = locales.DEFAULT):
        self.user_dir = Path(user_dir) if user_dir else None
        self.language = locales.supported(language) or locales.DEFAULT  # outbound.language
        self._envs: dict[tuple[str, str], Environment] = {}
        self._written: set[str] | None = None  # the languages with words (templates/<language>/_words.txt)

    def env(self, language: str | None = None, register: str = "") -> Environment:
        """The templates in one language: its own folder first (the user's, then ours), then the shape.
        A language nobody wrote words for is written in outbound.language (then English). `register`
        (formal, informal; worker/core/locales.py says which): that register's words over the rest."""
        roots = [d for d in (self.user_dir, BUILTIN) if d]  # the user's file wins over ours
        if self._written is None:
            self._written = {w for w in locales.LANGUAGES if any((r / w / WORDS).is_file() for r in roots)}
        wanted = [locales.supported(language), self.language, locales.DEFAULT]
        language = next(w for w in wanted if w in self._written or w == locales.DEFAULT)
        two = any((r / language / REGISTER_WORDS.format(w)).is_file() for r in roots for w in _REGISTERS)
        register = register if register in _REGISTERS and two else ""  # English: one register
        if (language, register) not in self._envs:
            other = [r / language / REGISTER_WORDS.format(register) for r in roots] if register else []
            words = [*other, *(r / w / WORDS for w in dict.fromkeys((language, locales.DEFAULT)) for r in roots)]
            self._envs[language, register] = _environment([*(r / language for r in roots), *roots], language,
                                                          register, words)
        return self._envs[language, register]

    def render(self, kind: str, language: str | None = None, register: str = "", **data) -> Rendered:
        """`kind` in `language` (else outbound.language), in `register` ("": as _words.txt is written)."""
        env = self.env(language, register)
        text_module = self._run(env, f"{kind}.txt", lambda t: t.make_module(data))
        html = self._run(env, f"{kind}.html", lambda t: t.render(data))
        subject = " ".join(str(getattr(text_module, "subject", "")).split())
        if not subject:
            raise TemplateProblem(f"template {kind}.txt sets no subject ({{% set subject %}})")
        return Rendered(subject, str(text_module).strip() + "\n", html, str(env.globals["language"]),
                        str(env.globals["register"]))

    @staticmethod
    def _run(env: Environment, name: str, step):
        template = None
        try:
            template = env.get_template(name)
            return step(template)
        # TypeError: Jinja's own for a macro called with what it does not take (an override words file
        # written for an older signature) — the senders mark such a mail failed with this reason.
        except (TemplateError, TypeError) as exc:
            where = getattr(exc, "filename", None) or (template.filename if template else None) or name
            raise TemplateProblem(f"template {where}: {exc}") from exc

    def names(self) -> list[str]:
        return sorted({n.rsplit(".", 1)[0] for n in self.env().list_templates()
                       if "/" not in n and not n.startswith("_") and n.endswith(".txt")})

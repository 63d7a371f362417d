"""Render every mail kind in every language and register with sample data, through a deployment's
templates, and name what fails: the file, the macro or line, and Jinja's message.

The word macros' signatures grow with the product (follow_up_body gained heads_up and again); a
deployment's templates_dir/<language>/_words.txt written against the old one renders until the
mail that calls it is due, weeks later, and then fails at send time. `doctor` and `templates
check` run this so it fails at deploy time instead.
"""
import re
import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment, TemplateSyntaxError

from worker.core import locales
from worker.outbound.samples import samples, variants
from worker.outbound.templating import BUILTIN, WORDS, TemplateProblem, Templates

_CALLED = re.compile(r"macro '(\w+)'")  # Jinja's own words for a call a macro cannot take
_MACRO_PARAMS = re.compile(r"\{%-?\s*macro\s+(\w+)\s*\(([^)]*)\)")
_SIGNATURE = r"\{{%-?\s*macro\s+{}\s*\(([^)]*)\)"
_SHAPES = ("*.txt", "*.html")


@dataclass
class _Failure:
    line: str  # file, what in it, Jinja's message, and the fix
    where: list[str] = field(default_factory=list)  # "follow_up (de formal)": the mails it costs


def check(user_dir: Path | None, language: str = locales.DEFAULT) -> list[str]:
    """Problems, one line each: a user's template that does not parse, and every mail kind that does
    not render in some language and register (with the file, macro and message that says why)."""
    if user_dir is None or not user_dir.is_dir():
        return []  # ours alone: the tests render every kind in every language (tests/outbound)
    broken = list(_syntax(user_dir))
    templates = Templates(user_dir, language)
    failures: dict[str, _Failure] = {}
    seen: set[int] = set()
    data, more = samples(), variants()
    for lang in _touched(user_dir, language):
        for register in (locales.FORMAL, locales.INFORMAL):
            env = templates.env(lang, register)
            if id(env) in seen:
                continue  # English has one register: formal and informal are the same words
            seen.add(id(env))
            shown = f"{env.globals['language']}" + (f" {env.globals['register']}" if env.globals["register"] else "")
            for kind in templates.names():
                for extra in [{}, *more.get(kind, [])]:
                    try:
                        templates.render(kind, lang, register, **{**data.get(kind, {}), **extra})
                    except (TemplateProblem, TypeError, ValueError, AttributeError, LookupError) as exc:
                        cause = exc.__cause__ if isinstance(exc, TemplateProblem) and exc.__cause__ else exc
                        if broken and isinstance(cause, TemplateSyntaxError):
                            continue  # named once below, with its line
                        line = _explain(cause, env)
                        where = failures.setdefault(line, _Failure(line)).where
                        if f"{kind} ({shown})" not in where:  # several variants of one mail: named once
                            where.append(f"{kind} ({shown})")
    rendered = [f"{f.line} [{_listed(f.where)}]" for f in failures.values()]
    unreached = [line for named, line in _shorter(user_dir) if not any(r.startswith(named) for r in rendered)]
    return broken + rendered + unreached


def _shorter(user_dir: Path) -> Iterable[tuple[str, str]]:
    """(file: macro(), line) for each of the user's word macros that takes fewer arguments than ours:
    the samples reach most branches, not all, and a call with more arguments than a macro takes fails."""
    for theirs in sorted(user_dir.glob("*/_words*.txt")):
        mine = [BUILTIN / theirs.parent.name / theirs.name, BUILTIN / theirs.parent.name / WORDS,
                BUILTIN / locales.DEFAULT / WORDS]
        for macro, params in _MACRO_PARAMS.findall(theirs.read_text(encoding="utf-8")):
            ours = next((p for p in mine if p.is_file() and _signature(p, macro) is not None), None)
            wanted = _signature(ours, macro) if ours else None
            if ours is None or wanted is None or len(_names(params)) >= len(_names(wanted)):
                continue
            named = f"{_shown(theirs)}: {macro}()"
            yield named, (f"{named} takes {len(_names(params))} argument(s), the product's takes "
                          f"{len(_names(wanted))}: {macro}({wanted}) — copy the new signature from {_shown(ours)}")


def _names(params: str) -> list[str]:
    return [p.split("=")[0].strip() for p in params.split(",") if p.strip()]


def _touched(user_dir: Path, language: str) -> list[str]:
    """The languages to render: those the user has a folder for and, for a template at the top (every
    language's), the deployment's own. Compiling a language's words costs ~0.1 s a register, and ours
    have every macro in every language (tests/outbound/test_words.py), so one language shows what a
    template at the top calls wrongly."""
    def has_templates(folder: Path) -> bool:
        return folder.is_dir() and any(p.is_file() for shape in _SHAPES for p in folder.glob(shape))

    top = [locales.supported(language) or locales.DEFAULT] if has_templates(user_dir) else []
    return list(dict.fromkeys([*top, *(lang for lang in locales.LANGUAGES if has_templates(user_dir / lang))]))


def _syntax(user_dir: Path) -> Iterable[str]:
    """Each of the user's templates that Jinja cannot parse, with its line (parsed alone: a words
    file is otherwise read merged with ours, so a line there would not be the file's)."""
    env = Environment()
    for shape in _SHAPES:
        for path in sorted(user_dir.rglob(shape)):
            try:
                env.parse(path.read_text(encoding="utf-8"), path.name, str(path))
            except TemplateSyntaxError as exc:
                yield f"{_shown(path)}:{exc.lineno}: {exc.message}"


def _explain(exc: BaseException, env: Environment) -> str:
    """One line: where it went wrong and why; for a macro called with what it no longer takes, the
    file that defines it and our signature to copy."""
    message = str(exc.__cause__ or exc) if isinstance(exc, TemplateProblem) else str(exc)
    called = _CALLED.search(message) if isinstance(exc, TypeError) else None
    if called:
        macro = called.group(1)
        words = _words_files(env)
        theirs = next((p for p in words if _signature(p, macro) is not None), None)
        ours = next((p for p in words if p.is_relative_to(BUILTIN) and _signature(p, macro) is not None), None)
        if theirs is not None:
            fix = ""
            if ours is not None and ours != theirs:
                fix = (f"; the product calls {macro}({_signature(ours, macro)}) — copy the new signature "
                       f"from {_shown(ours)}")
            return f"{_shown(theirs)}: {macro}(): {message}{fix}"
    frame = _template_frame(exc)
    return f"{frame}: {message}" if frame else message


def _words_files(env: Environment) -> list[Path]:
    """The words files this environment layers, first wins (templating._Loader)."""
    loader = env.loader
    return [Path(files.searchpath[0]) / name for files, name in getattr(loader, "words", [])
            if (Path(files.searchpath[0]) / name).is_file()]


def _signature(path: Path, macro: str) -> str | None:
    found = re.search(_SIGNATURE.format(re.escape(macro)), path.read_text(encoding="utf-8"))
    return " ".join(found.group(1).split()) if found else None


def _template_frame(exc: BaseException) -> str:
    """file:line of the innermost template line in the traceback (Jinja rewrites it to them)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith((".txt", ".html"))]
    return f"{_shown(Path(frames[-1].filename))}:{frames[-1].lineno}" if frames else ""


def _shown(path: Path) -> str:
    """Ours as templates/…; a user's as written, relative to here when it is below."""
    if path.is_relative_to(BUILTIN):
        return f"templates/{path.relative_to(BUILTIN)}"
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _listed(where: list[str], most: int = 4) -> str:
    return ", ".join(where[:most]) + (f" and {len(where) - most} more" if len(where) > most else "")


"""Jinja2 mail templates: text + HTML per kind, subject set in the text template.

User text (names, subjects) is only ever passed in as data, never compiled as a template, and
HTML is autoescaped; StrictUndefined turns a typo in a template into an error, not a blank.
"""
import importlib.util
from dataclasses import dataclass
from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, TemplateError

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


BUILTIN = _builtin_dir()


class Templates:
    def __init__(self, user_dir: Path | None = None):
        dirs = [str(d) for d in (user_dir, BUILTIN) if d]  # the user's file wins over ours
        self.env = Environment(
            loader=ChoiceLoader([FileSystemLoader(d) for d in dirs]),
            undefined=StrictUndefined,
            autoescape=lambda name: bool(name and name.endswith(".html")),
            trim_blocks=False,
        )

    def render(self, kind: str, **data) -> Rendered:
        text_module = self._run(f"{kind}.txt", lambda t: t.make_module(data))
        html = self._run(f"{kind}.html", lambda t: t.render(data))
        subject = " ".join(str(getattr(text_module, "subject", "")).split())
        if not subject:
            raise TemplateProblem(f"template {kind}.txt sets no subject ({{% set subject %}})")
        return Rendered(subject, str(text_module).strip() + "\n", html)

    def _run(self, name: str, step):
        template = None
        try:
            template = self.env.get_template(name)
            return step(template)
        except TemplateError as exc:
            where = getattr(exc, "filename", None) or (template.filename if template else None) or name
            raise TemplateProblem(f"template {where}: {exc}") from exc

    def names(self) -> list[str]:
        return sorted({n.rsplit(".", 1)[0] for n in self.env.list_templates()
                       if not n.startswith("_") and n.endswith(".txt")})

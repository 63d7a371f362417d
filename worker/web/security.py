"""What keeps the dashboard's pages to their reader: signed cookies, CSRF tokens, security headers.

Cookies carry a random token and its HMAC under the secret from the environment
(web.secret_env); the server checks both, so a cookie cannot be forged or edited. A form's CSRF
token is an HMAC of the browser's own token, so a page on another site cannot know it.
"""
import hashlib
import hmac
import secrets

SESSION_COOKIE = "introledger_session"
BROWSER_COOKIE = "introledger_browser"
FLASH_COOKIE = "introledger_flash"

# No inline script or style anywhere: the pages load /static/app.js and app.css only, and the SVG
# chart uses presentation attributes. frame-ancestors (and X-Frame-Options) stop clickjacking.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-src 'self'; "
       "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'")
HEADERS = (
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),  # a sign-in link in the address bar never leaks onward
    (b"x-content-type-options", b"nosniff"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def digest(token: str) -> str:
    """What the database keeps of a link or session token."""
    return hashlib.sha256(token.encode()).hexdigest()


def _mac(secret: str, purpose: str, value: str) -> str:
    return hmac.new(secret.encode(), f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()[:40]


def sign(secret: str, purpose: str, value: str) -> str:
    return f"{value}.{_mac(secret, purpose, value)}"


def unsign(secret: str, purpose: str, signed: str | None) -> str | None:
    """The value of a cookie we signed for this purpose, or None (absent, forged or edited)."""
    if not signed or "." not in signed:
        return None
    value, _, mac = signed.rpartition(".")
    return value if hmac.compare_digest(mac, _mac(secret, purpose, value)) else None


def csrf_token(secret: str, browser: str) -> str:
    return _mac(secret, "csrf", browser)


def csrf_ok(secret: str, browser: str | None, given: str | None) -> bool:
    return bool(browser and given) and hmac.compare_digest(csrf_token(secret, browser or ""), given or "")


class SecurityHeaders:
    """ASGI middleware: the headers above on every response that did not set its own (the mail
    preview sets a stricter sandbox CSP and allows framing by our own pages)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message):
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in HEADERS if n not in present]
                if b"cache-control" not in present:
                    extra.append((b"cache-control", b"no-store"))  # private figures stay off shared caches
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, with_headers)

"""The web form login of ``cred.web-form-weak-password``: finding a login form on a page,
one browser-like login per fresh session, and the verdict against a wrong password's answer.

Everything a page or an answer holds is hostile: pages are read up to :data:`PAGE_BYTES` and
parsed by :mod:`checks.protocols.htmlform` (bounded), cookies are kept only when they are
header-safe and few, URLs that do not parse are nobody's origin, and redirects are followed on
the login page's own origin only (every request passes the scope guard besides). Text from the
target reaches evidence only through ``one_line``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote, quote_plus, urlencode, urljoin, urlsplit

from checks.creds._policy import Guess
from checks.protocols.htmlform import TEXT_TYPES, UNSENT_TYPES, Form, Page, read_page
from scanner.api import CheckContext, HttpResponse, Inconclusive, one_line

#: Body bytes read of every page and answer.
PAGE_BYTES = 262144
#: Same-origin redirects followed after a login.
HOPS = 3
REDIRECTS = (301, 302, 303, 307, 308)
#: What the name of a user name field contains (the closest such field before the password wins).
USER_NAMES = ("user", "login", "email", "mail", "account", "name", "uid", "id")
#: Words of a page that says logins are locked or limited: no more logins are sent.
LIMITED = ("locked", "too many", "try again later", "temporarily", "captcha", "blocked")
#: Cookies kept of one session, and characters of each.
MAX_COOKIES = 30
MAX_COOKIE = 4096
#: RFC 6265 cookie-octets (and a token's characters for the name: those without = ( ) etc.).
_COOKIE_VALUE = frozenset(chr(c) for c in range(0x21, 0x7F)) - set('",;\\')
_COOKIE_NAME = _COOKIE_VALUE - set("()<>@:/[]?={}")


@dataclass(frozen=True)
class LoginForm:
    """A login form found on a page.

    Attributes:
        page: the URL of the page that shows it (after redirects).
        action: the absolute URL it posts to.
        port: the action's port (where the logins are counted).
        user: the name of its user name field.
        password: the name of its password field.
    """

    page: str
    action: str
    port: int
    user: str
    password: str


@dataclass(frozen=True)
class Answer:
    """What the site answered one login, as far as the verdict needs.

    Attributes:
        status: the status of the last page reached.
        landed: where the login ended (path and query of the last page reached).
        form_back: the login form is on that page again.
        texts: that page's visible text pieces.
        cookies: cookies the answers set to a new value.
    """

    status: int
    landed: str
    form_back: bool
    texts: frozenset[str]
    cookies: frozenset[str]


def _origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an http(s) ``url``; None for anything else, or a URL that
    does not parse (a hostile ``Location: http://[``)."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return parts.scheme, parts.hostname, port


def _resolve(base: str, link: str) -> str:
    """``link`` resolved against ``base``, without its fragment ('' when it does not parse)."""
    try:
        return urljoin(base, link).split("#", 1)[0]
    except ValueError:
        return ""


def find_form(page: Page, url: str) -> LoginForm | str:
    """The login form of ``page`` (served at ``url``), or why it has none."""
    base = _resolve(url, page.base) if page.base else url
    why = "no form with a password field"
    for form in page.forms:
        passwords = form.passwords
        if len(passwords) != 1:  # none, or a sign-up / password-change form
            continue
        at = form.fields.index(passwords[0])
        users = [f for f in form.fields[:at] if f.type in TEXT_TYPES and f.name]
        if not users or not passwords[0].name:
            why = "the form with a password field has no user name field"
            continue
        if form.method != "post":
            why = "the login form sends the password in the URL (method GET): not tried"
            continue
        action = _resolve(base, form.action) if form.action else url
        there, here = _origin(action), _origin(url)
        if there is None or here is None or there[1] != here[1]:
            shown = one_line(action or form.action, 120)
            why = f"the login form posts to another site ({shown}): not tried"
            continue
        named = [f for f in users if any(n in f.name.lower() for n in USER_NAMES)]
        user = (named or users)[-1]
        return LoginForm(url, action, there[2], user.name, passwords[0].name)
    return why


def _fields(form: Form, login: LoginForm, guess: Guess) -> list[tuple[str, str]]:
    """What a browser sends for ``form``, with ``guess`` typed in (the first named submit
    button clicked)."""
    sent: list[tuple[str, str]] = []
    clicked = False
    for f in form.fields:
        if not f.name:
            continue
        if f.name == login.user and f.type in TEXT_TYPES:
            sent.append((f.name, guess.account))
        elif f.type == "password":
            sent.append((f.name, guess.password))
        elif f.type == "submit" and not clicked:
            sent.append((f.name, f.value))
            clicked = True
        elif f.type in UNSENT_TYPES or (f.type in ("checkbox", "radio") and not f.checked):
            continue
        else:
            sent.append((f.name, f.value))
    return sent


def _same_form(page: Page, url: str, login: LoginForm) -> Form | None:
    """The form of ``page`` that is ``login`` (same action and fields), or None."""
    base = _resolve(url, page.base) if page.base else url
    for form in page.forms:
        action = _resolve(base, form.action) if form.action else url
        names = {f.name for f in form.fields}
        if action == login.action and {login.user, login.password} <= names:
            return form
    return None


def _same_origin(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` are http(s) URLs of one origin (scheme, host, port)."""
    return _origin(a) is not None and _origin(a) == _origin(b)


def _where(url: str) -> str:
    """Where on its site ``url`` is: its path and query."""
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


@dataclass
class _Jar:
    """One login's cookies: what the site set, sent back to it (bounded, header-safe)."""

    values: dict[str, str] = field(default_factory=dict)

    def take(self, response: HttpResponse) -> set[str]:
        """Keep the cookies ``response`` sets; the names whose value changed."""
        changed = set()
        for line in response.header_all("Set-Cookie")[:MAX_COOKIES]:
            name, _, value = line.split(";", 1)[0].partition("=")
            name, value = name.strip(), value.strip()
            if not name or len(name) + len(value) > MAX_COOKIE:
                continue
            if not set(name) <= _COOKIE_NAME or not set(value) <= _COOKIE_VALUE:
                continue
            if self.values.get(name) != value:
                changed.add(name)
            if value:
                if name in self.values or len(self.values) < MAX_COOKIES:
                    self.values[name] = value
            else:
                self.values.pop(name, None)
        return changed


class FormLogins:
    """Logins through one login form, each in a fresh session; the first is the baseline."""

    def __init__(self, ctx: CheckContext, form: LoginForm, baseline: Guess) -> None:
        self._ctx, self.form, self._baseline_guess = ctx, form, baseline
        self.baseline: Answer | None = None
        self._page_texts: frozenset[str] = frozenset()
        self.signals: list[str] = []

    @property
    def alive(self) -> bool:
        return True

    def takes(self, guess: Guess) -> bool:
        return True

    def close(self) -> None:
        return None

    def try_login(self, guess: Guess) -> bool:
        answer = self._login(guess)
        if self.baseline is None:
            if guess != self._baseline_guess:
                raise Inconclusive("no wrong-password baseline could be sent before the logins")
            self.baseline = answer
            self._check_baseline()
            return False
        self._stop_if_limited(answer)
        self.signals = self._verdict(answer)
        return bool(self.signals)

    def _get(self, url: str, cookies: dict[str, str]) -> HttpResponse:
        return self._ctx.http_request("GET", url, max_bytes=PAGE_BYTES, cookies=cookies)

    def _login(self, guess: Guess) -> Answer:
        """One login in a new session: the page, the post, same-origin redirects."""
        jar = _Jar()
        shown = self._get(self.form.page, {})
        jar.take(shown)
        page = read_page(shown.text)
        form = _same_form(page, shown.url, self.form)
        if form is None:
            raise Inconclusive(
                f"the login form at {one_line(self.form.page, 120)} did not come back when the "
                f"page was fetched again ({shown.status})"
            )
        if self.baseline is None:
            self._page_texts = frozenset(page.texts)
        for encoded in (quote_plus(guess.password), quote(guess.password)):
            self._ctx.keep_secret(encoded)  # the form's body carries it percent-encoded
        answer = self._ctx.http_request(
            "POST",
            self.form.action,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": "{0.scheme}://{0.netloc}".format(urlsplit(self.form.page)),
                "Referer": self.form.page,
            },
            body=urlencode(_fields(form, self.form, guess)).encode(),
            cookies=dict(jar.values),
            max_bytes=PAGE_BYTES,
        )
        changed = jar.take(answer)
        url = self.form.action
        for _ in range(HOPS):
            location = answer.header("Location")
            if answer.status not in REDIRECTS or not location:
                break
            nxt = _resolve(url, location)
            if not _same_origin(nxt, self.form.page):
                url = nxt or location  # where it went, never followed off the site
                break
            answer, url = self._get(nxt, dict(jar.values)), nxt
            changed |= jar.take(answer)
        final = read_page(answer.text)
        return Answer(
            status=answer.status,
            landed=_where(url) if _same_origin(url, self.form.page) else url,
            form_back=_same_form(final, url, self.form) is not None,
            texts=frozenset(final.texts),
            cookies=frozenset(changed),
        )

    def _markers(self) -> frozenset[str]:
        """The baseline's text that the login page lacks: the wrong password's message."""
        assert self.baseline is not None
        return frozenset(t for t in self.baseline.texts - self._page_texts if len(t) >= 3)

    def _check_baseline(self) -> None:
        assert self.baseline is not None
        b = self.baseline
        if not (b.form_back or b.status >= 400 or self._markers()):
            raise Inconclusive(
                "a deliberately wrong password got an answer like an accepted login (no login "
                f"form, no error, {b.status} at {one_line(b.landed, 120)}): the check cannot "
                "tell a refused login from an accepted one"
            )
        self._stop_if_limited(b, baseline=True)

    def _stop_if_limited(self, answer: Answer, *, baseline: bool = False) -> None:
        """Inconclusive, and no more logins, when the site says logins are limited (or the
        status says so: 423 Locked, 429 Too Many Requests)."""
        assert self.baseline is not None
        said = " ".join(answer.texts - self._page_texts).lower()
        usual = "" if baseline else " ".join(self.baseline.texts).lower()
        word = next((w for w in LIMITED if w in said and w not in usual), "")
        if word or answer.status in (423, 429):
            why = f"'{word}'" if word else f"status {answer.status}"
            raise Inconclusive(
                f"the site says logins are limited ({why} at {one_line(answer.landed, 120)}): "
                "no more logins sent"
            )

    def _verdict(self, answer: Answer) -> list[str]:
        """How ``answer`` shows an accepted login, or [] when it does not."""
        assert self.baseline is not None
        markers = self._markers()
        if answer.form_back or answer.status >= 400 or markers & answer.texts:
            return []
        signals = []
        if answer.landed != self.baseline.landed:
            signals.append(f"it went on to {one_line(answer.landed, 120)}")
        new = sorted(answer.cookies - self.baseline.cookies)
        if new:
            signals.append(f"it set cookie {', '.join(repr(one_line(n, 40)) for n in new[:3])}")
        if not signals:  # nothing tells it from the wrong password's answer but the form
            return []
        if markers:
            sample = one_line(min(markers, key=len), 80)
            signals.insert(0, f"the message a wrong password got was absent ({sample!r})")
        return ["the login form did not come back", *signals]

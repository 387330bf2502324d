"""Settings of the GitHub App server, read once from the environment.

Every problem is reported as one `SettingsError` line that names the variable, so `python app.py`
can print it and exit non-zero. Secrets (the private key and the webhook secret) are never part of
a message or of `repr(settings)`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key

_LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")


class SettingsError(ValueError):
    """A missing or invalid setting; the message is one line and contains no secret."""


@dataclass(frozen=True)
class ServerBasics:
    """What the server needs before it has App credentials: where to listen, where its data lives,
    which GitHub to talk to. The App-manifest setup mode (bot/appmanifest.py) runs on these alone."""

    host: str = "0.0.0.0"
    port: int = 8000
    data_dir: Path = Path(".hybridize-data")
    github_api_url: str = "https://api.github.com"
    log_level: str = "INFO"
    log_format: str = "text"  # LOG_FORMAT: "text" or "json" (one object per line, bot/logs.py)
    # BOT_PUBLIC_URL: the address GitHub reaches this server at (webhook and setup redirect); unset,
    # the setup page uses the address the browser used.
    public_url: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> ServerBasics:
        env = _Env(environ)
        public = env.text("BOT_PUBLIC_URL", "")
        return cls(
            host=env.text("HOST", "0.0.0.0"),
            port=env.integer("PORT", 8000, low=1, high=65535),
            data_dir=Path(env.text("BOT_DATA_DIR", ".hybridize-data")),
            github_api_url=env.url("GITHUB_API_URL", "https://api.github.com"),
            log_level=env.choice("LOG_LEVEL", "INFO", _LOG_LEVELS),
            log_format=env.choice("LOG_FORMAT", "TEXT", ("TEXT", "JSON")).lower(),
            public_url=env.url("BOT_PUBLIC_URL", public) if public else None,
        )


@dataclass(frozen=True)
class Settings:
    """Everything the server needs to run. Build it with `Settings.from_env(os.environ)`."""

    app_id: str
    private_key: str = field(repr=False)
    webhook_secret: str = field(repr=False)
    github_api_url: str = "https://api.github.com"
    host: str = "0.0.0.0"
    port: int = 8000
    data_dir: Path = Path(".hybridize-data")
    log_level: str = "INFO"
    log_format: str = "text"  # LOG_FORMAT: "text" or "json" (one object per line, bot/logs.py)
    bot_name: str = "hybridize-bot"
    workers: int = 2
    analysis_timeout_s: float = 120.0
    # GitHub client retries (GITHUB_*). Small values in tests keep them fast.
    github_timeout_s: float = 30.0
    github_max_retries: int = 5
    github_retry_base_delay_s: float = 1.0
    # Never sleep longer than this for one rate-limit wait: past it the request fails and the job is
    # retried later by the queue, instead of holding a worker for up to an hour.
    github_max_retry_wait_s: float = 120.0
    # GitHub: without retry-after or x-ratelimit-reset, "wait for at least one minute" before
    # retrying a secondary-rate-limited request.
    # https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#exceeding-the-rate-limit
    github_secondary_wait_s: float = 60.0
    # GITHUB_RATE_RESERVE: a job of an installation with fewer requests left in its rate-limit window
    # waits in the queue until the window resets (bot/rate_budget.py).
    github_rate_reserve: int = 50
    # Queue (BOT_JOB_*): how often a failing job is tried, and the first retry delay (doubles).
    job_max_attempts: int = 4
    job_retry_base_delay_s: float = 30.0
    # BOT_JOB_LEASE (Redis queue): a running job's lease, renewed while its process lives; a killed
    # process's job and per-PR locks are taken over once their leases expire.
    job_lease_s: float = 30.0
    # QUEUE_URL: "sqlite:" (default: BOT_DATA_DIR/queue.sqlite3, one process) or
    # "redis://[:password@]host:port/db" (bot/queue_redis.py, several processes and machines).
    # Not in repr: a Redis URL may hold a password (log `redact_url(settings.queue_url)`).
    queue_url: str = field(default="sqlite:", repr=False)
    # CACHE_MAX_AGE_DAYS: cached blobs and analysis-cache files older than this are deleted
    # (bot/private_data.py; docs/security.md).
    cache_max_age_s: float = 7 * 86400.0

    @property
    def queue_path(self) -> Path:
        return self.data_dir / "queue.sqlite3"

    @property
    def analysis_cache_dir(self) -> Path:
        """The analysis' on-disk cache (analysis/cache.py), shared by the review and the follow-up jobs:
        the follow-up's fix engine re-analyzes the sources the review just analyzed, which then costs
        cache reads instead of a second full analysis."""
        return self.data_dir / "analysis-cache"

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Read and validate the settings; raise SettingsError (one line) on the first problem."""
        env = _Env(environ)
        app_id = env.required("GITHUB_APP_ID")
        private_key = _read_private_key(environ)
        webhook_secret = env.required("GITHUB_WEBHOOK_SECRET", strip=False)
        basics = ServerBasics.from_env(environ)
        return cls(
            app_id=app_id,
            private_key=private_key,
            webhook_secret=webhook_secret,
            github_api_url=basics.github_api_url,
            host=basics.host,
            port=basics.port,
            data_dir=basics.data_dir,
            log_level=basics.log_level,
            log_format=basics.log_format,
            bot_name=env.text("BOT_NAME", "hybridize-bot"),
            workers=env.integer("WORKERS", 2, low=0, high=64),
            analysis_timeout_s=env.number("ANALYSIS_TIMEOUT", 120.0, low=0.001),
            github_timeout_s=env.number("GITHUB_TIMEOUT", 30.0, low=0.001),
            github_max_retries=env.integer("GITHUB_MAX_RETRIES", 5, low=0, high=20),
            github_retry_base_delay_s=env.number("GITHUB_RETRY_BASE_DELAY", 1.0, low=0.0),
            github_max_retry_wait_s=env.number("GITHUB_MAX_RETRY_WAIT", 120.0, low=0.0),
            github_secondary_wait_s=env.number("GITHUB_SECONDARY_RATE_WAIT", 60.0, low=0.0),
            github_rate_reserve=env.integer("GITHUB_RATE_RESERVE", 50, low=0, high=15000),
            job_max_attempts=env.integer("BOT_JOB_MAX_ATTEMPTS", 4, low=1, high=100),
            job_retry_base_delay_s=env.number("BOT_JOB_RETRY_BASE_DELAY", 30.0, low=0.0),
            job_lease_s=env.number("BOT_JOB_LEASE", 30.0, low=0.5),
            queue_url=_queue_url(env.text("QUEUE_URL", "sqlite:")),
            cache_max_age_s=86400.0 * env.number("CACHE_MAX_AGE_DAYS", 7.0, low=0.001),
        )

    @property
    def uses_redis(self) -> bool:
        return self.queue_url != "sqlite:"


class _Env:
    """Typed access to environment variables; empty strings count as unset."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ

    def _get(self, name: str) -> str | None:
        value = self._environ.get(name)
        if value is None or not value.strip():
            return None
        return value

    def required(self, name: str, *, strip: bool = True) -> str:
        value = self._get(name)
        if value is None:
            raise SettingsError(f"{name} is not set; it is required")
        return value.strip() if strip else value

    def text(self, name: str, default: str) -> str:
        value = self._get(name)
        return default if value is None else value.strip()

    def url(self, name: str, default: str) -> str:
        value = self.text(name, default).rstrip("/")
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise SettingsError(f"{name}={value!r} is not an http(s) URL")
        return value

    def integer(self, name: str, default: int, *, low: int, high: int) -> int:
        raw = self._get(name)
        if raw is None:
            return default
        try:
            value = int(raw.strip())
        except ValueError:
            raise SettingsError(f"{name}={raw!r} is not an integer") from None
        if not low <= value <= high:
            raise SettingsError(f"{name}={value} is out of range ({low}..{high})")
        return value

    def number(self, name: str, default: float, *, low: float) -> float:
        raw = self._get(name)
        if raw is None:
            return default
        try:
            value = float(raw.strip())
        except ValueError:
            raise SettingsError(f"{name}={raw!r} is not a number") from None
        if not math.isfinite(value) or value < low:
            raise SettingsError(f"{name}={raw.strip()} must be a finite number >= {low}")
        return value

    def choice(self, name: str, default: str, choices: tuple[str, ...]) -> str:
        value = self.text(name, default).upper()
        if value not in choices:
            raise SettingsError(f"{name}={value!r} is not one of {', '.join(choices)}")
        return value


def _read_private_key(environ: Mapping[str, str]) -> str:
    """Return the App's PEM private key from GITHUB_PRIVATE_KEY or GITHUB_PRIVATE_KEY_PATH.

    The key is parsed here so that a malformed key stops start-up instead of failing the first job.
    Error messages name the variable or the file, never the content.
    """
    text = environ.get("GITHUB_PRIVATE_KEY", "").strip()
    path = environ.get("GITHUB_PRIVATE_KEY_PATH", "").strip()
    if text and path:
        raise SettingsError("set only one of GITHUB_PRIVATE_KEY and GITHUB_PRIVATE_KEY_PATH")
    if path:
        source = f"GITHUB_PRIVATE_KEY_PATH ({path})"
        try:
            text = Path(path).read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not ASCII text"
            raise SettingsError(f"{source} cannot be read: {reason}") from None
    elif text:
        source = "GITHUB_PRIVATE_KEY"
        # Platforms that cannot hold multi-line variables often store the PEM with literal "\n".
        if "\\n" in text and "\n" not in text:
            text = text.replace("\\n", "\n")
    else:
        raise SettingsError("GITHUB_PRIVATE_KEY or GITHUB_PRIVATE_KEY_PATH must be set")
    try:
        key = load_pem_private_key(text.encode("ascii", "replace"), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        # The library's message may quote parts of the input; never echo it.
        raise SettingsError(f"{source} is not an unencrypted PEM private key") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        # GitHub App keys are RSA and JWTs must be RS256.
        # https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-json-web-token-jwt-for-a-github-app
        raise SettingsError(f"{source} is not an RSA private key (GitHub Apps sign RS256 JWTs)")
    return text + "\n"


def _queue_url(value: str) -> str:
    """Validate QUEUE_URL: "sqlite:" or redis(s)://host[:port][/db]; the message hides a password."""
    if value.lower() in ("sqlite:", "sqlite"):
        return "sqlite:"
    problem = "is not sqlite: or redis://host:port/db"
    try:
        parts = urlsplit(value)
        port = parts.port  # ValueError if not a number in 0..65535
        db = parts.path.lstrip("/")
        if parts.scheme not in ("redis", "rediss") or not parts.hostname:
            raise ValueError
        if db and not db.isdigit():
            problem = "has a database that is not a number (redis://host:port/0)"
            raise ValueError
        if port == 0:
            raise ValueError
    except ValueError:
        raise SettingsError(f"QUEUE_URL={redact_url(value)!r} {problem}") from None
    return value


def redact_url(url: str) -> str:
    """The URL with its password replaced by ***, for messages and logs."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return "<unparsable URL>"
    if password is None:
        return url
    user = parts.username or ""
    return parts._replace(netloc=f"{user}:***@" + parts.netloc.rsplit("@", 1)[1]).geturl()

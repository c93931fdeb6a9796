"""One frozen Settings, read from the environment once at start-up and passed down."""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE = f"sqlite:///{PROJECT_ROOT / 'var' / 'samhandling.db'}"
DEV_SECRET = "dev-only-secret-not-for-production"
# Keys that ship in this repository or in common examples: anyone can read them, so anyone
# could sign action links with them. Compared lower-cased, without surrounding spaces.
PLACEHOLDER_SECRETS = frozenset({
    DEV_SECRET, "change-me-in-production", "change-me", "changeme", "change_me", "secret",
    "secret-key", "secret_key", "secretkey", "your-secret-key", "development", "dev", "test",
    "password", "please-change-me", "replace-me",
})
MIN_SECRET_BYTES = 32
MAKE_A_SECRET = 'python -c "import secrets; print(secrets.token_urlsafe(48))"'


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names it."""


def _bool(value: str) -> bool:
    if value.strip().lower() in {"1", "true", "yes", "on"}:
        return True
    if value.strip().lower() in {"0", "false", "no", "off", ""}:
        return False
    raise SettingsError(f"expected a boolean, got {value!r}")


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None


def _count(env: Mapping[str, str], name: str) -> int:
    value = _int(env, name, 0)
    if value < 0:
        raise SettingsError(f"{name} must be 0 or more, got {value}")
    return value


def check_secret_key(secret: str, environment: str) -> None:
    """Outside development the key must be real: set, not a known placeholder, 32 bytes or more."""
    if environment == "development":
        return
    if not secret:
        problem = "is required"
    elif secret.strip().lower() in PLACEHOLDER_SECRETS:
        problem = "is a published placeholder, so anyone could forge action links with it"
    elif len(secret.encode()) < MIN_SECRET_BYTES:
        problem = f"is shorter than {MIN_SECRET_BYTES} bytes"
    else:
        return
    raise SettingsError(
        f"SECRET_KEY {problem} when APP_ENV is {environment!r} (not 'development'). "
        f"Make one with:  {MAKE_A_SECRET}"
    )


def _log_format(value: str) -> str:
    if value.strip().lower() not in {"", "json", "text"}:
        raise SettingsError(f"LOG_FORMAT must be json or text, got {value!r}")
    return value.strip().lower()


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_SQLITE
    redis_url: str = "redis://127.0.0.1:6379/0"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_user: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_starttls: bool = False
    smtp_timeout: int = 10
    mail_from: str = "samhandling <samhandling@samhandling.example>"
    public_base_url: str = "http://127.0.0.1:8000"
    secret_key: str = field(default=DEV_SECRET, repr=False)
    handbook_path: str = ""
    tz_name: str = "Europe/Oslo"
    environment: str = "development"
    max_body_bytes: int = 64 * 1024
    # The relay publishes again any event not processed this many seconds after publishing,
    # so a broker that restarts empty loses nothing.
    relay_republish_after: int = 60
    relay_poll_interval: float = 0.1
    # Redis transport: an unacknowledged message goes back to the queue after this long.
    broker_visibility_timeout: int = 300
    # A notification claimed by a worker that died is claimable again after this long.
    send_claim_timeout: int = 120
    # Flask-Limiter notation, per client address, on the public submission endpoints.
    rate_limit_submissions: str = "20 per minute;200 per day"
    rate_limit_storage: str = ""  # empty: the Redis at redis_url
    # Sign-in links asked for at /logg-inn: per e-mail address asked, and per client address.
    rate_limit_sign_in_address: str = "5 per 15 minutes"
    rate_limit_sign_in_client: str = "30 per 15 minutes"
    # Reverse proxies in front of the intake whose X-Forwarded-For/-Proto/-Host are believed;
    # 0: none, the connection's address is the client (a forged header changes nothing).
    trusted_proxies: int = 0
    deadline_check_interval: float = 60.0  # seconds between beat's looks at due deadlines
    log_format: str = ""  # json | text; empty: text in development, json elsewhere
    log_level: str = "INFO"
    # The notifier worker's Prometheus exporter port; 0 leaves it off.
    metrics_port: int = 0

    def __post_init__(self) -> None:
        check_secret_key(self.secret_key, self.environment)

    @property
    def effective_log_format(self) -> str:
        return self.log_format or ("text" if self.environment == "development" else "json")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        defaults = cls()
        environment = env.get("APP_ENV", defaults.environment)
        secret = env.get("SECRET_KEY", "")
        check_secret_key(secret, environment)  # before anything else, so this error comes first
        return cls(
            database_url=env.get("DATABASE_URL") or defaults.database_url,
            redis_url=env.get("REDIS_URL") or defaults.redis_url,
            smtp_host=env.get("SMTP_HOST") or defaults.smtp_host,
            smtp_port=_int(env, "SMTP_PORT", defaults.smtp_port),
            smtp_user=env.get("SMTP_USER", ""),
            smtp_password=env.get("SMTP_PASSWORD", ""),
            smtp_starttls=_bool(env.get("SMTP_STARTTLS", "")),
            smtp_timeout=_int(env, "SMTP_TIMEOUT", defaults.smtp_timeout),
            mail_from=env.get("MAIL_FROM") or defaults.mail_from,
            public_base_url=(env.get("PUBLIC_BASE_URL") or defaults.public_base_url).rstrip("/"),
            secret_key=secret or DEV_SECRET,
            handbook_path=env.get("HANDBOOK_PATH", ""),
            tz_name=env.get("TZ_NAME") or defaults.tz_name,
            environment=environment,
            max_body_bytes=_int(env, "MAX_BODY_BYTES", defaults.max_body_bytes),
            relay_republish_after=_int(env, "RELAY_REPUBLISH_AFTER", defaults.relay_republish_after),
            relay_poll_interval=float(env.get("RELAY_POLL_INTERVAL") or defaults.relay_poll_interval),
            broker_visibility_timeout=_int(
                env, "BROKER_VISIBILITY_TIMEOUT", defaults.broker_visibility_timeout
            ),
            send_claim_timeout=_int(env, "SEND_CLAIM_TIMEOUT", defaults.send_claim_timeout),
            rate_limit_submissions=env.get("RATE_LIMIT_SUBMISSIONS")
            or defaults.rate_limit_submissions,
            rate_limit_storage=env.get("RATE_LIMIT_STORAGE", ""),
            trusted_proxies=_count(env, "TRUSTED_PROXIES"),
            deadline_check_interval=float(
                env.get("DEADLINE_CHECK_INTERVAL") or defaults.deadline_check_interval
            ),
            log_format=_log_format(env.get("LOG_FORMAT", "")),
            log_level=(env.get("LOG_LEVEL") or defaults.log_level).upper(),
            metrics_port=_int(env, "METRICS_PORT", defaults.metrics_port),
        )

    def with_overrides(self, **changes: Any) -> Settings:
        return replace(self, **changes)

"""One Settings object, read from CARTESIO_* environment variables."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# The embedded database and the development signing key live here unless told otherwise.
DEFAULT_VAR_DIR = Path.cwd() / "var"


class ConfigError(RuntimeError):
    """Start-up refused because the configuration is unsafe or incomplete."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CARTESIO_", extra="ignore")

    environment: Literal["development", "production", "test"] = "development"
    var_dir: Path = DEFAULT_VAR_DIR
    database_url: str | None = None
    # Connections per process: the ORM pool for writes and searches, the read pool for by-id reads. Keep the
    # read pool at least as large as the concurrent requests a process serves, and the sum of both times the
    # processes below PostgreSQL's max_connections.
    db_pool_size: int = Field(default=20, ge=1)
    db_max_overflow: int = Field(default=10, ge=0)
    db_read_pool_size: int = Field(default=32, ge=1)
    db_echo: bool = False

    jwt_secret: SecretStr | None = None
    jwt_algorithm: Literal["HS256", "HS384", "HS512"] = "HS256"
    jwt_issuer: str = "cartesio"
    jwt_audience: str = "cartesio-api"
    access_token_ttl_seconds: int = Field(default=3600, ge=60, le=86400)

    # Login throttling: failures counted per account and per client address over a sliding window.
    login_max_failures: int = Field(default=5, ge=1)
    # Higher: many people may sign in from behind one office or university address.
    login_max_failures_per_address: int = Field(default=50, ge=1)
    login_window_seconds: int = Field(default=300, ge=1)

    max_body_bytes: int = Field(default=1_048_576, ge=1024, description="Largest JSON request body accepted.")
    # Sync batches (POST .../clusters:batch) carry up to this many records, in up to this many bytes.
    sync_batch_max_records: int = Field(default=10_000, ge=1)
    sync_batch_max_bytes: int = Field(default=64 * 1_048_576, ge=1024)
    # Uploaded files (shared EMAS resources): the largest accepted, and where they are kept (var/files when unset).
    upload_max_bytes: int = Field(default=20 * 1_048_576, ge=1024)
    storage_dir: Path | None = None
    # Messages to registrants (confirmation links, seats freed) go out by SMTP from the worker; none without a host.
    smtp_host: str | None = None
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_starttls: bool = False
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "noreply@cartesio.invalid"
    # Where people open the links of those messages (the client's address).
    public_url: str = "http://localhost:8000"
    # Open datasets: the licence they are published under and who publishes them.
    datasets_licence: str = "CC-BY-4.0"
    datasets_licence_url: str = "https://creativecommons.org/licenses/by/4.0/"
    datasets_publisher: str = "Cartesio"

    # The changes feed keeps tombstones this long; a cursor from before then answers 410.
    changes_retention_seconds: int = Field(default=30 * 86400, ge=60)
    # Intermediate versions of a resource that changed again are compacted away after this long.
    changes_compact_after_seconds: int = Field(default=3600, ge=0)

    # Idempotency keys: the first answer is replayed to retries for this long.
    idempotency_ttl_seconds: int = Field(default=86400, ge=60)
    # A retry waits this long for the first request with its key to finish before answering 409.
    idempotency_wait_seconds: float = Field(default=10.0, ge=0)

    # Per-client token bucket: sustained requests per second and burst. 0 turns the limit off.
    rate_limit_per_second: float = Field(default=50.0, ge=0)
    rate_limit_burst: int = Field(default=200, ge=1)
    # Anonymous callers (public pages, open data), per address: lower than for accounts, so that a university's
    # reader account gets more than an anonymous download. 0 turns it off.
    rate_limit_anonymous_per_second: float = Field(default=10.0, ge=0)
    rate_limit_anonymous_burst: int = Field(default=100, ge=1)

    # Webhooks: retries back off exponentially from the base, and stop after the max age.
    webhook_retry_base_seconds: float = Field(default=10.0, gt=0)
    webhook_retry_max_interval_seconds: float = Field(default=3600.0, gt=0)
    webhook_max_age_seconds: int = Field(default=86400, ge=1)
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    # Deliveries to loopback, private or link-local addresses (the service's own network) are refused in
    # production unless this is set; elsewhere they are allowed, for local receivers.
    webhook_allow_private_targets: bool | None = None
    # The default run command delivers from a worker inside the API process; set false when running
    # `cartesio worker` processes instead.
    worker_in_process: bool = True
    worker_poll_seconds: float = Field(default=1.0, gt=0)
    # Screenings over more clusters than this are queued for the worker (202) instead of run in the request.
    screening_inline_max_clusters: int = Field(default=20_000, ge=0)
    screening_lease_seconds: int = Field(default=900, ge=10)
    allow_demo_accounts: bool = False
    # Browser origins allowed to call the API. Unset: the client's own origin (public_url) and, in development,
    # the client's dev server; an empty list allows none.
    cors_origins: list[str] | None = None
    # The built web client, served at "/" (client/dist of the source tree when unset and present).
    client_dir: Path | None = None
    # Logs: one JSON object per line, or text for people reading a terminal; one access line per request.
    log_format: Literal["json", "text"] = "json"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    access_log: bool = True
    # /metrics (Prometheus): open unless a token is set, then only with "Authorization: Bearer <token>";
    # disabled, it answers 404.
    metrics_enabled: bool = True
    metrics_token: SecretStr | None = None

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _production_needs_database(self) -> "Settings":
        if self.environment == "production" and not self.database_url:
            raise ValueError("CARTESIO_DATABASE_URL must be set in production")
        return self

    @property
    def private_webhook_targets_allowed(self) -> bool:
        if self.webhook_allow_private_targets is not None:
            return self.webhook_allow_private_targets
        return self.environment != "production"

    @property
    def resolved_cors_origins(self) -> list[str]:
        if self.cors_origins is not None:
            return self.cors_origins
        scheme, _, rest = self.public_url.partition("://")
        origins = [f"{scheme}://{rest.split('/', 1)[0]}"]
        if self.environment == "development":
            origins += ["http://localhost:5173", "http://127.0.0.1:5173"]
        return origins

    @property
    def resolved_client_dir(self) -> Path | None:
        directory = self.client_dir or Path(__file__).resolve().parents[2] / "client" / "dist"
        return directory if (directory / "index.html").is_file() else None

    @property
    def https(self) -> bool:
        return self.public_url.lower().startswith("https://")

    @property
    def resolved_storage_dir(self) -> Path:
        return self.storage_dir or (self.var_dir / "files")

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return normalise_database_url(self.database_url)
        self.var_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{(self.var_dir / 'cartesio.db').resolve()}"

    def signing_key(self) -> str:
        """The JWT signing key: from settings, else (development only) generated once under var/."""
        if self.jwt_secret is not None:
            value = self.jwt_secret.get_secret_value()
            if len(value) < 32:
                raise ConfigError("CARTESIO_JWT_SECRET must be at least 32 characters long")
            return value
        if self.environment == "production":
            raise ConfigError(
                "CARTESIO_JWT_SECRET is not set: production refuses to start without a signing key"
            )
        self.var_dir.mkdir(parents=True, exist_ok=True)
        key_file = self.var_dir / "jwt.key"
        if not key_file.exists():
            key_file.write_text(secrets.token_urlsafe(48))
            key_file.chmod(0o600)
        return key_file.read_text().strip()


def normalise_database_url(url: str) -> str:
    """Accept the usual spellings and pin the drivers we ship (psycopg 3, pysqlite)."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    if url.startswith("sqlite+aiosqlite://"):
        url = "sqlite://" + url[len("sqlite+aiosqlite://") :]
    return url


@lru_cache
def get_settings() -> Settings:
    return Settings()

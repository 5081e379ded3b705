"""Settings for every TriageDesk process, read once from `TRIAGEDESK_*` environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = PACKAGE_ROOT / "config"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRIAGEDESK_", env_file=None, extra="ignore")

    environment: str = Field("development", description="development | production")
    data_dir: Path = Path("var")
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    temporal_ui_port: int = 8233
    temporal_tls: bool = False
    task_queue: str = "triagedesk"
    database_url: str | None = None
    sla_policy: Path = CONFIG_DIR / "sla_policy.yaml"
    catalog: Path = CONFIG_DIR / "catalog.yaml"
    oncall: Path = CONFIG_DIR / "oncall.yaml"
    incidents: Path = CONFIG_DIR / "incidents.yaml"
    api_tokens: SecretStr | None = None
    tokens_file: Path | None = None
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    log_level: str = "INFO"
    embedding_model: Path | None = None
    model_dir: Path | None = None
    qdrant_url: str | None = None
    qdrant_api_key: SecretStr | None = None
    kb_dir: Path = PACKAGE_ROOT / "datasets" / "kb"
    # Retraining: a weekly Temporal Schedule (cron, UTC; empty turns it off), base training files
    # every run includes, a fixed evaluation file, and the fewest labelled examples worth a run.
    retrain_cron: str = "0 3 * * 0"
    retrain_data: list[Path] = Field(default_factory=list)
    retrain_holdout: Path | None = None
    retrain_min_examples: int = Field(50, ge=1)
    # Per intake token: sustained tickets per second and the burst allowed above it (0 = off).
    intake_rate_per_second: float = Field(20.0, ge=0)
    intake_burst: int = Field(200, ge=1)
    redact_patterns: list[str] = Field(
        default_factory=list, description="Extra regexes to mask, e.g. a national ID format."
    )

    @field_validator("environment")
    @classmethod
    def _known_environment(cls, value: str) -> str:
        if value not in {"development", "production"}:
            raise ValueError("environment must be 'development' or 'production'")
        return value

    @model_validator(mode="after")
    def _refuse_placeholders(self) -> Settings:
        if self.environment != "production":
            return self
        secrets = [self.webhook_secret, self.api_tokens]
        for secret in secrets:
            if secret is not None and "changeme" in secret.get_secret_value().lower():
                raise ValueError("replace the 'changeme' placeholder secrets before production")
        return self

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'triagedesk.db').resolve()}"

    @property
    def resolved_tokens_file(self) -> Path:
        return self.tokens_file or self.data_dir / "tokens.txt"

    @property
    def resolved_model_dir(self) -> Path:
        return self.model_dir or self.data_dir / "models"

    @property
    def qdrant_path(self) -> Path:
        return self.data_dir / "qdrant"

    @property
    def temporal_port(self) -> int:
        return int(self.temporal_address.rsplit(":", 1)[1])

    @property
    def temporal_host(self) -> str:
        return self.temporal_address.rsplit(":", 1)[0]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()

"""Settings, read once from the environment (and an optional .env) and validated.

A missing or wrong setting stops the bot with one line naming it
(``SettingsError``); nothing else in the code reads the environment.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import time
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from storage import POSTGRES_SCHEMES
from workflows.definition import Definition, default_definition, load_definition
from workflows.reminders import Policy
from workflows.review import Readers


class SettingsError(Exception):
    """One line for the operator: which setting, what is wrong with it."""


class Mode(StrEnum):
    SOCKET = "socket"
    HTTP = "http"
    CONSOLE = "console"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    slack_bot_token: SecretStr | None = Field(None, description="Bot token (xoxb-…)")
    slack_signing_secret: SecretStr | None = Field(None, description="Signing secret (HTTP mode)")
    slack_app_token: SecretStr | None = Field(
        None, description="App-level token (xapp-…): Socket Mode")
    slack_api_url: str = Field("https://slack.com/api/", description="Slack Web API base URL")
    slack_post_interval: float = Field(
        1.0, ge=0, le=60, description="Seconds between posts to one channel (Slack takes "
                                      "about one a second); 0 against a local stand-in")
    database_url: str = Field("sqlite:///review.db", description="Where the data lives: "
                              "sqlite:///file.db or postgresql://…/db")
    host: str = Field("0.0.0.0", description="HTTP mode (and METRICS_PORT): address to "
                                             "listen on")
    port: int = Field(3000, ge=1, le=65535, description="HTTP mode: port to listen on")
    review_admins: str = Field("", description="Comma-separated Slack user IDs who are admins")
    review_channel: str = Field("#compliance-review", description="Default team channel")
    review_timezone: str = Field("America/New_York", description="The team's time zone")
    review_business_hours: str = Field("09:00-17:00",
                                       description="When reminders may be posted (team time)")
    review_remind_before: str = Field("3,1", description="Business days before a deadline "
                                                         "to remind, comma-separated")
    review_follow_up_days: int = Field(5, ge=1, le=60, description="Business days between "
                                                                   "follow-ups while overdue")
    review_sweep_seconds: int = Field(60, ge=5, le=3600,
                                      description="How often due reminders are looked for")
    review_workflow: Path | None = Field(
        None, description="The workflow as a YAML file (default: the packaged review.yml)")
    review_readers: str = Field(
        "members", description="Who may read the review: members (everyone in the workspace "
                               "but guests) or roles (only people given a role)")
    review_evidence_dir: Path | None = Field(
        None, description="Where to keep the bytes of files attached as evidence, by their "
                          "SHA-256 (unset: only their hash and Slack's link are kept)")
    review_public_url: str | None = Field(
        None, description="HTTP mode: the bot's address as calendar apps reach it (e.g. "
                          "https://review.example.gov), for the calendar feed's links")
    metrics_port: int | None = Field(
        None, ge=1, le=65535, description="Socket Mode: port serving GET /metrics and GET "
                                          "/healthz (e.g. 9464; unset: none). HTTP mode "
                                          "serves them on PORT")
    metrics_token: SecretStr | None = Field(
        None, description="when set, GET /metrics answers only a request bearing it "
                          "(Authorization: Bearer …); unset: /metrics is open to any caller")
    log_level: str = Field("INFO", description="DEBUG, INFO, WARNING or ERROR")
    log_format: str = Field("text", description="text (one line a record) or json (one "
                                                "JSON object a line)")

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xoxb-"):
            raise ValueError("must be a bot token starting with xoxb-")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xapp-"):
            raise ValueError("must be an app-level token starting with xapp-")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value if value.endswith("/") else value + "/"

    @field_validator("review_public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL, e.g. https://review.example.gov")
        return value.rstrip("/") if value else None

    @field_validator("database_url")
    @classmethod
    def _database(cls, value: str) -> str:
        if not value.startswith(("sqlite:///", *POSTGRES_SCHEMES)) or not _readable_url(value):
            raise ValueError("must look like sqlite:///path/to/review.db or "
                             "postgresql://user:password@host:5432/review")
        return value

    @field_validator("review_timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not a time zone (e.g. America/New_York)") from None
        return value

    @field_validator("review_business_hours")
    @classmethod
    def _hours(cls, value: str) -> str:
        opens, closes = _hours(value)
        if opens >= closes:
            raise ValueError("must be HH:MM-HH:MM with the start before the end")
        return value

    @field_validator("review_remind_before")
    @classmethod
    def _before(cls, value: str) -> str:
        parts = [p.strip() for p in value.split(",") if p.strip()]
        if not all(p.isdigit() and 0 < int(p) <= 60 for p in parts):
            raise ValueError("must be business days between 1 and 60, e.g. 3,1")
        return value

    @field_validator("review_workflow")
    @classmethod
    def _workflow(cls, value: Path | None) -> Path | None:
        if value is not None:
            load_definition(value)  # a DefinitionError names the line and the step
        return value

    @field_validator("review_readers")
    @classmethod
    def _readers(cls, value: str) -> str:
        if value.strip().lower() not in {r.value for r in Readers}:
            raise ValueError("must be members (everyone but guests) or roles (only people "
                             "given a role)")
        return value.strip().lower()

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        if value.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
        return value.upper()

    @field_validator("log_format")
    @classmethod
    def _log_format(cls, value: str) -> str:
        if value.strip().lower() not in ("text", "json"):
            raise ValueError("must be text or json")
        return value.strip().lower()

    @model_validator(mode="after")
    def _credentials(self) -> Settings:
        if self.slack_app_token and not self.slack_bot_token:
            raise ValueError("SLACK_BOT_TOKEN is missing: Socket Mode needs it with "
                             "SLACK_APP_TOKEN")
        if self.slack_bot_token and not (self.slack_app_token or self.slack_signing_secret):
            raise ValueError("SLACK_SIGNING_SECRET is missing: HTTP mode needs it "
                             "(or set SLACK_APP_TOKEN for Socket Mode)")
        if self.slack_signing_secret and not self.slack_bot_token:
            raise ValueError("SLACK_BOT_TOKEN is missing: HTTP mode needs it with "
                             "SLACK_SIGNING_SECRET")
        return self

    @property
    def mode(self) -> Mode:
        if self.slack_app_token:
            return Mode.SOCKET
        if self.slack_bot_token:
            return Mode.HTTP
        return Mode.CONSOLE

    @property
    def on_postgres(self) -> bool:
        return self.database_url.startswith(POSTGRES_SCHEMES)

    @property
    def database_path(self) -> Path:
        """The SQLite file (meaningless on PostgreSQL: see ``database_name``)."""
        return Path(self.database_url.removeprefix("sqlite:///"))

    @property
    def database_name(self) -> str:
        """Where the data lives, fit to print: the file, or the URL with no password."""
        if not self.on_postgres:
            return str(self.database_path)
        parts = urlsplit(self.database_url)
        host = parts.hostname or ""
        return urlunsplit((parts.scheme, f"{parts.username + '@' if parts.username else ''}"
                           f"{host}{':' + str(parts.port) if parts.port else ''}",
                           parts.path, "", ""))

    @property
    def readers(self) -> Readers:
        return Readers(self.review_readers)

    @property
    def admins(self) -> frozenset[str]:
        return frozenset(user.strip() for user in self.review_admins.split(",") if user.strip())

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.review_timezone)

    @property
    def definition(self) -> Definition:
        """The workflow in force (read again on each call: a copy of the settings with
        another file must not see a cached one)."""
        if self.review_workflow is None:
            return default_definition()
        return load_definition(self.review_workflow)

    def policy(self, definition: Definition) -> Policy:
        """Reminder timing: ``definition``'s offsets, unless the environment sets them."""
        opens, closes = _hours(self.review_business_hours)
        policy = definition.reminders.apply(
            Policy(opens=opens, closes=closes, timezone=self.timezone))
        if "review_remind_before" in self.model_fields_set:
            before = tuple(sorted({int(p) for p in self.review_remind_before.split(",")
                                   if p.strip()}, reverse=True))
            policy = replace(policy, before=before)
        if "review_follow_up_days" in self.model_fields_set:
            policy = replace(policy, follow_up_every=self.review_follow_up_days)
        return policy


def _readable_url(url: str) -> bool:
    """A SQLite URL names a file; a PostgreSQL URL splits into a host and a port in
    range (a bad one would otherwise surface as a traceback from deep inside a driver)."""
    if url.startswith("sqlite:///"):
        return bool(url.removeprefix("sqlite:///").strip())
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises for a port that is not a number in range)
    except ValueError:
        return False
    return bool(parts.path.strip("/")) or bool(parts.hostname)


def _hours(text: str) -> tuple[time, time]:
    try:
        opens, closes = (time.fromisoformat(part.strip()) for part in text.split("-"))
    except ValueError:
        raise ValueError("must be HH:MM-HH:MM, e.g. 09:00-17:00") from None
    return opens, closes


def load_settings(env_file: str | None = ".env", **overrides: Any) -> Settings:
    """Read and validate the settings, or raise ``SettingsError`` with one line."""
    try:
        # pydantic-settings takes _env_file at run time; its typed signature omits it.
        return Settings(_env_file=env_file, **overrides)  # type: ignore[call-arg]
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]).upper()
        message = str(first["msg"]).removeprefix("Value error, ")
        raise SettingsError(f"{field}: {message}" if field else message) from None


def describe() -> list[tuple[str, str, str]]:
    """(variable, default, meaning) of every setting, for --help and the README."""
    rows = []
    for name, info in Settings.model_fields.items():
        default = "" if info.default is None else str(info.default)
        rows.append((name.upper(), default, info.description or ""))
    return rows

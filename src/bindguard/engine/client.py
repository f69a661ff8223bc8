"""Which engines to audit and how to talk to them, through the Docker SDK.

The SDK is imported here and only here, lazily, so ``lint`` never pays for
it.  Engines come from ``--host URL``, from ``--context NAME`` (read from the
Docker CLI's context store, ``~/.docker/contexts``, as ``docker context``
does), or, with neither, from the environment as ``docker.from_env()`` reads
it (``DOCKER_HOST``, ``DOCKER_TLS_VERIFY``, ``DOCKER_CERT_PATH``) and then
the CLI's current context.  SDK and transport failures become EngineErrors
that name the engine, so the CLI prints one line.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from bindguard.bounded_read import read_small_file
from bindguard.errors import (
    EngineError,
    EnginePermissionDenied,
    EngineTimeout,
    EngineUnreachable,
)

DEFAULT_HOST = "unix:///var/run/docker.sock"
DEFAULT_TIMEOUT = 5.0


@dataclass(frozen=True)
class EngineTarget:
    """One engine: a display name, its URL and its TLS material."""

    name: str
    url: str
    tls_verify: bool = False
    cert_path: str | None = None  # folder holding ca.pem, cert.pem, key.pem
    skip_tls_verify: bool = False

    @property
    def tls(self) -> bool:
        return self.tls_verify or self.cert_path is not None

    @property
    def unverified(self) -> bool:
        """TLS without checking the engine's certificate: anyone in between can pose as the engine."""
        return self.tls and (not self.tls_verify or self.skip_tls_verify)


def docker_config_dir() -> str:
    return os.environ.get("DOCKER_CONFIG") or os.path.join(os.path.expanduser("~"), ".docker")


def context_target(name: str) -> EngineTarget:
    """Read a Docker CLI context: meta/<sha256(name)>/meta.json and tls/<sha256>/docker/."""
    if name == "default":
        return env_target(use_current_context=False)
    root = os.path.join(docker_config_dir(), "contexts")
    digest = hashlib.sha256(name.encode()).hexdigest()
    meta_path = os.path.join(root, "meta", digest, "meta.json")
    try:
        meta = json.loads(read_small_file(meta_path))
    except FileNotFoundError:
        raise EngineError(name, f"no such Docker context (looked for {meta_path})") from None
    except (OSError, ValueError) as exc:
        raise EngineError(name, f"cannot read Docker context {meta_path}: {exc}") from None
    endpoint = (meta.get("Endpoints") or {}).get("docker") or {}
    host = endpoint.get("Host")
    if not host:
        raise EngineError(name, f"context has no docker endpoint host ({meta_path})")
    tls_dir = os.path.join(root, "tls", digest, "docker")
    has_tls = os.path.isfile(os.path.join(tls_dir, "cert.pem")) or os.path.isfile(
        os.path.join(tls_dir, "ca.pem")
    )
    return EngineTarget(
        name=name,
        url=host,
        tls_verify=has_tls and not endpoint.get("SkipTLSVerify", False),
        cert_path=tls_dir if has_tls else None,
        skip_tls_verify=bool(endpoint.get("SkipTLSVerify", False)),
    )


def current_context() -> str | None:
    if os.environ.get("DOCKER_CONTEXT"):
        return os.environ["DOCKER_CONTEXT"]
    try:
        name = json.loads(read_small_file(os.path.join(docker_config_dir(), "config.json"))).get("currentContext")
    except (OSError, ValueError, AttributeError):
        return None
    return name if name and name != "default" else None


def env_target(use_current_context: bool = True) -> EngineTarget:
    """The engine ``docker.from_env()`` would use, falling back to the CLI's context."""
    host = os.environ.get("DOCKER_HOST")
    if not host and use_current_context and (name := current_context()):
        return context_target(name)
    host = host or DEFAULT_HOST
    tls_verify, cert_path = sdk_tls_environment(os.environ)
    return EngineTarget(name=host, url=host, tls_verify=tls_verify, cert_path=cert_path)


def sdk_tls_environment(environ: dict[str, str] | os._Environ) -> tuple[bool, str | None]:
    """(verify, cert folder) as the Docker SDK's ``kwargs_from_env`` reads them.

    ``DOCKER_TLS_VERIFY`` set to anything but "" means verify, ``0`` and
    ``false`` included (docker-py: "Any value or 'unset' counts as true";
    docker/cli: ``os.Getenv("DOCKER_TLS_VERIFY") != ""``).
    ``DOCKER_CERT_PATH`` alone turns TLS on with its client certificate but
    without verifying the engine, as the SDK does; the audit says so (BG011).
    """
    tls_verify = environ.get("DOCKER_TLS_VERIFY", "") != ""
    cert_path = environ.get("DOCKER_CERT_PATH") or None
    if tls_verify and cert_path is None:
        cert_path = docker_config_dir()
    return tls_verify, cert_path


def cli_host_target(host: str, environ: dict[str, str] | os._Environ | None = None) -> EngineTarget:
    """``--host URL`` with the TLS environment applied as the docker CLI applies it.

    docker/cli ``cli/flags``: ``DOCKER_TLS_VERIFY`` non-empty means TLS and
    verification, ``DOCKER_TLS`` non-empty means TLS; the certificates come
    from ``DOCKER_CERT_PATH``, else the config folder.  Only TCP hosts use
    TLS (a unix socket or ssh:// never does), and ``DOCKER_CERT_PATH`` alone
    does not turn TLS on for the CLI.
    """
    environ = os.environ if environ is None else environ
    if not host.startswith(("tcp://", "https://")):
        return EngineTarget(name=host, url=host)
    tls_verify = environ.get("DOCKER_TLS_VERIFY", "") != ""
    tls = tls_verify or environ.get("DOCKER_TLS", "") != ""
    if not tls:
        return EngineTarget(name=host, url=host)
    cert_path = environ.get("DOCKER_CERT_PATH") or docker_config_dir()
    return EngineTarget(name=host, url=host, tls_verify=tls_verify, cert_path=cert_path)


def resolve_targets(hosts: list[str], contexts: list[str]) -> list[EngineTarget]:
    targets = [cli_host_target(h) for h in hosts]
    targets += [context_target(c) for c in contexts]
    return targets or [env_target()]


class CountingClient:
    """An APIClient wrapper that counts HTTP requests (for the constant-cost promise)."""

    def __init__(self, api: Any):
        self.api = api
        self.calls = 0
        original = api.request

        def request(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            return original(*args, **kwargs)

        api.request = request


def connect(target: EngineTarget, timeout: float = DEFAULT_TIMEOUT) -> CountingClient:
    """A client for ``target``; no request is made yet."""
    if target.url.startswith("ssh://"):
        return _ssh_client(target, timeout)
    import docker  # lazily: lint never imports the SDK
    from docker.tls import TLSConfig

    tls: Any = False
    if target.tls:
        cert, ca = _tls_files(target)
        try:
            tls = TLSConfig(client_cert=cert, ca_cert=ca, verify=ca if target.tls_verify and ca else target.tls_verify)
        except Exception as exc:  # docker.errors.TLSParameterError and file errors
            raise EngineError(target.name, f"bad TLS configuration: {exc}") from None
    try:
        # (requests takes a float timeout; the SDK's stubs say int)
        api = docker.APIClient(base_url=target.url, tls=tls, timeout=timeout, version="1.24")  # type: ignore[arg-type]
    except Exception as exc:
        raise translate(target, exc) from None
    if tls:
        _pin_verify(api)
    return CountingClient(api)


def _ssh_client(target: EngineTarget, timeout: float) -> CountingClient:
    """``ssh://`` engines: the ``ssh`` command and ``docker system dial-stdio`` (engine/ssh.py)."""
    from bindguard.engine.ssh import ssh_api

    return CountingClient(ssh_api(target.name, target.url, timeout))


def _pin_verify(api: Any) -> None:
    """Verify the engine against its own CA even when REQUESTS_CA_BUNDLE is set.

    requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE replace a session's
    ``verify`` on every request (psf/requests#3829), so in a shell with a
    corporate CA bundle the engine's ``ca.pem`` was silently ignored and the
    TLS handshake failed.  The docker CLI uses only the engine's CA.
    """
    merge = api.merge_environment_settings

    def merge_keeping_verify(url, proxies, stream, verify, cert):
        settings = merge(url, proxies, stream, verify, cert)
        settings["verify"] = api.verify
        return settings

    api.merge_environment_settings = merge_keeping_verify


MIN_API = (1, 24)


def _api_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(x) for x in text.split(".")[:2] if x.isdigit())


def negotiate(client: CountingClient, target: EngineTarget) -> dict[str, Any]:
    """Ask the engine its API versions (one unversioned ``/version``) and use the
    newest both sides speak; the engine's ``/version`` answer is returned.

    The client starts at API 1.24, the oldest the SDK supports, but engines
    also refuse clients that are too old: Docker 29 refuses anything below
    1.44 ("client version 1.24 is too old").  So every request after this one
    uses min(engine's version, the SDK's newest).
    """
    from docker.constants import DEFAULT_DOCKER_API_VERSION
    from docker.utils import version_lt

    version = client.api.version(api_version=False)
    api_version = str(version.get("ApiVersion", ""))
    if _api_tuple(api_version) < MIN_API:
        raise EngineError(target.name, f"engine API {api_version or '?'} is too old (need 1.24 or newer)")
    negotiated = api_version
    if version_lt(DEFAULT_DOCKER_API_VERSION, negotiated):
        negotiated = DEFAULT_DOCKER_API_VERSION
    client.api._version = negotiated
    return version


def read_info(api: Any) -> tuple[dict[str, Any], str | None]:
    """``/info`` (rootless, Docker Desktop, firewall backend: engine/facts.py), or ``{}`` and a
    note when the engine refuses it: a socket proxy that allows only the container endpoints
    answers 403 there, and the audit goes on without those facts. Transport errors propagate."""
    import docker.errors

    try:
        return api.info() or {}, None
    except docker.errors.APIError as exc:
        status = getattr(exc, "status_code", None) or "error"
        return {}, (f"the engine refused /info ({status}): whether it is rootless or Docker Desktop, "
                    "and its firewall backend, are unknown")


T = TypeVar("T")


def ask(target: EngineTarget, timeout: float, question: Callable[[Any], T]) -> T:
    """One short conversation with an engine: connect, negotiate the API version, ``question(api)``,
    close; any failure is an EngineError naming the host (one line, exit 2)."""
    client = connect(target, timeout)
    try:
        negotiate(client, target)
        return question(client.api)
    except EngineError:
        raise
    except Exception as exc:
        raise translate(target, exc) from None
    finally:
        client.api.close()


BRIDGE_HOST_BINDING = "com.docker.network.bridge.host_binding_ipv4"


def engine_default_host_ip(target: EngineTarget, timeout: float = DEFAULT_TIMEOUT) -> str:
    """``lint --default-host-ip engine``: the engine's default bridge's host binding address
    (daemon.json ``"ip"``, shown as the ``bridge`` network's ``host_binding_ipv4``; 0.0.0.0
    when it shows none). Networks made later with ``default-network-opts`` are not visible
    here (docs/limits.md). Any failure is an EngineError (one line, exit 2)."""
    networks = ask(target, timeout, lambda api: api.networks(names=["bridge"]))
    for net in networks or ():
        if net.get("Name") == "bridge":
            return str((net.get("Options") or {}).get(BRIDGE_HOST_BINDING) or "0.0.0.0")
    raise EngineError(target.name, "the engine has no default bridge network to read the default host IP from")


def _tls_files(target: EngineTarget) -> tuple[tuple[str, str] | None, str | None]:
    """(client cert and key, CA) from the cert folder, as the docker CLI reads them.

    A folder that is missing, a certificate without its key (or the reverse),
    or verification without ``ca.pem`` is an error naming the file, not a
    connection that fails later with a vaguer message.
    """
    if not target.cert_path:
        return None, None
    folder = target.cert_path
    if not os.path.isdir(folder):
        raise EngineError(target.name, f"TLS certificate folder {folder} not found (DOCKER_CERT_PATH)")
    cert_file, key_file, ca_file = (os.path.join(folder, n) for n in ("cert.pem", "key.pem", "ca.pem"))
    has_cert, has_key = os.path.isfile(cert_file), os.path.isfile(key_file)
    if has_cert != has_key:
        missing = key_file if has_cert else cert_file
        raise EngineError(target.name, f"TLS client certificate without its pair: {missing} not found")
    has_ca = os.path.isfile(ca_file)
    if target.tls_verify and not target.skip_tls_verify and not has_ca:
        raise EngineError(target.name, f"TLS verification needs the CA certificate {ca_file}: not found")
    return ((cert_file, key_file) if has_cert else None), (ca_file if has_ca else None)


def translate(target: EngineTarget, exc: BaseException) -> EngineError:
    """An SDK or transport exception as the EngineError that explains it."""
    import requests

    text = str(exc)
    chain: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and len(chain) < 10:
        chain.append(cur)
        cur = cur.__cause__ or cur.__context__
    if (ssh := _ssh_failure(target, chain)) is not None:
        return ssh
    for e in chain:
        if isinstance(e, PermissionError) or "Permission denied" in str(e):
            return EnginePermissionDenied(
                target.name, "permission denied on the Docker socket (add your user to the docker group, or run as root)"
            )
    for e in chain:
        if isinstance(e, (requests.exceptions.Timeout, TimeoutError)) or "timed out" in str(e).lower():
            return EngineTimeout(target.name, "the engine did not answer in time (see --timeout)")
    for e in chain:
        if isinstance(e, requests.exceptions.SSLError) or "SSL" in type(e).__name__:
            return EngineError(target.name, f"TLS failure: {_short(e)}")
    closed = _closed_by_engine(target, chain)
    if closed is not None:
        return closed
    for e in chain:
        if isinstance(e, (FileNotFoundError, ConnectionRefusedError)) or isinstance(
            e, requests.exceptions.ConnectionError
        ):
            return EngineUnreachable(target.name, "cannot connect to the Docker engine (is dockerd running?)")
    if "client version" in text and "too" in text:
        return EngineError(target.name, f"API version mismatch: {_short(exc)}")
    return EngineError(target.name, _short(exc))


def _ssh_failure(target: EngineTarget, chain: list[BaseException]) -> EngineError | None:
    """An ssh:// transport failure (engine/ssh.py already put it in one line), if any."""
    from bindguard.engine.ssh import SSHFailure

    for e in chain:
        if isinstance(e, SSHFailure):
            kind = {"unreachable": EngineUnreachable, "denied": EnginePermissionDenied, "timeout": EngineTimeout}
            return kind.get(e.kind, EngineError)(target.name, e.message)
    return None


def _closed_by_engine(target: EngineTarget, chain: list[BaseException]) -> EngineError | None:
    """Something listens but hung up on a plain-HTTP request: most often a TLS port (issue 14).

    Saying "is dockerd running?" there sent people looking for a daemon that was
    running all along.
    """
    import http.client

    if target.tls or not target.url.startswith(("tcp://", "http://")):
        return None
    for e in chain:
        if isinstance(e, (ConnectionResetError, ConnectionAbortedError, http.client.RemoteDisconnected)):
            return EngineUnreachable(
                target.name,
                "the engine closed the connection: if it expects TLS, set DOCKER_TLS_VERIFY=1 "
                "and DOCKER_CERT_PATH (as for the docker CLI)",
            )
    return None


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) < 200 else text[:197] + "..."

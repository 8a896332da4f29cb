"""HAProxy in front of app replicas on this machine, from the shipped deploy/haproxy.cfg itself: the same
stickiness, health checks, timeouts and headers, with only what a local run must change replaced (each
replaced text must still be in the file, so the file as shipped is what runs)."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "deploy" / "haproxy.cfg"
HAPROXY = Path("/usr/sbin/haproxy")
SHIPPED_CERTIFICATE = "/etc/haproxy/store-audit.pem"
START_TIMEOUT_S = 15

# Run in the foreground as whoever starts it, logging to its standard output (haproxy -db), not as a daemon
# under its own user in a chroot with a system-wide admin socket.
_FOREGROUND = {
    "    log /dev/log local0\n": "    log stdout format raw local0\n",
    "    chroot /var/lib/haproxy\n": "",
    "    stats socket /run/haproxy/admin.sock mode 660 level admin\n": "",
    "    user haproxy\n    group haproxy\n    daemon\n": "",
}
_SHIPPED_SERVERS = (
    "    server app1 10.0.0.11:8501 cookie app1\n"
    "    server app2 10.0.0.12:8501 cookie app2\n"
    "    server app3 10.0.0.13:8501 cookie app3\n"
)
_REDIRECT_FRONTEND = "frontend plain_http\n    bind :80\n    http-request redirect scheme https code 301\n\n"
_TLS_BIND = f"    bind :443 ssl crt {SHIPPED_CERTIFICATE} alpn h2,http/1.1\n"
# Plain HTTP: no redirect to https, no HSTS, a cookie the browser sends over http, and the app told http.
_PLAIN_HTTP = {
    _REDIRECT_FRONTEND: "",
    "    # Browsers that have been here once refuse plain HTTP for a year (the app adds its other headers itself).\n"
    '    http-response set-header Strict-Transport-Security "max-age=31536000"\n': "",
    "    http-request set-header X-Forwarded-Proto https\n": "    http-request set-header X-Forwarded-Proto http\n",
    " httponly secure attr ": " httponly attr ",
}


class BalancerUnavailable(RuntimeError):
    """Debian's haproxy is not installed."""


def replace_each(text: str, replacements: dict[str, str]) -> str:
    for shipped, here in replacements.items():
        if shipped not in text:
            raise AssertionError(f"deploy/haproxy.cfg no longer has {shipped!r}: update tools/balancer.py")
        text = text.replace(shipped, here)
    return text


def server_lines(replicas: Sequence[str]) -> str:
    """app1, app2, … at the given host:port addresses, each its own cookie value."""
    return "".join(f"    server app{n} {address} cookie app{n}\n" for n, address in enumerate(replicas, start=1))


def local_config(
    replicas: Sequence[str], listen: str, certificate: Path | None = None, redirect_from: str | None = None
) -> str:
    """deploy/haproxy.cfg for this machine: the replicas at `replicas` (host:port). Without a certificate,
    plain HTTP on `listen`; with one, HTTPS on `listen` as shipped, and plain HTTP on `redirect_from` (when
    given) redirecting to it."""
    text = replace_each(SHIPPED.read_text(), {**_FOREGROUND, _SHIPPED_SERVERS: server_lines(replicas)})
    if certificate is None:
        return replace_each(text, {**_PLAIN_HTTP, _TLS_BIND: f"    bind {listen}\n"})
    redirect = _REDIRECT_FRONTEND.replace(":80", redirect_from) if redirect_from else ""
    tls_bind = _TLS_BIND.replace(":443", listen).replace(SHIPPED_CERTIFICATE, str(certificate))
    return replace_each(text, {_REDIRECT_FRONTEND: redirect, _TLS_BIND: tls_bind})


def check(config: Path) -> subprocess.CompletedProcess[str]:
    """`haproxy -c`: HAProxy's own verdict on a configuration file (exit status 0 when valid)."""
    return subprocess.run(
        [str(_haproxy()), "-c", "-f", str(config)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


@dataclass
class Balancer:
    process: subprocess.Popen
    config: Path
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start(config_text: str, folder: Path, port: int) -> Balancer:
    """HAProxy in the foreground with `config_text` (written to folder/haproxy.cfg, its log to
    folder/haproxy.log), once it accepts connections on 127.0.0.1:`port`."""
    folder.mkdir(parents=True, exist_ok=True)
    config, log = folder / "haproxy.cfg", folder / "haproxy.log"
    config.write_text(config_text)
    with open(log, "ab") as output:
        process = subprocess.Popen(
            [str(_haproxy()), "-db", "-f", str(config)],
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a Ctrl-C meant for whoever started it does not end it out of order
        )
    balancer = Balancer(process=process, config=config, log=log)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"haproxy stopped at once:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return balancer
        except OSError:
            time.sleep(0.05)
    balancer.stop()
    raise RuntimeError(f"haproxy did not listen on {port}:\n{log.read_text(errors='replace')[-3000:]}")


def _haproxy() -> Path:
    if not HAPROXY.exists():
        raise BalancerUnavailable(
            f"{HAPROXY} is missing: install Debian's `haproxy` package (apt-get install haproxy; "
            "`make system-deps` does it)"
        )
    return HAPROXY

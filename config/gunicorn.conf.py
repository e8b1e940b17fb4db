"""gunicorn settings for hrd_cases: ``gunicorn -c config/gunicorn.conf.py wsgi:app``.

Everything an operator tunes comes from the environment, like the application's settings:

    WEB_CONCURRENCY      worker processes (default 2; about one per core). The app reads the
                         same variable to refuse in-memory rate limits with several workers.
    HRD_THREADS          threads per worker (default 4): requests mostly wait on the database.
    HRD_BIND             address to listen on (default 127.0.0.1:8000: behind a reverse proxy).
    HRD_PROXY_HOPS       trusted reverse proxies (the app's ProxyFix uses the same number).
    FORWARDED_ALLOW_IPS  addresses of those proxies (default 127.0.0.1), trusted only when
                         HRD_PROXY_HOPS > 0.
    HRD_ACCESS_LOG       "-" (stderr, default), a file path, or "off".

Application servers are stateless: sessions are rows in the database and rate limits live in
Redis (REDIS_URL), so any number of servers can run behind a load balancer.
"""

from __future__ import annotations

import gc
import os

from gunicorn.http import wsgi as _gunicorn_wsgi

_hops = int(os.environ.get("HRD_PROXY_HOPS", "0") or 0)

bind = [os.environ.get("HRD_BIND", "127.0.0.1:8000")]
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("HRD_THREADS", "4"))

# A request that takes 30 s is stuck (the slowest page is well under a second): the worker is
# replaced. Graceful shutdown lets in-flight requests (and their transactions) finish.
timeout = 30
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then (with jitter, so they do not all restart together).
max_requests = 5000
max_requests_jitter = 500

# Preload: the application (settings, templates, keyring provider) is built once in the
# master, so a configuration error stops startup with one message instead of every worker
# crashing in a loop, and workers share the loaded code. The database engine must not cross
# the fork: connections are sockets, and two processes on one socket corrupt each other's
# transactions. post_fork drops the inherited pool (without closing the parent's sockets);
# each worker then opens its own connections on first use.
preload_app = True


def pre_fork(server, worker) -> None:  # type: ignore[no-untyped-def]
    """Everything the preloaded application built (modules, templates, mappers: a few hundred
    thousand objects) moves to the collector's permanent generation before the fork: the
    workers' collections never walk it again (full collections over it cost a case page about
    1.5 ms of CPU on average, issue 13) nor write to it, so its memory pages stay shared."""
    gc.freeze()


def post_fork(server, worker) -> None:  # type: ignore[no-untyped-def]
    app = worker.app.wsgi()  # with preload: the master's application object, already built
    database = getattr(app, "extensions", {}).get("hrd_db")
    if database is not None:
        database.engine.dispose(close=False)


# Trust X-Forwarded-* only from the configured proxies; the app's ProxyFix then takes exactly
# HRD_PROXY_HOPS hops, so clients cannot pick their own address for rate limits.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1") if _hops else ""

# Logs: JSON lines on stderr (journald keeps them); access lines without query strings.
logger_class = "hrd_cases.ops.gunicorn_logging.JsonGunicornLogger"
_access = os.environ.get("HRD_ACCESS_LOG", "-")
accesslog = None if _access == "off" else _access
errorlog = "-"
loglevel = os.environ.get("HRD_LOG_LEVEL", "info").lower()
# Never let a proxy header or a request line into the process title.
proc_name = "hrd-cases"
# gunicorn >= 25.1 opens a control socket in $HOME by default: one path shared by every
# instance on the machine, and a management surface nobody here uses. Off.
control_socket_disable = True


# gunicorn writes "Server: gunicorn" before the application's headers and has no setting to
# drop it; naming the server and its version helps only an attacker matching known flaws.
# The config file runs in the master before the fork, so every worker inherits this.
_default_headers = _gunicorn_wsgi.Response.default_headers


def _headers_without_server(self):  # type: ignore[no-untyped-def]
    return [line for line in _default_headers(self) if not line.lower().startswith("server:")]


_gunicorn_wsgi.Response.default_headers = _headers_without_server  # type: ignore[method-assign]

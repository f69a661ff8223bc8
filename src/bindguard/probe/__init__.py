"""``bindguard probe``: what really listens on a port of this host, who owns it,
and which of this host's addresses accept connections to it.

Why this exists: ``lint`` and ``audit`` read what compose files and the engine
*say*.  A port can still end up reachable from the network through things
neither of them shows: a process nobody declared, a dual-stack ``::`` socket
that quietly accepts IPv4 too, or Docker forwarding with NAT and no socket at
all.  The probe asks the kernel instead: the socket table, the process behind
each socket, and real TCP connects to the port.

Why it is shaped the way it is:

* It connects only to this host's own addresses (127.0.0.1, ::1 and the
  addresses of its interfaces that are up), never to a name and never to
  another machine, so it is safe to run anywhere.  That is why targets must be
  IP literals: a hostname could resolve to somebody else.
* It works without root.  What it cannot see (other users' processes, or on
  some systems the whole socket table) is reported as a note instead of
  failing the run.
* A connect from the host itself does not take the path a connect from
  another machine takes: host firewall rules (the ufw/firewalld INPUT chain)
  and Docker's DNAT in PREROUTING apply differently.  So "answered on
  192.168.x.y" means a socket accepts on that address, not that the network
  can reach it; every text report says so.
* The engine is somebody else's job: the caller passes ``container_lookup``
  to name the container behind ``docker-proxy`` or behind a NAT-only port.
* psutil is imported when a probe runs, not when this package is imported,
  so importing it (for :func:`parse_target`, say) costs nothing for ``lint``.
* Results are frozen dataclasses with ``to_dict()``; rendering is a pure
  function of them (:func:`render_text`, :func:`render_json`), like the
  reporters.

The pieces: ``target`` (parsing and address rules), ``results`` (the
dataclasses), ``system`` (socket table, owners, host addresses), ``checks``
(connects, ``HEAD /``, the ``--free`` bind), ``diagnose`` (:func:`probe`),
``render`` (text and JSON).
"""

from bindguard.probe.diagnose import probe
from bindguard.probe.render import render_json, render_text
from bindguard.probe.results import (
    DEFAULT_TIMEOUT,
    HOST_PATH_CAVEAT,
    OWNER_HIDDEN,
    TABLE_HIDDEN,
    Attempt,
    ContainerLookup,
    FreeCheck,
    HttpCheck,
    ListeningSocket,
    Owner,
    ProbeResult,
    ProbeVerdict,
)
from bindguard.probe.target import Target, parse_target

__all__ = [
    "DEFAULT_TIMEOUT",
    "HOST_PATH_CAVEAT",
    "OWNER_HIDDEN",
    "TABLE_HIDDEN",
    "Attempt",
    "ContainerLookup",
    "FreeCheck",
    "HttpCheck",
    "ListeningSocket",
    "Owner",
    "ProbeResult",
    "ProbeVerdict",
    "Target",
    "parse_target",
    "probe",
    "render_json",
    "render_text",
]

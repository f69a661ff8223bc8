"""Time ``probe --neighbour`` on the real engine: the verdict table and the time per port.

Run as root from the repository root (the Docker engine at /var/run/docker.sock
must hold ``bindguard-test/busybox:1``: ``bash .ci/engine-up.sh``):

    python benchmarks/neighbour_bench.py [--timeout 1] [--many 50]

It starts two containers (one on 127.0.0.1, one on all interfaces, random host
ports), drops a third port with a DOCKER-USER rule that matches only the
neighbour's /30, picks a port nobody listens on, probes the four from one
neighbour and prints each verdict with the time of its deciding connect.
Then it probes ``--many`` ports nobody listens on to show that the run's cost
does not grow with the number of ports.  Everything it creates (containers,
the rule, the neighbour) is removed on every exit path.
"""

from __future__ import annotations

import argparse
import ipaddress
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from bindguard.probe.neighbour import probe_from_neighbour  # noqa: E402
from bindguard.probe.netns import pick_subnet, used_networks  # noqa: E402

IMAGE = "bindguard-test/busybox:1"


def docker(*args: str) -> str:
    return subprocess.run(["docker", *args], check=True, capture_output=True, text=True).stdout.strip()


def free_ports(count: int) -> list[int]:
    socks = [socket.socket() for _ in range(count)]
    try:
        for s in socks:
            s.bind(("0.0.0.0", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def run(spec: str, names: list[str]) -> int:
    name = f"bindguard-test-bench-{uuid.uuid4().hex[:8]}"
    names.append(name)
    docker("run", "-d", "--name", name, "--label", "org.bindguard.test=1", "-p", spec, IMAGE,
           "busybox", "httpd", "-f", "-p", "80", "-h", "/")
    return int(docker("port", name, "80/tcp").splitlines()[0].rsplit(":", 1)[1])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--timeout", type=float, default=1.0)
    parser.add_argument("--many", type=int, default=50)
    args = parser.parse_args()
    names: list[str] = []
    net = str(pick_subnet(used_networks()))
    rule = ["DOCKER-USER", "-s", net, "-j", "DROP"]
    try:
        loop = run("127.0.0.1::80", names)
        wild = run("0.0.0.0::80", names)
        dropped = run("0.0.0.0::80", names)
        (unused,) = free_ports(1)
        time.sleep(0.5)
        # the rule drops everything of the neighbour's /30 that is forwarded: keep the
        # other ports off this run by probing them from a second neighbour below
        cases = {loop: "127.0.0.1 (container)", wild: "0.0.0.0 (container)", unused: "nobody listens"}
        first = probe_from_neighbour(sorted(cases), args.timeout)
        subprocess.run(["iptables", "-I", *rule], check=True)
        try:
            second = probe_from_neighbour([dropped], args.timeout, ipaddress.IPv4Network(net))
        finally:
            subprocess.run(["iptables", "-D", *rule], check=True)
        cases[dropped] = "0.0.0.0 + DOCKER-USER DROP"
        print(f"engine {docker('version', '--format', '{{.Server.Version}}')}, timeout {args.timeout:g} s")
        print(f"{'published':<28}{'verdict':<56}time")
        for p in sorted(first.ports + second.ports, key=lambda p: list(cases).index(p.port)):
            print(f"{cases[p.port]:<28}{p.verdict.value:<56}{p.seconds * 1000:.1f} ms")
        print(f"run with 3 ports: {first.seconds:.2f} s; run with 1 port: {second.seconds:.2f} s")
        many = probe_from_neighbour(free_ports(args.many), args.timeout)
        worst = max(p.seconds for p in many.ports) * 1000
        print(f"run with {args.many} ports nobody listens on: {many.seconds:.2f} s "
              f"({many.seconds / args.many * 1000:.1f} ms a port; slowest verdict {worst:.1f} ms)")
    finally:
        if names:
            subprocess.run(["docker", "rm", "-f", *names], capture_output=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
